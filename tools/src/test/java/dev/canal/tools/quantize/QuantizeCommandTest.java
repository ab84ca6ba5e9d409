package dev.canal.tools.quantize;

import dev.canal.engine.testing.Fixtures;
import dev.canal.engine.weights.SafetensorsWriter;
import dev.canal.engine.weights.SafetensorsWriter.TensorData;
import dev.canal.engine.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** quantize's refusals: each one line on stderr, a non-zero exit code, no stack trace, and no output written. */
class QuantizeCommandTest {
    @TempDir
    Path tmp;

    private static final Path STORIES = Fixtures.model("stories260K-hf-derived");

    /** Exactly one stderr line, starting with "error: " and containing every fragment; nothing written. */
    private void assertOneLineError(QuantizeCli.Result r, int exitCode, Path out, String... fragments) {
        assertEquals(exitCode, r.exitCode(), r.stderr());
        assertEquals(1, r.stderrLines().size(), r.stderr());
        String line = r.stderrLines().getFirst();
        assertTrue(line.startsWith("error: "), line);
        for (String f : fragments) assertTrue(line.contains(f), "missing \"" + f + "\" in: " + line);
        assertFalse(r.stderr().contains("\tat "), "no stack trace");
        assertEquals("", r.stdout());
        if (out != null) assertFalse(Files.exists(out), out + " must not be written");
        try (var siblings = Files.list(tmp)) {
            assertTrue(siblings.noneMatch(p -> p.getFileName().toString().contains(".partial-")), "no staging left");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void refusesTheAwqCheckpointNamingTheTensorAndItsFormat() {
        Path out = tmp.resolve("out");
        QuantizeCli.Result r = QuantizeCli.run("quantize", Fixtures.model("stories260K-awq-derived").toString(),
                "--to", "awq", "--group-size", "32", "-o", out.toString());
        assertOneLineError(r, 1, out, "tensor model.layers.0.self_attn.", ".qweight is I32", "(AWQ-quantized)",
                "start from the original F32/F16/BF16 model");
    }

    @Test
    void refusesAnF8TensorInAFloatLookingDirectory() throws IOException {
        Path model = tmp.resolve("fp8-model");
        Files.createDirectories(model);
        for (String f : List.of("config.json", "tokenizer.json")) Files.copy(STORIES.resolve(f), model.resolve(f));
        SafetensorsWriter.write(model.resolve("model.safetensors"), List.of(
                TensorData.f32("model.embed_tokens.weight", new long[] {2, 2}, new float[4]),
                TensorData.of("model.layers.0.self_attn.q_proj.weight", DType.F8_E4M3, new long[] {2, 2},
                        MemorySegment.ofArray(new byte[4]))), Map.of());
        Path out = tmp.resolve("out");
        QuantizeCli.Result r = QuantizeCli.run("quantize", model.toString(), "--to", "gptq", "-o", out.toString());
        assertOneLineError(r, 1, out, "tensor model.layers.0.self_attn.q_proj.weight is F8_E4M3",
                "(quantized weights)", "start from the original F32/F16/BF16 model");
    }

    @Test
    void refusesAQuantizationConfigEvenWithFloatTensors() throws IOException {
        Path model = tmp.resolve("gptq-config");
        Files.createDirectories(model);
        for (String f : List.of("config.json", "tokenizer.json", "model.safetensors")) {
            Files.copy(STORIES.resolve(f), model.resolve(f));
        }
        Files.writeString(model.resolve("quantize_config.json"), "{\"bits\": 4, \"group_size\": 128}");
        Path out = tmp.resolve("out");
        QuantizeCli.Result r = QuantizeCli.run("quantize", model.toString(), "--to", "awq", "-o", out.toString());
        assertOneLineError(r, 1, out, "quantize_config.json says the weights are GPTQ-quantized",
                "start from the original F32/F16/BF16 model");
    }

    @Test
    void unknownFormatIsAUsageError() {
        Path out = tmp.resolve("out");
        QuantizeCli.Result r = QuantizeCli.run("quantize", STORIES.toString(), "--to", "int3", "-o", out.toString());
        assertOneLineError(r, 2, out, "--to int3 is not one of awq, gptq, fp8, nvfp4");
    }

    @Test
    void optionsThatDoNotApplyAreUsageErrors() {
        Path out = tmp.resolve("out");
        assertOneLineError(QuantizeCli.run("quantize", STORIES.toString(), "--to", "awq", "--bits", "8",
                "-o", out.toString()), 2, out, "--bits 8: awq is 4-bit only");
        assertOneLineError(QuantizeCli.run("quantize", STORIES.toString(), "--to", "gptq", "--bits", "3",
                "-o", out.toString()), 2, out, "--bits 3 is not 4 or 8");
        assertOneLineError(QuantizeCli.run("quantize", STORIES.toString(), "--to", "awq", "--method", "gptq",
                "-o", out.toString()), 2, out, "--method gptq is not one of rtn, awq");
        assertOneLineError(QuantizeCli.run("quantize", STORIES.toString(), "--to", "awq", "--group-size", "0",
                "-o", out.toString()), 2, out, "group size must be positive");
        assertOneLineError(QuantizeCli.run("quantize", STORIES.toString(), "--to", "nvfp4", "--group-size", "32",
                "-o", out.toString()), 2, out, "--group-size applies to awq and gptq; nvfp4 has fixed blocks");
        assertOneLineError(QuantizeCli.run("quantize", STORIES.toString(), "--to", "awq", "--fp8-scaling", "block",
                "-o", out.toString()), 2, out, "--fp8-scaling applies to --to fp8 only");
        assertOneLineError(QuantizeCli.run("quantize", STORIES.toString(), "--to", "awq", "--calib", "x.txt",
                "-o", out.toString()), 2, out, "--calib is used by --method awq only");
    }

    @Test
    void aGroupSizeThatDividesNoLayerIsRefused() {
        Path out = tmp.resolve("out");
        QuantizeCli.Result r = QuantizeCli.run("quantize", STORIES.toString(), "--to", "awq", "--group-size", "48",
                "-o", out.toString());
        assertOneLineError(r, 1, out, "awq int4 g48 can hold none of the 35 linear layers",
                "is not a multiple of the AWQ group size 48");
    }

    @Test
    void aNonEmptyOutputDirectoryIsRefusedWithoutForce() throws IOException {
        Path out = tmp.resolve("taken");
        Files.createDirectories(out);
        Files.writeString(out.resolve("keep.txt"), "mine");
        QuantizeCli.Result r = QuantizeCli.run("quantize", STORIES.toString(), "--to", "awq", "--group-size", "32",
                "-o", out.toString());
        assertOneLineError(r, 1, null, out + ": exists and is not empty", "--force");
        assertEquals("mine", Files.readString(out.resolve("keep.txt")));
    }

    @Test
    void aMissingCalibrationFileIsOneLine() {
        Path out = tmp.resolve("out");
        Path calib = tmp.resolve("no-such-text.txt");
        QuantizeCli.Result r = QuantizeCli.run("quantize", STORIES.toString(), "--to", "awq", "--group-size", "32",
                "--method", "awq", "--calib", calib.toString(), "-o", out.toString());
        assertOneLineError(r, 1, out, calib + ": cannot read calibration text");
    }

    @Test
    void aMissingModelDirectoryIsOneLine() {
        Path missing = tmp.resolve("no-such-model");
        Path out = tmp.resolve("out");
        QuantizeCli.Result r = QuantizeCli.run("quantize", missing.toString(), "--to", "awq", "-o", out.toString());
        assertOneLineError(r, 1, out, missing + ": no such model directory");
    }

    @Test
    void aGgufFileIsRefusedWithWhereToQuantizeIt() throws Exception {
        Path gguf = Files.copy(Fixtures.model("stories260K-gguf").resolve("stories260K.gguf"),
                tmp.resolve("stories260K.gguf"));
        Path out = tmp.resolve("out");
        QuantizeCli.Result r = QuantizeCli.run("quantize", gguf.toString(), "--to", "awq", "-o", out.toString());
        assertOneLineError(r, 1, out, gguf + ": a file, not a model directory (quantize reads Hugging Face "
                + "directories of F32/F16/BF16 safetensors; for a quantized GGUF, convert such a directory with convert --type)");
    }
}
