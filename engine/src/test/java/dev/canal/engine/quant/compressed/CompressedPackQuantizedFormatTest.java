package dev.canal.engine.quant.compressed;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.canal.engine.api.CanalException;
import dev.canal.engine.quant.QuantizationConfig;
import dev.canal.engine.quant.QuantizedWeights;
import dev.canal.engine.quant.gptq.InMemoryWeights;
import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.PackedMatrix;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.weights.SafetensorsWriter.TensorData;
import dev.canal.engine.weights.WeightStore;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which compressed-tensors checkpoints the pack-quantized reader takes, and what it refuses by name. */
class CompressedPackQuantizedFormatTest {
    private final Random rnd = new Random(11);
    private final CompressedPackQuantizedFormat format = new CompressedPackQuantizedFormat();

    @Test
    void readsPackQuantizedOnly() {
        PackQuantizedTestLayer layer = new PackQuantizedTestLayer(rnd, 4, 8, 64, 32, true, DType.F16);
        assertTrue(format.reads(layer.config()));
        for (String other : List.of("float-quantized", "nvfp4-pack-quantized", "int-quantized", "naive-quantized")) {
            assertFalse(format.reads(QuantizationConfig.of(layer.configNode().put("format", other), "c")), other);
        }
        ObjectNode mixed = layer.configNode().put("format", "mixed-precision");
        ((ObjectNode) mixed.path("config_groups").path("group_0")).put("format", "float-quantized");
        assertFalse(format.reads(QuantizationConfig.of(mixed, "c")));
        ObjectNode awq = layer.configNode().put("quant_method", "awq");
        assertFalse(format.reads(QuantizationConfig.of(awq, "c")));
    }

    @Test
    void mixedFormatsAreRefusedNamingThem() {
        PackQuantizedTestLayer layer = new PackQuantizedTestLayer(rnd, 4, 8, 64, 32, true, DType.F16);
        ObjectNode c = layer.configNode().put("format", "mixed-precision");
        ((ObjectNode) c.path("config_groups").path("group_0")).put("format", "pack-quantized");
        ObjectNode fp8 = ((ObjectNode) c.path("config_groups")).putObject("group_1");
        fp8.putArray("targets").add("re:.*down_proj");
        fp8.put("format", "float-quantized");
        fp8.putObject("weights").put("num_bits", 8).put("type", "float").put("strategy", "channel");
        QuantizationConfig q = QuantizationConfig.of(c, "config.json quantization_config");
        assertTrue(format.reads(q));
        String m = assertThrows(CanalException.class, () -> format.open(layer.store("l"), q)).getMessage();
        assertTrue(m.contains("float-quantized") && m.contains("pack-quantized"), m);
    }

    @Test
    void packedLayersAppearAsWeightsWithTheirPartsHidden() {
        PackQuantizedTestLayer layer = new PackQuantizedTestLayer(rnd, 4, 8, 64, 32, false, DType.BF16);
        InMemoryWeights store = layer.store("model.layers.0.mlp.up_proj");
        store.floats("lm_head.weight", new float[4 * 64], 4, 64);
        WeightStore view = QuantizedWeights.wrap(store, Optional.of(layer.config()));
        assertEquals(List.of("lm_head.weight", "model.layers.0.mlp.up_proj.weight"), List.copyOf(view.names()));
        Tensor w = view.tensor("model.layers.0.mlp.up_proj.weight");
        assertEquals(DType.PACKED, w.dtype());
        assertEquals("compressed-tensors int4 g32 asym", w.typeName());
        assertEquals(DType.F32, view.tensor("lm_head.weight").dtype(), "ignored layers stay float");
    }

    @Test
    void theMostSpecificConfigGroupApplies() {
        PackQuantizedTestLayer int8 = new PackQuantizedTestLayer(rnd, 8, 8, 64, -1, true, DType.F16);
        PackQuantizedTestLayer int4 = new PackQuantizedTestLayer(rnd, 4, 8, 64, 32, true, DType.F16);
        InMemoryWeights store = int4.store("model.layers.0.self_attn.q_proj");
        for (String n : int8.store("model.layers.0.mlp.down_proj").names()) {
            store.put(int8.store("model.layers.0.mlp.down_proj").tensor(n));
        }
        ObjectNode c = int4.configNode();
        ObjectNode down = ((ObjectNode) c.path("config_groups")).putObject("group_1");
        down.putArray("targets").add("re:.*mlp\\.down_proj$");
        down.putObject("weights").put("num_bits", 8).put("type", "int").put("symmetric", true)
                .put("strategy", "channel");
        Map<String, PackedMatrix> layers = format.open(store, QuantizationConfig.of(c, "c"));
        assertEquals("compressed-tensors int4 g32 sym", layers.get("model.layers.0.self_attn.q_proj").formatName());
        assertEquals("compressed-tensors int8 per-channel sym",
                layers.get("model.layers.0.mlp.down_proj").formatName());
    }

    @Test
    void refusalsNameTheFieldOrTensor() {
        PackQuantizedTestLayer layer = new PackQuantizedTestLayer(rnd, 4, 8, 64, 32, false, DType.F16);
        assertRefused(layer.store("l").remove("l.weight_zero_point"), layer.configNode(), "\"l.weight_zero_point\"");
        assertRefused(layer.store("l").remove("l.weight_shape"), layer.configNode(), "\"l.weight_shape\"");
        assertRefused(layer.store("l").ints("l.weight_scale", new int[16], 8, 2), layer.configNode(),
                "l.weight_scale: dtype I32");
        assertRefused(layer.store("l").ints("l.weight_shape", new int[] {8, 72}, 2), layer.configNode(),
                "l.weight_packed: shape [8, 8], expected [8, 9]");
        int[] badGroups = new int[64];
        badGroups[9] = 2;
        assertRefused(layer.store("l").ints("l.weight_g_idx", badGroups, 64), layer.configNode(),
                "l.weight_g_idx: entry 9 is 2");
        ObjectNode threeBits = layer.configNode();
        weights(threeBits).put("num_bits", 3);
        assertRefused(layer.store("l"), threeBits, "\"num_bits\" is 3");
        ObjectNode badGroup = layer.configNode();
        weights(badGroup).put("group_size", 48);
        assertRefused(layer.store("l"), badGroup, "group_size 48");
        ObjectNode tensorStrategy = layer.configNode();
        weights(tensorStrategy).put("strategy", "tensor");
        assertRefused(layer.store("l"), tensorStrategy, "strategy \"tensor\"");
        ObjectNode w4a8 = layer.configNode();
        ((ObjectNode) w4a8.path("config_groups").path("group_0")).putObject("input_activations").put("num_bits", 8);
        assertRefused(layer.store("l"), w4a8, "input_activations");
        ObjectNode ignored = layer.configNode();
        ((com.fasterxml.jackson.databind.node.ArrayNode) ignored.path("ignore")).add("re:^l$");
        assertRefused(layer.store("l"), ignored, "\"ignore\"");
    }

    @Test
    void thePackerWritesWhatTheReaderReadsBack() {
        for (boolean sym : new boolean[] {true, false}) {
            CompressedPackQuantizedPacker packer = new CompressedPackQuantizedPacker(4, 32, sym);
            int out = 12;
            int in = 64;
            float[] w = new float[out * in];
            for (int i = 0; i < w.length; i++) w[i] = (float) (rnd.nextGaussian() * 0.05);
            InMemoryWeights store = new InMemoryWeights();
            for (TensorData t : packer.pack("p", w, out, in)) {
                store.put(new Tensor(t.name(), t.dtype(), t.shape(), t.data().get()));
            }
            PackedMatrix m = format.open(store, QuantizationConfig.of(packer.quantizationConfig(List.of("lm_head")),
                    "c")).get("p");
            float[] expected = packer.roundTrip(w, out, in);
            float[] row = new float[in];
            for (int o = 0; o < out; o++) {
                m.dequantizeRow(o, row, 0);
                for (int i = 0; i < in; i++) {
                    assertEquals(expected[o * in + i], row[i], "W[" + o + ", " + i + "]");
                    assertEquals(w[o * in + i], row[i], 0.02, "close to the input");
                }
            }
        }
        assertTrue(new CompressedPackQuantizedPacker(4, 32, true).unsupported("w", 8, 48).isPresent());
    }

    /** compressed-tensors initialises g_idx to −1: such a tensor means column order, i / group_size. */
    @Test
    void anUninitializedGIdxMeansColumnOrder() {
        PackQuantizedTestLayer layer = new PackQuantizedTestLayer(rnd, 4, 8, 64, 32, false, DType.F16);
        int[] minusOnes = new int[64];
        Arrays.fill(minusOnes, -1);
        PackedMatrix m = format.open(layer.store("l").ints("l.weight_g_idx", minusOnes, 64), layer.config()).get("l");
        float[] row = new float[64];
        for (int o = 0; o < 8; o++) {
            m.dequantizeRow(o, row, 0);
            for (int i = 0; i < 64; i++) assertEquals(layer.weight(o, i), row[i]);
        }
        assertEquals(5, m.parts().size(), "the g_idx tensor is consumed, hence hidden");
    }

    private static ObjectNode weights(ObjectNode config) {
        return (ObjectNode) config.path("config_groups").path("group_0").path("weights");
    }

    private void assertRefused(WeightStore store, ObjectNode config, String expected) {
        QuantizationConfig c = QuantizationConfig.of(config, "config.json quantization_config");
        String m = assertThrows(CanalException.class, () -> format.open(store, c)).getMessage();
        assertTrue(m.contains(expected), m);
    }
}
