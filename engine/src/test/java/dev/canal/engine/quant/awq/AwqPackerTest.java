package dev.canal.engine.quant.awq;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.canal.engine.quant.QuantizationConfig;
import dev.canal.engine.tensor.PackedMatrix;
import dev.canal.engine.weights.SafetensorsStore;
import dev.canal.engine.weights.SafetensorsWriter;
import dev.canal.engine.weights.SafetensorsWriter.TensorData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The AWQ writer: AutoAWQ's round-to-nearest quantization, its GEMM packing, and a loader reading it back. */
class AwqPackerTest {
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int[] COLUMN_OF_NIBBLE = {0, 2, 4, 6, 1, 3, 5, 7};

    @TempDir
    Path dir;

    static float[] randomWeights(int out, int in, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] w = new float[out * in];
        for (int i = 0; i < w.length; i++) w[i] = (float) random.nextGaussian() * 0.05f;
        return w;
    }

    /** Worked by hand: min −1, max 2 → scale F16(0.2) = 0.199951171875, zero round(5.0012) = 5. */
    @Test
    void quantizesLikeAutoAwq() {
        AwqPacker packer = new AwqPacker(8);
        float[] w = new float[8 * 8];
        float[] row0 = {-1f, 0f, 0.5f, 2f, 0.1f, -0.3f, 1f, 1.1f};
        System.arraycopy(row0, 0, w, 0, 8);
        List<TensorData> parts = packer.pack("p", w, 8, 8);
        assertEquals(List.of("p.qweight", "p.qzeros", "p.scales"), parts.stream().map(TensorData::name).toList());
        MemorySegment qweight = parts.get(0).data().get();
        MemorySegment qzeros = parts.get(1).data().get();
        MemorySegment scales = parts.get(2).data().get();
        float scale = Float.float16ToFloat(scales.getAtIndex(I16, 0));
        assertEquals(0.199951171875f, scale);
        assertEquals(5, nibbleOfColumn(qzeros.getAtIndex(I32, 0), 0));
        int[] expectedCodes = {0, 5, 8, 15, 6, 3, 10, 11}; // round(w / scale) + 5, ties to even never hit
        for (int i = 0; i < 8; i++) {
            assertEquals(expectedCodes[i], nibbleOfColumn(qweight.getAtIndex(I32, i), 0), "code of w[0, " + i + "]");
        }
        float[] rt = packer.roundTrip(w, 8, 8);
        for (int i = 0; i < 8; i++) assertEquals((expectedCodes[i] - 5) * scale, rt[i]);
        // Rows of zeros: AutoAWQ clamps the range to 1e-5, so the scale is tiny but finite and the zero is 0.
        assertEquals(0f, rt[8]);
        assertEquals(Float.float16ToFloat(Float.floatToFloat16(1e-5f / 15)),
                Float.float16ToFloat(scales.getAtIndex(I16, 1)));
    }

    private static int nibbleOfColumn(int word, int column) {
        for (int k = 0; k < 8; k++) if (COLUMN_OF_NIBBLE[k] == column) return (word >>> (4 * k)) & 15;
        throw new AssertionError();
    }

    @Test
    void roundTripErrorIsHalfAStep() {
        int out = 24, in = 128, group = 32;
        float[] w = randomWeights(out, in, 3);
        float[] rt = new AwqPacker(group).roundTrip(w, out, in);
        for (int o = 0; o < out; o++) {
            for (int g = 0; g < in / group; g++) {
                float max = Float.NEGATIVE_INFINITY, min = Float.POSITIVE_INFINITY;
                for (int i = g * group; i < (g + 1) * group; i++) {
                    max = Math.max(max, w[o * in + i]);
                    min = Math.min(min, w[o * in + i]);
                }
                float step = (max - min) / 15;
                for (int i = g * group; i < (g + 1) * group; i++) {
                    assertTrue(Math.abs(w[o * in + i] - rt[o * in + i]) <= 0.51f * step,
                            "w[" + o + ", " + i + "] = " + w[o * in + i] + " became " + rt[o * in + i]);
                }
            }
        }
    }

    /** pack → safetensors file → AwqFormat → AwqMatrix reproduces roundTrip exactly, and multiplies with it. */
    @Test
    void packedFileLoadsBackAsTheRoundTrip() {
        int out = 72, in = 256, group = 64;
        AwqPacker packer = new AwqPacker(group);
        float[] w = randomWeights(out, in, 9);
        Path file = dir.resolve("model.safetensors");
        SafetensorsWriter.write(file, packer.pack("model.layers.0.mlp.up_proj", w, out, in), Map.of());
        float[] rt = packer.roundTrip(w, out, in);
        ObjectNode config = packer.quantizationConfig(List.of("lm_head"));
        try (SafetensorsStore store = SafetensorsStore.openFile(file)) {
            Map<String, PackedMatrix> layers = new AwqFormat().open(store, QuantizationConfig.of(config, "test"));
            PackedMatrix m = layers.get("model.layers.0.mlp.up_proj");
            assertEquals(Map.of("model.layers.0.mlp.up_proj", m), layers);
            float[] row = new float[in];
            for (int o = 0; o < out; o++) {
                m.dequantizeRow(o, row, 0);
                for (int i = 0; i < in; i++) assertEquals(rt[o * in + i], row[i], "W[" + o + ", " + i + "]");
            }
            float[] x = AwqMatrixTest.randomX(5, in, 4);
            float[] y = new float[5 * out];
            m.multiply(x, 5, y, out, 0, out);
            for (int r = 0; r < 5; r++) {
                for (int o = 0; o < out; o++) {
                    double sum = 0, abs = 0;
                    for (int i = 0; i < in; i++) {
                        sum += (double) x[r * in + i] * rt[o * in + i];
                        abs += Math.abs((double) x[r * in + i] * rt[o * in + i]);
                    }
                    assertEquals(sum, y[r * out + o], 1e-5 * abs + 1e-7);
                }
            }
        }
    }

    @Test
    void configIsAutoAwqs() {
        ObjectNode c = new AwqPacker(128).quantizationConfig(List.of("mlp", "lm_head"));
        assertEquals("{\"quant_method\":\"awq\",\"bits\":4,\"group_size\":128,\"zero_point\":true,\"version\":\"gemm\","
                + "\"modules_to_not_convert\":[\"mlp\",\"lm_head\"]}", c.toString());
        assertEquals("awq int4 g128", new AwqPacker(128).name());
    }

    @Test
    void shapesItCannotHoldAreNamed() {
        AwqPacker packer = new AwqPacker(32);
        assertTrue(packer.unsupported("a.weight", 64, 64).isEmpty());
        assertTrue(packer.unsupported("a.weight", 172, 64).orElseThrow().contains("a.weight"));
        assertTrue(packer.unsupported("a.weight", 172, 64).orElseThrow().contains("multiple of 8"));
        assertTrue(packer.unsupported("b.weight", 64, 172).orElseThrow().contains("group size 32"));
        assertThrows(IllegalArgumentException.class, () -> packer.pack("b", new float[64 * 172], 64, 172));
        assertThrows(IllegalArgumentException.class, () -> new AwqPacker(0));
    }

    @Test
    void packingIsDeterministic() {
        float[] w = randomWeights(16, 64, 1);
        AwqPacker packer = new AwqPacker(32);
        List<TensorData> a = packer.pack("p", w, 16, 64);
        List<TensorData> b = packer.pack("p", w, 16, 64);
        for (int t = 0; t < 3; t++) {
            assertArrayEquals(a.get(t).shape(), b.get(t).shape());
            assertEquals(-1L, a.get(t).data().get().mismatch(b.get(t).data().get()));
        }
        assertArrayEquals(new long[] {64, 2}, a.get(0).shape());
        assertArrayEquals(new long[] {2, 2}, a.get(1).shape());
        assertArrayEquals(new long[] {2, 16}, a.get(2).shape());
    }
}
