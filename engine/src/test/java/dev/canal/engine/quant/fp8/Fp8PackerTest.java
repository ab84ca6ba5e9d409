package dev.canal.engine.quant.fp8;

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
import dev.canal.engine.weights.SafetensorsWriter.TensorData;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/** What Fp8Packer writes is what Fp8Format reads back, and equals the packer's own round trip. */
class Fp8PackerTest {
    private static final String LAYER = "model.layers.3.mlp.up_proj";

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Fp8Packer.Scaling.class)
    void packedTensorsLoadAsTheRoundTrip(Fp8Packer.Scaling scaling) {
        int out = 150, in = 200;
        Random random = new Random(7);
        float[] w = new float[out * in];
        for (int i = 0; i < w.length; i++) w[i] = (float) (random.nextGaussian() * (1 + i % 13) * 0.01);
        for (int i = 0; i < in; i++) w[5 * in + i] = 0f; // an all-zero row (and, per channel, scale)
        Fp8Packer packer = new Fp8Packer(scaling);
        assertTrue(packer.unsupported(LAYER, out, in).isEmpty());
        float[] trip = packer.roundTrip(w, out, in);
        // e4m3 keeps 3 mantissa bits: the error is at most half a step, 1/16 of the value, or a subnormal step.
        float[] amaxScale = new float[1];
        for (float v : w) amaxScale[0] = Math.max(amaxScale[0], Math.abs(v));
        for (int i = 0; i < w.length; i++) {
            double tolerance = Math.abs(w[i]) / 16 + amaxScale[0] / 448 * 0x1p-9 + 1e-12;
            assertEquals(w[i], trip[i], tolerance, "element " + i);
        }

        ObjectNode qc = packer.quantizationConfig(List.of("lm_head"));
        assertEquals("compressed-tensors", qc.get("quant_method").asText());
        assertEquals("float-quantized", qc.get("format").asText());
        assertEquals("lm_head", qc.get("ignore").get(0).asText());
        QuantizationConfig config = QuantizationConfig.of(qc, "config.json quantization_config");
        List<TensorData> tensors = packer.pack(LAYER, w, out, in);
        try (SafetensorsStore raw = store(dir, tensors)) {
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
