package dev.canal.models.quant;

import dev.canal.engine.api.Canal;
import dev.canal.engine.api.CanalException;
import dev.canal.engine.api.Generation;
import dev.canal.engine.api.GenerationOptions;
import dev.canal.engine.api.LoadOptions;
import dev.canal.engine.api.Model;
import dev.canal.engine.api.SamplerSettings;
import dev.canal.engine.api.Session;
import dev.canal.engine.quant.gptq.GptqPacker;
import dev.canal.engine.weights.SafetensorsWriter.TensorData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** stories260K with its attention projections in GPTQ: generates what its dequantized F32 twin generates. */
class GptqLoadTest {
    private static final GenerationOptions GREEDY_48 = new GenerationOptions(48, SamplerSettings.greedy(), List.of());

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "int{0} group {1} sym={2} config in {3}")
    @CsvSource({
            "4, 32, false, config.json",
            "4, -1, true, quantize_config.json",
            "8, 32, true, config.json",
    })
    void greedyOutputEqualsTheDequantizedModel(int bits, int group, boolean sym, String configFile)
            throws IOException {
        GptqPacker packer = new GptqPacker(bits, group, sym);
        Path quantized = tmp.resolve("gptq");
        Path dequantized = tmp.resolve("f32");
        List<String> kept = StoriesRewriter.write(quantized, dequantized, quantizer(packer),
                packer::quantizationConfig, configFile.equals("config.json") ? null : configFile);
        assertTrue(kept.size() >= 5 && kept.stream().allMatch(m -> m.contains(".mlp.")),
                "MLP layers with 172 features that the packing cannot hold stay float: " + kept);

        int[] expected = generate(dequantized);
        try (Model model = Canal.load(quantized, new LoadOptions(2, 0, 16)); Session session = model.newSession()) {
            Generation g = session.complete("", GREEDY_48, t -> { });
            assertArrayEquals(expected, g.tokenIds());
        }
    }

    /** The quantized layers really are read from qweight: a corrupted qweight changes the output. */
    @Test
    void theQuantizedLayersAreUsed() throws IOException {
        GptqPacker packer = new GptqPacker(4, 32, false);
        Path quantized = tmp.resolve("gptq");
        StoriesRewriter.write(quantized, tmp.resolve("f32"), corrupting(quantizer(packer)),
                packer::quantizationConfig, null);
        assertFalse(Arrays.equals(generate(tmp.resolve("f32")), generate(quantized)));
    }

    @Test
    void aMissingQzerosIsNamed() throws IOException {
        GptqPacker packer = new GptqPacker(4, 32, false);
        StoriesRewriter.LayerQuantizer base = quantizer(packer);
        StoriesRewriter.LayerQuantizer noZeros = new StoriesRewriter.LayerQuantizer() {
            public Optional<String> unsupported(String t, int out, int in) {
                return base.unsupported(t, out, in);
            }

            public List<TensorData> pack(String prefix, float[] w, int out, int in) {
                return base.pack(prefix, w, out, in).stream().filter(t -> !t.name().endsWith(".qzeros")).toList();
            }

            public float[] roundTrip(float[] w, int out, int in) {
                return base.roundTrip(w, out, in);
            }
        };
        Path quantized = tmp.resolve("gptq");
        StoriesRewriter.write(quantized, tmp.resolve("f32"), noZeros, packer::quantizationConfig, null);
        CanalException e = assertThrows(CanalException.class, () -> Canal.load(quantized, new LoadOptions(1, 0, 4)));
        assertTrue(e.getMessage().contains(".qzeros"), e.getMessage());
    }

    private static int[] generate(Path dir) {
        try (Model model = Canal.load(dir, new LoadOptions(2, 0, 16)); Session session = model.newSession()) {
            return session.complete("", GREEDY_48, t -> { }).tokenIds();
        }
    }

    private static StoriesRewriter.LayerQuantizer quantizer(GptqPacker packer) {
        return new StoriesRewriter.LayerQuantizer() {
            public Optional<String> unsupported(String tensor, int out, int in) {
                return packer.unsupported(tensor, out, in);
            }

            public List<TensorData> pack(String prefix, float[] w, int out, int in) {
                return packer.pack(prefix, w, out, in);
            }

            public float[] roundTrip(float[] w, int out, int in) {
                return packer.roundTrip(w, out, in);
            }
        };
    }

    /** Packs a tripled matrix but reports the true round trip: the two models must then disagree. */
    private static StoriesRewriter.LayerQuantizer corrupting(StoriesRewriter.LayerQuantizer q) {
        return new StoriesRewriter.LayerQuantizer() {
            public Optional<String> unsupported(String tensor, int out, int in) {
                return q.unsupported(tensor, out, in);
            }

            public List<TensorData> pack(String prefix, float[] w, int out, int in) {
                float[] tripled = w.clone();
                for (int i = 0; i < tripled.length; i++) tripled[i] *= 3;
                return q.pack(prefix, tripled, out, in);
            }

            public float[] roundTrip(float[] w, int out, int in) {
                return q.roundTrip(w, out, in);
            }
        };
    }
}
