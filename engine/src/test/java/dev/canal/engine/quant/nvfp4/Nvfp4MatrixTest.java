package dev.canal.engine.quant.nvfp4;

import static dev.canal.engine.quant.fp8.QuantTestSupport.checkAgainstReference;
import static dev.canal.engine.quant.fp8.QuantTestSupport.config;
import static dev.canal.engine.quant.fp8.QuantTestSupport.json;
import static dev.canal.engine.quant.fp8.QuantTestSupport.matrix;
import static dev.canal.engine.quant.fp8.QuantTestSupport.store;
import static dev.canal.engine.quant.fp8.QuantTestSupport.wrap;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.canal.engine.quant.QuantizationConfig;
import dev.canal.engine.quant.fp8.QuantTestSupport;
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

/** Nvfp4Matrix, opened through Nvfp4Format from real safetensors files, against a reference from the spec. */
class Nvfp4MatrixTest {
    private static final String LAYER = "model.layers.1.self_attn.o_proj";

    @TempDir
    Path dir;

    private final Random random = new Random(3);

    /** The FP8 E4M3 value of a scale code, from the spec (independent of the production decoder). */
    private static double e4m3(int code) {
        int s = (code >> 7) & 1, e = (code >> 3) & 0xf, m = code & 7;
        double v = e == 0 ? m / 8.0 * Math.pow(2, -6) : (1 + m / 8.0) * Math.pow(2, e - 7);
        return s == 1 ? -v : v;
    }

    /**
     * Writes LAYER with random codes and block scales; {@code modelopt} picks the layout (weight / weight_scale_2
     * multiplying, or weight_packed / weight_global_scale dividing) and checks it against the reference.
     */
    private void check(QuantizationConfig config, boolean modelopt, int out, int in) {
        byte[] packed = QuantTestSupport.randomBytes(random, out * in / 2, (c, i) -> c);
        // Block scales of moderate size, never the NaN codes.
        byte[] scales = QuantTestSupport.randomBytes(random, out * in / 16, (c, i) -> 0x10 + c % 0x60);
        float global = modelopt ? 0.0123f : 81.3f;
        List<TensorData> tensors = new ArrayList<>();
        String packedName = LAYER + (modelopt ? ".weight" : ".weight_packed");
        tensors.add(TensorData.of(packedName, DType.U8, new long[] {out, in / 2}, MemorySegment.ofArray(packed)));
        tensors.add(TensorData.of(LAYER + ".weight_scale", DType.F8_E4M3, new long[] {out, in / 16},
                MemorySegment.ofArray(scales)));
        tensors.add(TensorData.f32(LAYER + (modelopt ? ".weight_scale_2" : ".weight_global_scale"), new long[0],
                new float[] {global}));
        tensors.add(TensorData.f32(LAYER + ".input_scale", new long[0], new float[] {1f}));
        tensors.add(TensorData.f32("lm_head.weight", new long[] {3, in}, new float[3 * in]));
        double[][] w = new double[out][in];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                int b = packed[(o * in + i) / 2] & 0xff;
                int code = (i % 2 == 0) ? b & 15 : b >> 4;
                double s = e4m3(scales[(o * in + i) / 16] & 0xff);
                float combined = modelopt ? (float) (s * global) : (float) (s / global);
                w[o][i] = (float) (E2m1Test.spec(code) * combined);
            }
        }
        try (SafetensorsStore raw = store(dir, tensors)) {
            WeightStore wrapped = wrap(raw, config);
            PackedMatrix m = matrix(wrapped, LAYER);
            assertTrue(m.formatName().startsWith("NVFP4"), m.formatName());
            assertFalse(wrapped.names().contains(LAYER + ".weight_scale"));
            assertFalse(wrapped.names().contains(LAYER + ".input_scale"));
            assertEquals(DType.F32, wrapped.tensor("lm_head.weight").dtype());
            checkAgainstReference(m, w, random);
        }
    }

    @Test
    void modelOptConfigJson() {
        check(config("""
                {"quant_method": "modelopt", "quant_algo": "NVFP4", "group_size": 16, "ignore": ["lm_head"]}"""),
                true, 37, 208);
    }

    /** hf_quant_config.json's "quantization" object, as QuantizationConfig.find hands it over. */
    @Test
    void modelOptHfQuantConfig() {
        check(new QuantizationConfig("modelopt", json("""
                {"quant_algo": "W4A16_NVFP4", "group_size": 16, "kv_cache_quant_algo": null,
                 "exclude_modules": ["lm_head*"]}"""), "hf_quant_config.json"), true, 20, 64);
    }

    @Test
    void compressedTensorsDividesByTheGlobalScale() {
        check(config("""
                {"quant_method": "compressed-tensors", "format": "nvfp4-pack-quantized", "ignore": ["lm_head"],
                 "config_groups": {"group_0": {"targets": ["Linear"], "weights": {"num_bits": 4, "type": "float",
                   "strategy": "tensor_group", "group_size": 16, "symmetric": true}}}}"""), false, 18, 96);
    }
}
