package dev.canal.tools;

import dev.canal.engine.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Expected renders are transformers' apply_chat_template output for the Qwen3 template. */
class TemplateCommandTest {
    private static final Path QWEN3 = Fixtures.model("tokenizers").resolve("qwen3");

    private static Path json(Path dir, String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }

    @Test
    void singleUserWithGenerationPrompt(@TempDir Path tmp) throws IOException {
        Path messages = json(tmp, "m.json", "[{\"role\": \"user\", \"content\": \"Hello!\"}]");
        Cli.Result r = Cli.run("template", QWEN3.toString(), "--messages", messages.toString(),
                "--add-generation-prompt");
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals("<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n", r.stdout());
    }

    @Test
    void fromTheConfigFileWithoutGenerationPrompt(@TempDir Path tmp) throws IOException {
        Path messages = json(tmp, "m.json", "[{\"role\": \"user\", \"content\": \"Hello!\"}]");
        Cli.Result r = Cli.run("template", QWEN3.resolve("tokenizer_config.json").toString(),
                "--messages", messages.toString());
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals("<|im_start|>user\nHello!<|im_end|>\n", r.stdout());
    }

    @Test
    void variablesReachTheTemplate(@TempDir Path tmp) throws IOException {
        Path messages = json(tmp, "m.json", """
                [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi there"}]""");
        Cli.Result r = Cli.run("template", QWEN3.toString(), "--messages", messages.toString(),
                "--add-generation-prompt", "--var", "enable_thinking=false");
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi there<|im_end|>\n"
                + "<|im_start|>assistant\n<think>\n\n</think>\n\n", r.stdout());
    }

    @Test
    void toolsAreRenderedIntoTheSystemTurn(@TempDir Path tmp) throws IOException {
        Path messages = json(tmp, "m.json", "[{\"role\": \"user\", \"content\": \"Hi\"}]");
        Path tools = json(tmp, "t.json", """
                [{"type": "function", "function": {"name": "now", "description": "Current time.",
                  "parameters": {"type": "object", "properties": {}}}}]""");
        Cli.Result r = Cli.run("template", QWEN3.toString(), "--messages", messages.toString(),
                "--tools", tools.toString(), "--add-generation-prompt");
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals("""
                <|im_start|>system
                # Tools

                You may call one or more functions to assist with the user query.

                You are provided with function signatures within <tools></tools> XML tags:
                <tools>
                {"type": "function", "function": {"name": "now", "description": "Current time.", \
                "parameters": {"type": "object", "properties": {}}}}
                </tools>

                For each function call, return a json object with function name and arguments within \
                <tool_call></tool_call> XML tags:
                <tool_call>
                {"name": <function-name>, "arguments": <args-json-object>}
                </tool_call><|im_end|>
                <|im_start|>user
                Hi<|im_end|>
                <|im_start|>assistant
                """, r.stdout());
    }

    @Test
    void modelWithoutTemplate(@TempDir Path tmp) throws IOException {
        Path messages = json(tmp, "m.json", "[{\"role\": \"user\", \"content\": \"Hello!\"}]");
        Cli.Result r = Cli.run("template", Fixtures.stories().toString(), "--messages", messages.toString());
        assertEquals(1, r.exitCode());
        assertEquals("error: " + Fixtures.stories().resolve("tokenizer_config.json") + ": no chat_template\n",
                r.stderr());
    }

    @Test
    void messagesMustBeAnArrayOfObjectsWithRoles(@TempDir Path tmp) throws IOException {
        Path object = json(tmp, "o.json", "{\"role\": \"user\"}");
        Cli.Result r = Cli.run("template", QWEN3.toString(), "--messages", object.toString());
        assertEquals(1, r.exitCode());
        assertEquals("error: " + object + ": expected a JSON array of messages, found object\n", r.stderr());

        Path noRole = json(tmp, "n.json", "[{\"content\": \"x\"}]");
        r = Cli.run("template", QWEN3.toString(), "--messages", noRole.toString());
        assertEquals("error: " + noRole + ": message 0 has no \"role\" string\n", r.stderr());

        Path broken = json(tmp, "b.json", "[{\"role\": \"user\",\n \"content\": }]");
        r = Cli.run("template", QWEN3.toString(), "--messages", broken.toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.stderr().startsWith("error: " + broken + ": not valid JSON: "), r.stderr());
        assertTrue(r.stderr().endsWith("(line 2)\n"), r.stderr());
        assertEquals(1, r.stderr().lines().count(), r.stderr());

        r = Cli.run("template", QWEN3.toString(), "--messages", tmp.resolve("missing.json").toString());
        assertEquals("error: " + tmp.resolve("missing.json") + ": no such file\n", r.stderr());
    }
}
