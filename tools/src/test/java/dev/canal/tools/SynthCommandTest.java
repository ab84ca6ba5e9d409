package dev.canal.tools;

import dev.canal.engine.testing.Fixtures;
import dev.canal.engine.api.Canal;
import dev.canal.engine.api.Generation;
import dev.canal.engine.api.GenerationOptions;
import dev.canal.engine.api.LoadOptions;
import dev.canal.engine.api.Model;
import dev.canal.engine.api.SamplerSettings;
import dev.canal.engine.api.Session;
import dev.canal.engine.config.ModelConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** synth writes loadable random-weight models with the preset's geometry, reproducibly. */
class SynthCommandTest {
    @TempDir
    Path tmp;

    private Cli.Result synth(String preset, String dtype, long seed, Path out) {
        return Cli.run("synth", "--preset", preset, "--dtype", dtype, "--seed", Long.toString(seed),
                "-o", out.toString(), "--tokenizer-dir",
                Fixtures.shared().resolve("models/tokenizers").resolve(tokenizerOf(preset)).toString());
    }

    private static String tokenizerOf(String preset) {
        return preset.contains("llama") ? "llama3" : preset.contains("mistral") ? "mistral" : "qwen3";
    }

    /** Each family's tiny preset loads through its architecture and generates finite, deterministic text. */
    @ParameterizedTest
    @CsvSource({"tiny-llama, f32, LlamaForCausalLM", "tiny-qwen2, bf16, Qwen2ForCausalLM",
            "tiny-qwen3, f16, Qwen3ForCausalLM", "tiny-mistral, bf16, MistralForCausalLM"})
    void tinyPresetsLoadAndGenerate(String preset, String dtype, String hfClass) {
        Path dir = tmp.resolve(preset);
        Cli.Result r = synth(preset, dtype, 7, dir);
        assertEquals(0, r.exitCode(), r.stderr());
        GenerationOptions greedy = new GenerationOptions(8, SamplerSettings.greedy(), List.of());
        try (Model m = Canal.load(dir, new LoadOptions(2, 64, 16)); Session s = m.newSession()) {
            assertTrue(m.info().architecture().contains(hfClass), m.info().architecture());
            Generation g = s.complete("Hello world", greedy, t -> { });
            // Seeded weights: this prompt's greedy path happens not to reach EOS, so all 8 tokens come out.
            assertEquals(8, g.tokenIds().length, "stopped by " + g.stopReason());
            s.reset();
            assertArrayEquals(g.tokenIds(), s.complete("Hello world", greedy, t -> { }).tokenIds());
        }
    }

    @Test
    void sameSeedSameBytesAndTheConfigHasThePresetGeometry() throws IOException {
        assertEquals(0, synth("tiny-qwen3", "bf16", 3, tmp.resolve("a")).exitCode());
        assertEquals(0, synth("tiny-qwen3", "bf16", 3, tmp.resolve("b")).exitCode());
        assertEquals(0, synth("tiny-qwen3", "bf16", 4, tmp.resolve("c")).exitCode());
        byte[] a = Files.readAllBytes(tmp.resolve("a/model.safetensors"));
        assertArrayEquals(a, Files.readAllBytes(tmp.resolve("b/model.safetensors")));
        assertTrue(!java.util.Arrays.equals(a, Files.readAllBytes(tmp.resolve("c/model.safetensors"))));
        ModelConfig c = ModelConfig.read(tmp.resolve("a/config.json"));
        assertEquals(List.of("Qwen3ForCausalLM"), c.architectures());
        assertEquals(64, c.hiddenSize());
        assertEquals(32, c.headDim());
        assertEquals(151936, c.vocabSize());
    }

    /** The real presets' geometry without writing gigabytes: Llama 3.2 1B has 1,235,814,400 weights (tied). */
    @Test
    void llama32OneBillionPresetGeometry() {
        var model = new dev.canal.tools.synth.SyntheticModel(
                dev.canal.tools.synth.SynthPreset.byId("llama-3.2-1b"), dev.canal.engine.tensor.DType.BF16, 1);
        assertEquals(1_235_814_400L * 2, model.weightBytes());
    }

    @Test
    void badArgumentsAreOneLineErrors() {
        Cli.Result r = synth("llama-9b", "bf16", 1, tmp.resolve("x"));
        assertEquals(1, r.exitCode());
        assertTrue(r.stderr().contains("unknown preset \"llama-9b\""), r.stderr());
        r = Cli.run("synth", "--preset", "tiny-llama", "--arch", "qwen3", "-o", tmp.resolve("y").toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.stderr().contains("does not match preset"), r.stderr());
        r = synth("tiny-llama", "int8", 1, tmp.resolve("z"));
        assertTrue(r.stderr().contains("--dtype int8"), r.stderr());
    }

    @Test
    void refusesToOverwriteANonEmptyDirectory() throws IOException {
        Files.writeString(tmp.resolve("keep.txt"), "x");
        Cli.Result r = synth("tiny-llama", "bf16", 1, tmp);
        assertEquals(1, r.exitCode());
        assertTrue(r.stderr().contains("not empty"), r.stderr());
    }
}
