package dev.canal.tools;

import dev.canal.engine.testing.Fixtures;
import dev.canal.engine.api.Canal;
import dev.canal.engine.api.GenerationOptions;
import dev.canal.engine.api.LoadOptions;
import dev.canal.engine.api.Model;
import dev.canal.engine.api.SamplerSettings;
import dev.canal.engine.api.Session;
import dev.canal.ggml.gguf.GgufFile;
import dev.canal.ggml.quant.GgmlType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** convert: a GGUF from an HF directory, and one-line errors for what it refuses. */
class ConvertCommandTest {
    @TempDir
    Path tmp;

    @Test
    void convertsStoriesToQ8GgufWithProgressOnStderr() {
        Path out = tmp.resolve("stories-q8.gguf");
        Cli.Result r = Cli.run("convert", Fixtures.model("stories260K-hf-derived").toString(), "--to", "gguf",
                "--type", "q8_0", "-o", out.toString());
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals("", r.stdout());
        assertTrue(r.stderr().contains("[47/47]") && r.stderr().contains("wrote " + out), r.stderr());
        try (GgufFile g = GgufFile.open(out)) {
            assertEquals("llama", g.getString("general.architecture"));
            assertEquals(GgmlType.Q8_0, g.tensor("blk.0.attn_q.weight").type());
            assertEquals(GgmlType.F16, g.tensor("blk.0.ffn_down.weight").type(), "172-element rows fall back");
            assertEquals(47, g.tensors().size());
        }
    }

    /**
     * Each family (synth's random weights, the real tokenizers) converted to F32 GGUF generates what its safetensors
     * directory generates: the GGUF vocabulary tokenizes the prompt alike (byte-level BPE for Llama 3 and Qwen,
     * SentencePiece-style for Mistral) and the tensors compute the same logits (Llama/Mistral Q/K rows permuted for
     * interleaved RoPE, Qwen's not).
     */
    @ParameterizedTest
    @CsvSource({"tiny-qwen2, qwen3, qwen2, gpt2, qwen2", "tiny-qwen3, qwen3, qwen3, gpt2, qwen2",
            "tiny-llama, llama3, llama, gpt2, llama-bpe", "tiny-mistral, mistral, llama, llama, default"})
    void ggufGeneratesLikeItsHuggingFaceDirectory(String preset, String tokenizer, String arch, String vocab,
                                                  String pre) {
        Path dir = tmp.resolve(preset);
        assertEquals(0, Cli.run("synth", "--preset", preset, "--dtype", "bf16", "-o", dir.toString(),
                "--tokenizer-dir", Fixtures.shared().resolve("models/tokenizers").resolve(tokenizer).toString())
                .exitCode());
        Path gguf = tmp.resolve(preset + ".gguf");
        Cli.Result c = Cli.run("convert", dir.toString(), "--type", "f32", "-o", gguf.toString());
        assertEquals(0, c.exitCode(), c.stderr());
        GenerationOptions greedy = new GenerationOptions(12, SamplerSettings.greedy(), List.of());
        int[] fromHf;
        try (Model m = Canal.load(dir, new LoadOptions(1, 64, 16)); Session s = m.newSession()) {
            fromHf = s.complete("Hello world", greedy, t -> { }).tokenIds();
        }
        try (Model m = Canal.load(gguf, new LoadOptions(1, 64, 16)); Session s = m.newSession()) {
            assertArrayEquals(fromHf, s.complete("Hello world", greedy, t -> { }).tokenIds());
        }
        try (GgufFile g = GgufFile.open(gguf)) {
            assertEquals(arch, g.getString("general.architecture"));
            assertEquals(vocab, g.getString("tokenizer.ggml.model"));
            assertEquals(pre, g.getString("tokenizer.ggml.pre"));
        }
    }

    @Test
    void refusesTheAwqCheckpointInOneLineNamingTheTensor() {
        Path out = tmp.resolve("awq.gguf");
        Cli.Result r = Cli.run("convert", Fixtures.model("stories260K-awq-derived").toString(), "--type", "f16",
                "-o", out.toString());
        assertEquals(1, r.exitCode());
        assertEquals(1, r.stderrLines().size(), r.stderr());
        String line = r.stderrLines().getFirst();
        assertTrue(line.startsWith("error: ") && line.contains("tensor model.layers.0.self_attn.")
                && line.contains("AWQ-quantized") && line.contains("start from the original F32/F16/BF16 model"), line);
        assertFalse(Files.exists(out));
    }

    @Test
    void badTypeIsAOneLineUsageError() {
        Cli.Result r = Cli.run("convert", Fixtures.model("stories260K-hf-derived").toString(), "--type", "q5_x",
                "-o", tmp.resolve("x.gguf").toString());
        assertEquals(2, r.exitCode());
        assertEquals(1, r.stderrLines().size(), r.stderr());
        assertTrue(r.stderrLines().getFirst().contains(
                "--type q5_x is not one of f32, f16, bf16, q8_0, q4_0, q4_k, q6_k"), r.stderr());
        assertFalse(Files.exists(tmp.resolve("x.gguf")));
    }

    @Test
    void otherOutputFormatsAreUsageErrors() {
        Cli.Result r = Cli.run("convert", Fixtures.model("stories260K-hf-derived").toString(), "--to", "onnx");
        assertEquals(2, r.exitCode());
        assertEquals(1, r.stderrLines().size(), r.stderr());
        assertTrue(r.stderr().contains("--to onnx is not supported (only gguf)"), r.stderr());
    }

    @Test
    void missingDirectoryIsOneLine() {
        Path missing = tmp.resolve("no-such-model");
        Cli.Result r = Cli.run("convert", missing.toString(), "-o", tmp.resolve("y.gguf").toString());
        assertEquals(1, r.exitCode());
        assertEquals("error: " + missing + ": no such model directory", r.stderr().strip());
    }
}
