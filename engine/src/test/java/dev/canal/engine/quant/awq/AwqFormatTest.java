package dev.canal.engine.quant.awq;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.canal.engine.api.CanalException;
import dev.canal.engine.quant.QuantizationConfig;
import dev.canal.engine.quant.QuantizedWeights;
import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.weights.SafetensorsStore;
import dev.canal.engine.weights.SafetensorsWriter;
import dev.canal.engine.weights.SafetensorsWriter.TensorData;
import dev.canal.engine.weights.WeightStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What AwqFormat reads, and each checkpoint it refuses with the field or tensor named. */
class AwqFormatTest {
    private static final String LAYER = "model.layers.0.self_attn.q_proj";

    @TempDir
    Path dir;

    private static ObjectNode config(Consumer<ObjectNode> edit) {
        ObjectNode c = new AwqPacker(32).quantizationConfig(List.of());
        edit.accept(c);
        return c;
    }

    /** A store with one packed 16×64 layer (group 32) and a float norm, its tensors edited by {@code edit}. */
    private WeightStore store(Consumer<List<TensorData>> edit) {
        List<TensorData> tensors = new ArrayList<>(new AwqPacker(32).pack(LAYER, AwqPackerTest.randomWeights(16, 64, 2), 16, 64));
        tensors.add(TensorData.f32("model.norm.weight", new long[] {4}, new float[4]));
        edit.accept(tensors);
        Path file = dir.resolve("model.safetensors");
        SafetensorsWriter.write(file, tensors, Map.of());
        return SafetensorsStore.openFile(file);
    }

    private static void replace(List<TensorData> tensors, String suffix, TensorData with) {
        tensors.removeIf(t -> t.name().equals(LAYER + suffix));
        if (with != null) tensors.add(with);
    }

    private String failure(Consumer<ObjectNode> configEdit, Consumer<List<TensorData>> tensorEdit) {
        try (WeightStore s = store(tensorEdit)) {
            QuantizationConfig q = QuantizationConfig.of(config(configEdit), "config.json quantization_config");
            return assertThrows(CanalException.class, () -> new AwqFormat().open(s, q)).getMessage();
        }
    }

    private static void assertMentions(String message, String... parts) {
        for (String p : parts) assertTrue(message.contains(p), "\"" + message + "\" should mention \"" + p + "\"");
    }

    @Test
    void quantizedLayersAppearAsPackedWeights() {
        try (WeightStore s = store(t -> { })) {
            WeightStore view = QuantizedWeights.wrap(s, Optional.of(QuantizationConfig.of(config(c -> { }), "cfg")));
            Tensor w = view.tensor(LAYER + ".weight");
            assertEquals(DType.PACKED, w.dtype());
            assertEquals("AWQ int4 g32", w.typeName());
            assertEquals(List.of(16L, 64L), List.of(w.dim(0), w.dim(1)));
            assertFalse(view.names().contains(LAYER + ".qweight"));
            assertTrue(view.names().contains("model.norm.weight"));
        }
    }

    @Test
    void groupSizeMinusOneIsOneGroupPerRow() {
        try (WeightStore s = store(t -> {
            List<TensorData> whole = new AwqPacker(64).pack(LAYER, AwqPackerTest.randomWeights(16, 64, 2), 16, 64);
            t.clear();
            t.addAll(whole);
        })) {
            QuantizationConfig q = QuantizationConfig.of(config(c -> c.put("group_size", -1)), "cfg");
            assertEquals("AWQ int4 g64", new AwqFormat().open(s, q).get(LAYER).formatName());
        }
    }

    @Test
    void otherBitWidthsAreRefused() {
        assertMentions(failure(c -> c.put("bits", 8), t -> { }), "\"bits\" is 8", "4 bits");
    }

    @Test
    void otherLayoutsAreRefusedByName() {
        for (String version : List.of("gemv", "gemv_fast", "marlin", "exllama")) {
            assertMentions(failure(c -> c.put("version", version), t -> { }), "\"version\"", version, "gemm");
        }
        assertMentions(failure(c -> c.put("backend", "llm-awq"), t -> { }), "\"backend\"", "llm-awq");
    }

    @Test
    void symmetricAwqIsRefused() {
        assertMentions(failure(c -> c.put("zero_point", false), t -> { }), "\"zero_point\" is false");
    }

    @Test
    void groupSizeMustDivideTheInputFeatures() {
        assertMentions(failure(c -> c.put("group_size", 48), t -> { }), LAYER + ".qweight", "64 input features",
                "group_size 48");
        assertMentions(failure(c -> c.put("group_size", 0), t -> { }), "\"group_size\" is 0");
    }

    @Test
    void groupSizeDisagreeingWithTheTensorsIsRefused() {
        assertMentions(failure(c -> c.put("group_size", 16), t -> { }), LAYER + ".qzeros", "[2, 2]", "[4, 2]");
    }

    @Test
    void missingPartIsNamed() {
        assertMentions(failure(c -> { }, t -> replace(t, ".qzeros", null)), "missing tensor", LAYER + ".qzeros");
        assertMentions(failure(c -> { }, t -> replace(t, ".scales", null)), "missing tensor", LAYER + ".scales");
    }

    @Test
    void wrongDtypesAreNamed() {
        assertMentions(failure(c -> { }, t -> replace(t, ".scales",
                        TensorData.f32(LAYER + ".scales", new long[] {2, 16}, new float[32]))),
                LAYER + ".scales", "F32", "expected F16");
        assertMentions(failure(c -> { }, t -> replace(t, ".qweight",
                        TensorData.f32(LAYER + ".qweight", new long[] {64, 2}, new float[128]))),
                LAYER + ".qweight", "expected I32");
    }

    @Test
    void wrongShapesAreNamed() {
        assertMentions(failure(c -> { }, t -> replace(t, ".scales", TensorData.bits16(LAYER + ".scales", DType.F16,
                        new long[] {2, 8}, new short[16]))),
                LAYER + ".scales", "[2, 8]", "[2, 16]");
        assertMentions(failure(c -> { }, t -> replace(t, ".qweight", TensorData.of(LAYER + ".qweight", DType.I32,
                        new long[] {64, 2, 1}, MemorySegment.ofArray(new int[128])))),
                LAYER + ".qweight", "2-D");
    }

    @Test
    void awqConfigWithoutAwqTensorsIsRefused() {
        assertMentions(failure(c -> { }, t -> t.removeIf(d -> d.name().startsWith(LAYER))), "no tensor", ".qweight");
    }
}
