package dev.canal.engine.quant.gptq;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.canal.engine.api.CanalException;
import dev.canal.engine.quant.QuantizationConfig;
import dev.canal.engine.quant.QuantizedWeights;
import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.PackedMatrix;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.weights.WeightStore;
import org.junit.jupiter.api.Test;

import java.util.Optional;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the GPTQ reader accepts and what it refuses, with the field or tensor named. */
class GptqFormatTest {
    private final Random rnd = new Random(7);

    @Test
    void quantizedLayersAppearAsPackedWeightsAndTheirPartsAreHidden() {
        GptqTestLayer layer = new GptqTestLayer(rnd, 4, 16, 64, 32, false, false, true);
        InMemoryWeights store = layer.store("model.layers.0.self_attn.q_proj");
        store.floats("model.norm.weight", new float[] {1, 2}, 2);
        WeightStore view = QuantizedWeights.wrap(store, Optional.of(layer.config(32)));
        assertTrue(view.names().contains("model.layers.0.self_attn.q_proj.weight"));
        assertTrue(view.names().contains("model.norm.weight"));
        assertFalse(view.names().stream().anyMatch(n -> n.endsWith(".qweight") || n.endsWith(".qzeros")
                || n.endsWith(".scales") || n.endsWith(".g_idx")), view.names().toString());
        Tensor w = view.tensor("model.layers.0.self_attn.q_proj.weight");
        assertEquals(DType.PACKED, w.dtype());
        assertEquals(16, w.dim(0));
        assertEquals(64, w.dim(1));
        assertEquals("GPTQ int4 g32", w.typeName());
    }

    @Test
    void aMissingGIdxIsDerivedFromTheGroupSize() {
        GptqTestLayer layer = new GptqTestLayer(rnd, 4, 16, 64, 32, false, false, true);
        PackedMatrix m = new GptqFormat().open(layer.store("l").remove("l.g_idx"), layer.config(32)).get("l");
        assertEquals(3, m.parts().size());
        float[] row = new float[64];
        for (int o = 0; o < 16; o++) {
            m.dequantizeRow(o, row, 0);
            for (int i = 0; i < 64; i++) assertEquals(layer.weight(o, i), row[i]);
        }
    }

    @Test
    void quantizeConfigJsonWithoutQuantMethodIsGptq() {
        GptqTestLayer layer = new GptqTestLayer(rnd, 8, 16, 64, -1, true, false, true);
        ObjectNode autoGptq = new ObjectMapper().createObjectNode().put("bits", 8).put("group_size", -1)
                .put("desc_act", false).put("sym", true);
        QuantizationConfig c = new QuantizationConfig(autoGptq.path("quant_method").asText("gptq"), autoGptq,
                "quantize_config.json");
        assertTrue(new GptqFormat().reads(c));
        assertEquals(1, new GptqFormat().open(layer.store("l"), c).size());
    }

    @Test
    void threeBitsIsRefusedByName() {
        GptqTestLayer layer = new GptqTestLayer(rnd, 4, 16, 64, 32, false, false, true);
        ObjectNode c = config(3, 32);
        String m = refused(layer.store("l"), c);
        assertTrue(m.contains("\"bits\": 3") && m.contains("int32 boundaries"), m);
        assertTrue(refused(layer.store("l"), config(2, 32)).contains("\"bits\": 2"));
        assertTrue(refused(layer.store("l"), config(16, 32)).contains("expected 4 or 8"));
    }

    @Test
    void aGroupSizeThatDoesNotDivideTheInputsIsRefused() {
        GptqTestLayer layer = new GptqTestLayer(rnd, 4, 16, 64, 32, false, false, true);
        String m = refused(layer.store("l"), config(4, 48));
        assertTrue(m.contains("l.qweight") && m.contains("group_size 48"), m);
    }

    @Test
    void scalesOfAnotherDtypeAreRefused() {
        GptqTestLayer layer = new GptqTestLayer(rnd, 4, 16, 64, 32, false, false, true);
        InMemoryWeights store = layer.store("l").floats("l.scales", new float[2 * 16], 2, 16);
        String m = refused(store, config(4, 32));
        assertTrue(m.contains("l.scales") && m.contains("F32") && m.contains("F16"), m);
    }

    @Test
    void missingOrMisshapenPartsAreNamed() {
        GptqTestLayer layer = new GptqTestLayer(rnd, 4, 16, 64, 32, false, false, true);
        String m = refused(layer.store("l").remove("l.qzeros"), config(4, 32));
        assertTrue(m.contains("\"l.qzeros\""), m);
        m = refused(layer.store("l").remove("l.scales"), config(4, 32));
        assertTrue(m.contains("\"l.scales\""), m);
        m = refused(layer.store("l").ints("l.qzeros", new int[2], 2, 1), config(4, 32));
        assertTrue(m.contains("l.qzeros") && m.contains("expected [2, 2]"), m);
        int[] badGroups = new int[64];
        badGroups[5] = 2;
        m = refused(layer.store("l").ints("l.g_idx", badGroups, 64), config(4, 32));
        assertTrue(m.contains("l.g_idx") && m.contains("entry 5 is 2"), m);
        m = refused(layer.store("l").ints("l.qweight", new int[4 * 16], 4, 16), config(4, 32));
        assertTrue(m.contains("l.scales") && m.contains("expected [1, 16]"), m);
    }

    @Test
    void unsupportedCheckpointFormatsAndOverridesAreRefused() {
        GptqTestLayer layer = new GptqTestLayer(rnd, 4, 16, 64, 32, false, false, true);
        String m = refused(layer.store("l"), config(4, 32).put("checkpoint_format", "marlin"));
        assertTrue(m.contains("\"marlin\""), m);
        ObjectNode dynamic = config(4, 32);
        dynamic.putObject("dynamic").putObject("+:.*down_proj.*").put("bits", 8);
        m = refused(layer.store("l"), dynamic);
        assertTrue(m.contains("+:.*down_proj.*"), m);
        ObjectNode skip = config(4, 32);
        skip.putObject("dynamic").putObject("-:.*down_proj.*");
        assertEquals(1, new GptqFormat().open(layer.store("l"), QuantizationConfig.of(skip, "c")).size());
    }

    @Test
    void otherMethodsAreNotRead() {
        ObjectNode awq = new ObjectMapper().createObjectNode().put("quant_method", "awq");
        assertFalse(new GptqFormat().reads(QuantizationConfig.of(awq, "c")));
        assertTrue(new GptqFormat().reads(QuantizationConfig.of(config(4, 32), "c")));
    }

    private static ObjectNode config(int bits, int group) {
        return new ObjectMapper().createObjectNode().put("quant_method", "gptq").put("bits", bits)
                .put("group_size", group).put("desc_act", false).put("sym", false);
    }

    private static String refused(WeightStore store, ObjectNode config) {
        QuantizationConfig c = QuantizationConfig.of(config, "config.json quantization_config");
        return assertThrows(CanalException.class, () -> new GptqFormat().open(store, c)).getMessage();
    }
}
