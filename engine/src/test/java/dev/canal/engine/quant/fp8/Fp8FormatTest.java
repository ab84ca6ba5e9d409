package dev.canal.engine.quant.fp8;

import static dev.canal.engine.quant.fp8.QuantTestSupport.config;
import static dev.canal.engine.quant.fp8.QuantTestSupport.store;
import static dev.canal.engine.quant.fp8.QuantTestSupport.wrap;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.tensor.DType;
import dev.canal.engine.weights.SafetensorsStore;
import dev.canal.engine.weights.SafetensorsWriter.TensorData;
import dev.canal.engine.weights.WeightStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;

/** Which configs Fp8Format takes, and the checkpoints it refuses, naming the tensor or field. */
class Fp8FormatTest {
    private static final String Q = "model.layers.0.self_attn.q_proj";
    private static final String FP8 = "{\"quant_method\": \"fp8\", \"activation_scheme\": \"dynamic\"}";
    private static final String CHANNEL = """
            {"quant_method": "compressed-tensors", "format": "float-quantized", "ignore": ["re:.*k_proj$"],
             "config_groups": {"g": {"weights": {"num_bits": 8, "type": "float", "strategy": "channel"}}}}""";

    @TempDir
    Path dir;

    private final Fp8Format format = new Fp8Format();

    private static TensorData fp8(String name, int out, int in) {
        return TensorData.of(name, DType.F8_E4M3, new long[] {out, in}, MemorySegment.ofArray(new byte[out * in]));
    }

    private CanalException refused(String configJson, List<TensorData> tensors) {
        try (SafetensorsStore raw = store(dir, tensors)) {
            return assertThrows(CanalException.class, () -> wrap(raw, config(configJson)));
        }
    }

    @Test
    void readsFp8AndFloatQuantizedOnly() {
        assertTrue(format.reads(config(FP8)));
        assertTrue(format.reads(config(CHANNEL)));
        assertTrue(format.reads(config("""
                {"quant_method": "compressed-tensors", "format": "mixed-precision",
                 "config_groups": {"g": {"format": "float-quantized",
                   "weights": {"num_bits": 8, "type": "float"}}}}""")));
        assertFalse(format.reads(config("""
                {"quant_method": "compressed-tensors", "format": "pack-quantized",
                 "config_groups": {"g": {"weights": {"num_bits": 4, "type": "int"}}}}""")));
        assertFalse(format.reads(config("""
                {"quant_method": "compressed-tensors", "format": "nvfp4-pack-quantized",
                 "config_groups": {"g": {"weights": {"num_bits": 4, "type": "float", "group_size": 16}}}}""")));
        assertFalse(format.reads(config("{\"quant_method\": \"awq\", \"bits\": 4}")));
    }

    @Test
    void ignoredLayersStayFloat() {
        try (SafetensorsStore raw = store(dir, List.of(
                fp8(Q + ".weight", 4, 16), TensorData.f32(Q + ".weight_scale", new long[] {4, 1}, new float[4]),
                TensorData.f32("model.layers.0.self_attn.k_proj.weight", new long[] {4, 16}, new float[64])))) {
            WeightStore w = wrap(raw, config(CHANNEL));
            assertEquals(DType.PACKED, w.tensor(Q + ".weight").dtype());
            assertEquals(DType.F32, w.tensor("model.layers.0.self_attn.k_proj.weight").dtype());
        }
    }

    @Test
    void refusesAWeightThatIsNotFp8() {
        CanalException e = refused(CHANNEL, List.of(
                TensorData.f32(Q + ".weight", new long[] {4, 16}, new float[64]),
                TensorData.f32(Q + ".weight_scale", new long[] {4, 1}, new float[4])));
        assertTrue(e.getMessage().contains(Q + ".weight") && e.getMessage().contains("expected F8_E4M3"),
                e.getMessage());
    }

    @Test
    void refusesAScaleOfTheWrongShape() {
        CanalException e = refused(CHANNEL, List.of(fp8(Q + ".weight", 4, 16),
                TensorData.f32(Q + ".weight_scale", new long[] {4, 2}, new float[8])));
        assertTrue(e.getMessage().contains(Q + ".weight_scale") && e.getMessage().contains("[4, 2]")
                && e.getMessage().contains("[4, 1] (per-channel)"), e.getMessage());
        e = refused("{\"quant_method\": \"fp8\", \"activation_scheme\": \"dynamic\", "
                        + "\"weight_block_size\": [128, 128]}",
                List.of(fp8(Q + ".weight", 200, 16), TensorData.f32(Q + ".weight_scale_inv", new long[] {1, 1},
                        new float[1])));
        assertTrue(e.getMessage().contains("[2, 1] (block 128x128)"), e.getMessage());
    }

    @Test
    void refusesAnFp8WeightWithoutScale() {
        CanalException e = refused(FP8, List.of(fp8(Q + ".weight", 4, 16)));
        assertTrue(e.getMessage().contains(Q + ".weight") && e.getMessage().contains(Q + ".weight_scale"),
                e.getMessage());
    }

    @Test
    void refusesWhatItCannotRun() {
        List<TensorData> layer = List.of(fp8(Q + ".weight", 4, 16),
                TensorData.f32(Q + ".weight_scale", new long[] {1}, new float[1]));
        assertTrue(refused("{\"quant_method\": \"fp8\", \"fmt\": \"e5m2\", \"activation_scheme\": \"dynamic\"}", layer)
                .getMessage().contains("e5m2"));
        assertTrue(refused("""
                {"quant_method": "compressed-tensors", "format": "float-quantized",
                 "config_groups": {"g": {"weights": {"num_bits": 8, "type": "float", "strategy": "tensor_group"}}}}""",
                layer).getMessage().contains("tensor_group"));
        assertTrue(refused("""
                {"quant_method": "compressed-tensors", "format": "float-quantized",
                 "config_groups": {"g": {"weights": {"num_bits": 4, "type": "float"}}}}""", layer)
                .getMessage().contains("num_bits 4"));
        assertTrue(refused("{\"quant_method\": \"fp8\", \"activation_scheme\": \"dynamic\", "
                        + "\"weight_block_size\": [128, 100]}",
                layer).getMessage().contains("multiple of 16"));
    }
}
