package dev.canal.models.quant;

import dev.canal.engine.api.Canal;
import dev.canal.engine.api.LoadOptions;
import dev.canal.engine.api.Model;
import dev.canal.engine.api.SamplerSettings;
import dev.canal.engine.api.GenerationOptions;
import dev.canal.engine.api.Session;
import dev.canal.engine.quant.compressed.CompressedPackQuantizedPacker;
import dev.canal.engine.weights.SafetensorsWriter.TensorData;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * stories260K written as llm-compressor writes W4A16 / W8A16 (compressed-tensors pack-quantized): generates what
 * its dequantized F32 twin generates.
 */
class CompressedPackQuantizedLoadTest {
    private static final GenerationOptions GREEDY_48 = new GenerationOptions(48, SamplerSettings.greedy(), List.of());

    @TempDir
    Path tmp;

    /** Group 32 leaves down_proj (172 inputs) in float, listed in "ignore"; per-channel int4 pads its last word. */
    @ParameterizedTest(name = "int{0} group {1} sym={2}")
    @CsvSource({"4, 32, true, 5", "4, 32, false, 5", "4, -1, false, 0", "8, -1, true, 0"})
    void greedyOutputEqualsTheDequantizedModel(int bits, int group, boolean sym, int floatLayers) throws IOException {
        CompressedPackQuantizedPacker packer = new CompressedPackQuantizedPacker(bits, group, sym);
        Path quantized = tmp.resolve("w" + bits);
        Path dequantized = tmp.resolve("f32");
        List<String> kept = StoriesRewriter.write(quantized, dequantized, layers(packer), packer::quantizationConfig,
                null);
        assertEquals(floatLayers, kept.size(), kept.toString());
        int[] expected = generate(dequantized);
        assertArrayEquals(expected, generate(quantized));
    }

    private static int[] generate(Path dir) {
        try (Model model = Canal.load(dir, new LoadOptions(2, 0, 16)); Session session = model.newSession()) {
            return session.complete("", GREEDY_48, t -> { }).tokenIds();
        }
    }

    private static StoriesRewriter.LayerQuantizer layers(CompressedPackQuantizedPacker packer) {
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
}
