package dev.canal.tools;

import dev.canal.engine.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Expected ids are those of @lenml/tokenizers (engine/src/test/resources/tokenizer/expected-*.json). */
class TokenizeCommandTest {

    @Test
    void storiesFromTheModelDirectory() {
        Cli.Result r = Cli.run("tokenize", Fixtures.stories().toString(), "--text", "Once upon a time");
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals("[1, 403, 407, 261, 378]\n", r.stdout()); // <s> ▁Once ▁upon ▁a ▁time
        assertEquals("", r.stderr());
    }

    @Test
    void storiesFromTheTokenizerFileWithoutBos() {
        Cli.Result r = Cli.run("tokenize", Fixtures.stories().resolve("tokenizer.json").toString(),
                "--text", "Once upon a time", "--no-add-special");
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals("[403, 407, 261, 378]\n", r.stdout());
    }

    @Test
    void emptyTextIsBosAlone() {
        Cli.Result r = Cli.run("tokenize", Fixtures.stories().toString(), "--text", "");
        assertEquals("[1]\n", r.stdout());
    }

    @Test
    void specialTokensInTheTextOnlyWithSpecial() {
        // The stories tokenizer is small; Qwen3's would cost seconds to load for the same check.
        Cli.Result parsed = Cli.run("tokenize", Fixtures.stories().toString(), "--text", "<s> Hello</s>",
                "--special");
        assertEquals("[1, 1, 410, 346, 306, 414, 2]\n", parsed.stdout(), parsed.stderr());
        Cli.Result plain = Cli.run("tokenize", Fixtures.stories().toString(), "--text", "<s> Hello</s>");
        assertEquals("[1, 410, 504, 419, 505, 346, 306, 414, 504, 492, 419, 505]\n", plain.stdout(), plain.stderr());
    }

    @Test
    void directoryWithoutTokenizer(@TempDir Path tmp) {
        Cli.Result r = Cli.run("tokenize", tmp.toString(), "--text", "x");
        assertEquals(1, r.exitCode());
        assertEquals("error: " + tmp + ": no tokenizer.json in this directory\n", r.stderr());
    }

    @Test
    void textIsRequired() {
        Cli.Result r = Cli.run("tokenize", Fixtures.stories().toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.stderr().startsWith("error: Missing required option: '--text=TEXT'"), r.stderr());
    }
}
