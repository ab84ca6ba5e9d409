package dev.canal.engine.quant.nvfp4;

import static dev.canal.engine.quant.fp8.QuantTestSupport.matrix;
import static dev.canal.engine.quant.fp8.QuantTestSupport.store;
import static dev.canal.engine.quant.fp8.QuantTestSupport.wrap;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.canal.engine.quant.QuantizationConfig;
import dev.canal.engine.tensor.PackedMatrix;
import dev.canal.engine.weights.SafetensorsStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/** What Nvfp4Packer writes is what Nvfp4Format reads back, and equals the packer's own round trip. */
class Nvfp4PackerTest {
    private static final String LAYER = "model.layers.2.mlp.up_proj";

    @TempDir
    Path dir;

    @Test
    void packedTensorsLoadAsTheRoundTrip() {
        int out = 40, in = 96;
        Random random = new Random(11);
        float[] w = new float[out * in];
        for (int i = 0; i < w.length; i++) w[i] = (float) (random.nextGaussian() * 0.05);
        for (int i = 0; i < 16; i++) w[3 * in + 32 + i] = 0f; // an all-zero block
        Nvfp4Packer packer = new Nvfp4Packer();
        assertTrue(packer.unsupported(LAYER, out, in).isEmpty());
        assertTrue(packer.unsupported(LAYER, out, 172).orElseThrow().contains("172"));

        float[] trip = packer.roundTrip(w, out, in);
        float amax = 0;
        for (float v : w) amax = Math.max(amax, Math.abs(v));
        for (int g = 0; g < w.length / 16; g++) {
            float blockMax = 0;
            for (int i = 0; i < 16; i++) blockMax = Math.max(blockMax, Math.abs(w[16 * g + i]));
            for (int i = 0; i < 16; i++) {
                // Half of the widest E2M1 step (2, between 4 and 6) of a block scale near blockMax / 6, plus
                // the E4M3 rounding of that scale.
                double tolerance = blockMax / 6 * 1.0625 * 1.01 + amax * 1e-6;
                assertEquals(w[16 * g + i], trip[16 * g + i], tolerance, "element " + (16 * g + i));
            }
        }
        for (int i = 0; i < 16; i++) assertEquals(0f, trip[3 * in + 32 + i]);

        ObjectNode qc = packer.quantizationConfig(List.of("lm_head", "model.layers.0.mlp.down_proj"));
        assertEquals("modelopt", qc.get("quant_method").asText());
        assertEquals("W4A16_NVFP4", qc.get("quant_algo").asText());
        assertEquals(16, qc.get("group_size").asInt());
        assertEquals("model.layers.0.mlp.down_proj", qc.get("exclude_modules").get(1).asText());
        assertEquals(qc.get("exclude_modules"), qc.get("ignore"));
        QuantizationConfig config = QuantizationConfig.of(qc, "config.json quantization_config");
        try (SafetensorsStore raw = store(dir, packer.pack(LAYER, w, out, in))) {
            PackedMatrix m = matrix(wrap(raw, config), LAYER);
            float[] row = new float[in];
            for (int o = 0; o < out; o++) {
                m.dequantizeRow(o, row, 0);
                float[] expected = new float[in];
                System.arraycopy(trip, o * in, expected, 0, in);
                assertArrayEquals(expected, row, 0f, "row " + o);
            }
        }
    }
}
