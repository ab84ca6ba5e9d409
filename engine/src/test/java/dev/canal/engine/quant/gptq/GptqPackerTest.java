package dev.canal.engine.quant.gptq;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.canal.engine.api.CanalException;
import dev.canal.engine.quant.QuantizationConfig;
import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.PackedMatrix;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.weights.SafetensorsWriter.TensorData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The GPTQ writer: its tensors read back through the format give exactly its round trip, close to the input. */
class GptqPackerTest {

    @ParameterizedTest(name = "int{0} group {1} sym={2}")
    @CsvSource({"4, 32, false", "4, 32, true", "4, -1, false", "8, 64, true", "8, -1, false"})
    void packedTensorsReadBackAsTheRoundTrip(int bits, int group, boolean sym) {
        Random rnd = new Random(bits * 100 + group);
        int out = 24;
        int in = 128;
        float[] w = new float[out * in];
        for (int i = 0; i < w.length; i++) w[i] = (float) (rnd.nextGaussian() * 0.05);
        // A row of non-negative weights: the asymmetric zero point would be 0, which v1 cannot store.
        for (int i = 0; i < in; i++) w[3 * in + i] = Math.abs(w[3 * in + i]);
        GptqPacker packer = new GptqPacker(bits, group, sym);
        List<TensorData> tensors = packer.pack("p", w, out, in);
        assertEquals(List.of("p.qweight", "p.qzeros", "p.scales", "p.g_idx"),
                tensors.stream().map(TensorData::name).toList());
        int groups = group == -1 ? 1 : in / group;
        assertArrayEquals(new long[] {in * bits / 32, out}, tensors.get(0).shape());
        assertArrayEquals(new long[] {groups, out * bits / 32}, tensors.get(1).shape());
        assertEquals(DType.F16, tensors.get(2).dtype());
        assertArrayEquals(new long[] {groups, out}, tensors.get(2).shape());

        InMemoryWeights store = new InMemoryWeights();
        for (TensorData t : tensors) store.put(new Tensor(t.name(), t.dtype(), t.shape(), t.data().get()));
        ObjectNode config = packer.quantizationConfig(List.of());
        assertEquals("gptq", config.get("checkpoint_format").asText());
        PackedMatrix m = new GptqFormat().open(store, QuantizationConfig.of(config, "c")).get("p");

        float[] expected = packer.roundTrip(w, out, in);
        float[] row = new float[in];
        int maxq = (1 << bits) - 1;
        for (int o = 0; o < out; o++) {
            m.dequantizeRow(o, row, 0);
            for (int i = 0; i < in; i++) {
                assertEquals(expected[o * in + i], row[i], "W[" + o + ", " + i + "]");
                // Round to nearest: about half a step from the input (plus the F16 rounding of the scale).
                float range = 0;
                for (int k = 0; k < in; k++) range = Math.max(range, Math.abs(w[o * in + k]));
                assertEquals(w[o * in + i], row[i], 2 * range / (maxq - 1) * 0.6 + 1e-6, "W[" + o + ", " + i + "]");
            }
        }
    }

    @Test
    void shapesThePackingCannotHoldAreNamed() {
        GptqPacker p = new GptqPacker(4, 32, false);
        assertTrue(p.unsupported("w", 64, 64).isEmpty());
        assertTrue(p.unsupported("w", 64, 48).orElseThrow().contains("group_size 32"));
        assertTrue(p.unsupported("w", 172, 64).orElseThrow().contains("172 output features"));
        assertTrue(new GptqPacker(4, -1, true).unsupported("w", 64, 172).orElseThrow().contains("172 input"));
        assertTrue(new GptqPacker(8, -1, true).unsupported("w", 172, 64).isEmpty());
        assertThrows(CanalException.class, () -> new GptqPacker(3, 128, false));
        assertThrows(CanalException.class, () -> new GptqPacker(4, 0, false));
    }

    @Test
    void theConfigRecordsFloatModulesAsSkipRules() {
        ObjectNode c = new GptqPacker(4, 128, true).quantizationConfig(List.of("model.layers.0.mlp.down_proj"));
        assertEquals("gptq", c.get("quant_method").asText());
        assertEquals(4, c.get("bits").asInt());
        assertEquals(128, c.get("group_size").asInt());
        assertEquals(false, c.get("desc_act").asBoolean());
        assertEquals(true, c.get("sym").asBoolean());
        assertTrue(c.get("dynamic").has("-:^model\\.layers\\.0\\.mlp\\.down_proj$"), c.toString());
    }
}
