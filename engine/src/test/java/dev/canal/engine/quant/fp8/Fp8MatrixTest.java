package dev.canal.engine.quant.fp8;

import static dev.canal.engine.quant.fp8.QuantTestSupport.checkAgainstReference;
import static dev.canal.engine.quant.fp8.QuantTestSupport.config;
import static dev.canal.engine.quant.fp8.QuantTestSupport.matrix;
import static dev.canal.engine.quant.fp8.QuantTestSupport.store;
import static dev.canal.engine.quant.fp8.QuantTestSupport.wrap;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.canal.engine.quant.QuantizationConfig;
import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.PackedMatrix;
import dev.canal.engine.weights.SafetensorsStore;
import dev.canal.engine.weights.SafetensorsWriter.TensorData;
import dev.canal.engine.weights.WeightStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Fp8Matrix, opened through Fp8Format from real safetensors files, against a reference written from the spec. */
class Fp8MatrixTest {
    private static final String LAYER = "model.layers.0.mlp.down_proj";
    private static final String CT = """
            {"quant_method": "compressed-tensors", "format": "float-quantized", "ignore": ["lm_head"],
             "config_groups": {"group_0": {"targets": ["Linear"], "weights": %s}}}""";

    @TempDir
    Path dir;

    private final Random random = new Random(42);

    /** Scale storage in the file. */
    private enum ScaleType { F32, BF16, F16 }

    /**
     * Writes LAYER with random finite codes and random scales on a [scaleRows, scaleCols] grid (each covering
     * blockRows × blockCols), opens it with {@code configJson} and checks it against the reference.
     */
    private void check(String configJson, int out, int in, String scaleName, long[] scaleShape, int blockRows,
                       int blockCols, ScaleType type) {
        byte[] codes = QuantTestSupport.randomBytes(random, out * in, (c, i) -> (c & 0x7f) == 0x7f ? c - 1 : c);
        int scaleRows = (out + blockRows - 1) / blockRows;
        int scaleCols = (in + blockCols - 1) / blockCols;
        float[] scales = new float[scaleRows * scaleCols];
        short[] bits = new short[scales.length];
        for (int s = 0; s < scales.length; s++) {
            float v = (float) Math.exp(random.nextGaussian() * 3 - 6);
            switch (type) {
                case F32 -> scales[s] = v;
                case BF16 -> {
                    bits[s] = (short) (Float.floatToRawIntBits(v) >>> 16);
                    scales[s] = Float.intBitsToFloat(bits[s] << 16);
                }
                case F16 -> {
                    bits[s] = Float.floatToFloat16(v);
                    scales[s] = Float.float16ToFloat(bits[s]);
                }
            }
        }
        List<TensorData> tensors = new ArrayList<>();
        tensors.add(TensorData.of(LAYER + ".weight", DType.F8_E4M3, new long[] {out, in},
                MemorySegment.ofArray(codes)));
        tensors.add(switch (type) {
            case F32 -> TensorData.f32(LAYER + scaleName, scaleShape, scales);
            case BF16 -> TensorData.bits16(LAYER + scaleName, DType.BF16, scaleShape, bits);
            case F16 -> TensorData.bits16(LAYER + scaleName, DType.F16, scaleShape, bits);
        });
        tensors.add(TensorData.f32(LAYER + ".input_scale", new long[0], new float[] {0.5f}));
        tensors.add(TensorData.f32("model.norm.weight", new long[] {in}, new float[in]));
        double[][] w = new double[out][in];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                w[o][i] = E4m3Test.spec(codes[o * in + i] & 0xff) * scales[(o / blockRows) * scaleCols + i / blockCols];
            }
        }
        QuantizationConfig config = config(configJson);
        try (SafetensorsStore raw = store(dir, tensors)) {
            WeightStore wrapped = wrap(raw, config);
            PackedMatrix m = matrix(wrapped, LAYER);
            assertTrue(m.formatName().startsWith("FP8 E4M3"), m.formatName());
            assertFalse(wrapped.names().contains(LAYER + scaleName), "the scale is part of the layer");
            assertFalse(wrapped.names().contains(LAYER + ".input_scale"), "so is the activation scale");
            assertTrue(wrapped.names().contains("model.norm.weight"));
            checkAgainstReference(m, w, random);
        }
    }

    @Test
    void fp8MethodWith128x128BlocksAndPartialEdgeBlocks() {
        check("""
                {"quant_method": "fp8", "fmt": "e4m3", "activation_scheme": "dynamic",
                 "weight_block_size": [128, 128]}""", 200, 272, ".weight_scale_inv", new long[] {2, 3}, 128, 128,
                ScaleType.F32);
    }

    @Test
    void fp8MethodPerTensorWithOddShape() {
        check("{\"quant_method\": \"fp8\", \"activation_scheme\": \"static\"}", 37, 53, ".weight_scale",
                new long[0], 37, 53, ScaleType.F32);
    }

    @Test
    void compressedTensorsPerTensorBf16Scale() {
        check(CT.formatted("{\"num_bits\": 8, \"type\": \"float\", \"strategy\": \"tensor\", \"symmetric\": true}"),
                24, 40, ".weight_scale", new long[] {1}, 24, 40, ScaleType.BF16);
    }

    @Test
    void compressedTensorsPerChannelF16Scale() {
        check(CT.formatted("{\"num_bits\": 8, \"type\": \"float\", \"strategy\": \"channel\"}"),
                33, 100, ".weight_scale", new long[] {33, 1}, 1, 100, ScaleType.F16);
    }

    @Test
    void compressedTensorsBlocks() {
        check(CT.formatted("""
                {"num_bits": 8, "type": "float", "strategy": "block", "block_structure": [128, 128]}"""),
                130, 176, ".weight_scale", new long[] {2, 2}, 128, 128, ScaleType.BF16);
    }

    @Test
    void compressedTensorsGroups() {
        check(CT.formatted("{\"num_bits\": 8, \"type\": \"float\", \"strategy\": \"group\", \"group_size\": 32}"),
                19, 96, ".weight_scale", new long[] {19, 3}, 1, 32, ScaleType.F32);
    }

    /** 0x7f and 0xff are NaN in e4m3fn: the row holding one multiplies to NaN, the others are unaffected. */
    @Test
    void nanCodesDecodeToNan() {
        int out = 3, in = 64;
        byte[] codes = new byte[out * in];
        java.util.Arrays.fill(codes, (byte) 0x38); // 1.0
        codes[in + 17] = (byte) 0xff;
        try (SafetensorsStore raw = store(dir, List.of(
                TensorData.of(LAYER + ".weight", DType.F8_E4M3, new long[] {out, in}, MemorySegment.ofArray(codes)),
                TensorData.f32(LAYER + ".weight_scale", new long[] {1}, new float[] {2f})))) {
            String fp8 = "{\"quant_method\": \"fp8\", \"activation_scheme\": \"dynamic\"}";
            PackedMatrix m = matrix(wrap(raw, config(fp8)), LAYER);
            float[] x = new float[in];
            java.util.Arrays.fill(x, 1f);
            float[] y = new float[out];
            m.multiply(x, 1, y, out, 0, out);
            assertEquals(128f, y[0]);
            assertTrue(Float.isNaN(y[1]));
            assertEquals(128f, y[2]);
            float[] row = new float[in];
            m.dequantizeRow(1, row, 0);
            assertTrue(Float.isNaN(row[17]));
            assertEquals(2f, row[16]);
        }
    }
}
