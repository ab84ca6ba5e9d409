package dev.canal.engine.quant.nvfp4;

import static dev.canal.engine.quant.fp8.QuantTestSupport.config;
import static dev.canal.engine.quant.fp8.QuantTestSupport.store;
import static dev.canal.engine.quant.fp8.QuantTestSupport.wrap;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.tensor.DType;
import dev.canal.engine.weights.SafetensorsStore;
import dev.canal.engine.weights.SafetensorsWriter.TensorData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;

/** Which configs Nvfp4Format takes, and what it refuses, naming the algorithm, tensor or field. */
class Nvfp4FormatTest {
    private static final String L = "model.layers.0.mlp.gate_proj";
    private static final String NVFP4 =
            "{\"quant_method\": \"modelopt\", \"quant_algo\": \"NVFP4\", \"group_size\": 16}";

    @TempDir
    Path dir;

    private static TensorData bytes(String name, DType dtype, long... shape) {
        long n = 1;
        for (long d : shape) n *= d;
        return TensorData.of(name, dtype, shape, MemorySegment.ofArray(new byte[(int) n]));
    }

    private static List<TensorData> layer(DType weight, long[] weightShape, long[] scaleShape) {
        return List.of(bytes(L + ".weight", weight, weightShape), bytes(L + ".weight_scale", DType.F8_E4M3, scaleShape),
                TensorData.f32(L + ".weight_scale_2", new long[0], new float[] {0.01f}));
    }

    private String refusal(String configJson, List<TensorData> tensors) {
        try (SafetensorsStore raw = store(dir, tensors)) {
            return assertThrows(CanalException.class, () -> wrap(raw, config(configJson))).getMessage();
        }
    }

    @Test
    void readsModelOptAndNvfp4CompressedTensors() {
        Nvfp4Format format = new Nvfp4Format();
        assertTrue(format.reads(config(NVFP4)));
        assertTrue(format.reads(config("{\"quant_method\": \"modelopt\", \"quant_algo\": \"W4A8_AWQ\"}")));
        assertTrue(format.reads(config("""
                {"quant_method": "compressed-tensors", "format": "nvfp4-pack-quantized",
                 "config_groups": {"g": {"weights": {"num_bits": 4, "type": "float", "group_size": 16}}}}""")));
        assertFalse(format.reads(config("""
                {"quant_method": "compressed-tensors", "format": "pack-quantized",
                 "config_groups": {"g": {"weights": {"num_bits": 4, "type": "int"}}}}""")));
        assertFalse(format.reads(config("{\"quant_method\": \"fp8\", \"activation_scheme\": \"dynamic\"}")));
    }

    @Test
    void refusesOtherModelOptAlgorithmsByName() {
        List<TensorData> ok = layer(DType.U8, new long[] {4, 16}, new long[] {4, 2});
        String m = refusal("{\"quant_method\": \"modelopt\", \"quant_algo\": \"W4A8_AWQ\", \"group_size\": 128}", ok);
        assertTrue(m.contains("W4A8_AWQ") && m.contains("NVFP4"), m);
        m = refusal("{\"quant_method\": \"modelopt\", \"quant_algo\": \"FP8\"}", ok);
        assertTrue(m.contains("\"FP8\""), m);
        m = refusal("{\"quant_method\": \"modelopt\", \"quant_algo\": \"NVFP4\", \"group_size\": 32}", ok);
        assertTrue(m.contains("group_size 32"), m);
    }

    @Test
    void refusesAScaleOfTheWrongShape() {
        String m = refusal(NVFP4, layer(DType.U8, new long[] {4, 16}, new long[] {4, 4}));
        assertTrue(m.contains(L + ".weight_scale") && m.contains("[4, 4]") && m.contains("[4, 2]"), m);
    }

    @Test
    void refusesAWeightThatIsNotPackedBytes() {
        String m = refusal(NVFP4, layer(DType.F8_E4M3, new long[] {4, 32}, new long[] {4, 2}));
        assertTrue(m.contains(L + ".weight") && m.contains("expected U8"), m);
    }

    @Test
    void refusesRowsThatAreNotAMultipleOf16() {
        String m = refusal(NVFP4, layer(DType.U8, new long[] {4, 12}, new long[] {4, 1}));
        assertTrue(m.contains(L + ".weight") && m.contains("24 elements") && m.contains("multiple of 16"), m);
    }

    @Test
    void refusesCompressedTensorsGroupsThatAreNotNvfp4() {
        String m = refusal("""
                {"quant_method": "compressed-tensors", "format": "nvfp4-pack-quantized",
                 "config_groups": {"g": {"weights": {"num_bits": 4, "type": "float", "group_size": 32}}}}""",
                List.of(bytes(L + ".weight_packed", DType.U8, 4, 16)));
        assertTrue(m.contains("group_size 32"), m);
    }
}
