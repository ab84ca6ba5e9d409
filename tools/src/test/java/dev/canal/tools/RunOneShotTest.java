package dev.canal.tools;

import dev.canal.engine.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code canal run --prompt}: stdout is exactly the generated text; statistics go to stderr. */
class RunOneShotTest {

    @Test
    void greedyFromBosReproducesTheReferenceByteForByte() throws Exception {
        // The reference is llama2.c's output for 200 greedy tokens after BOS; it ends mid-sentence ("so she")
        // with no newline, and the CLI adds none.
        byte[] expected = Files.readAllBytes(Fixtures.stories().resolve("expected_greedy_200.txt"));
        Cli.Result r = Cli.run("run", Fixtures.stories().toString(), "--raw", "--prompt", "",
                "--temperature", "0", "--max-tokens", "200");
        assertEquals(0, r.exitCode(), r.stderr());
        assertArrayEquals(expected, r.stdoutBytes(),
                () -> "stdout differs from expected_greedy_200.txt:\n" + r.stdout());
        assertTrue(r.stderr().contains("\ngenerated: 200 tokens, "), r.stderr());
        assertTrue(r.stderr().contains("\nprompt: 1 tokens, "), r.stderr()); // BOS alone
        assertTrue(r.stderr().matches("(?s).*\nload: \\d+ ms .*"), r.stderr());
        // The CPU runs it, and one line says why no GPU is used (no driver here; not auto-selected elsewhere).
        assertTrue(r.stderr().matches("(?s).*\nbackend: cpu \\(\\d+ threads\\); GPU not used: [^\n]+\n.*"),
                r.stderr());
    }

    @Test
    void stopStringEndsTheTextBeforeIt() throws Exception {
        String expected = Files.readString(Fixtures.stories().resolve("expected_greedy_200.txt"),
                StandardCharsets.UTF_8);
        String stop = " park";
        Cli.Result r = Cli.run("run", Fixtures.stories().toString(), "--raw", "--prompt", "",
                "--temperature", "0", "--max-tokens", "60", "--stop", "nothing like this", "--stop", stop);
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals(expected.substring(0, expected.indexOf(stop)), r.stdout());
        assertTrue(r.stderr().contains("(stop: stop string)"), r.stderr());
    }

    @Test
    void maxTokensLimitsTheAnswer() {
        Cli.Result r = Cli.run("run", Fixtures.stories().toString(), "--raw", "--prompt", "",
                "--temperature", "0", "--max-tokens", "5", "--threads", "1");
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals("Once upon a time,", r.stdout()); // ▁Once ▁upon ▁a ▁time ,
        assertTrue(r.stderr().contains("\ngenerated: 5 tokens, "), r.stderr());
    }

    @Test
    void withoutTemplateAndWithoutRawItWarnsAndCompletes() {
        Cli.Result r = Cli.run("run", Fixtures.stories().toString(), "--prompt", "",
                "--temperature", "0", "--max-tokens", "5");
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals("Once upon a time,", r.stdout());
        assertTrue(r.stderr().startsWith("warning: " + Fixtures.stories() + " has no chat template"), r.stderr());
    }

    @Test
    void sameSeedSameSample() {
        String[] args = {"run", Fixtures.stories().toString(), "--raw", "--prompt", "Once upon a time",
                "--temperature", "1.0", "--seed", "42", "--max-tokens", "40"};
        Cli.Result a = Cli.run(args);
        Cli.Result b = Cli.run(args);
        assertEquals(0, a.exitCode(), a.stderr());
        assertTrue(a.stdoutBytes().length > 0);
        assertEquals(a.stdout(), b.stdout());
    }
}
