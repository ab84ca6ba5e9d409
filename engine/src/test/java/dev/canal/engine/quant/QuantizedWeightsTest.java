package dev.canal.engine.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.canal.engine.api.CanalException;
import dev.canal.engine.config.ModelConfig;
import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.PackedMatrix;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.testing.Fixtures;
import dev.canal.engine.weights.SafetensorsStore;
import dev.canal.engine.weights.SafetensorsWriter;
import dev.canal.engine.weights.SafetensorsWriter.TensorData;
import dev.canal.engine.weights.WeightStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The float-checkpoint view of a quantized one, and where quantization configs are found. */
class QuantizedWeightsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void quantizedLayersAppearAsPackedWeightsAndTheirPartsAreHidden() throws IOException {
        SafetensorsWriter.write(dir.resolve("model.safetensors"), List.of(
                TensorData.f32("layer.q.qweight", new long[] {2, 4}, new float[8]),
                TensorData.f32("layer.q.scales", new long[] {2}, new float[2]),
                TensorData.f32("layer.norm.weight", new long[] {4}, new float[4])), Map.of());
        QuantizationConfig config = QuantizationConfig.of(JSON.readTree("{\"quant_method\":\"toy\"}"), "test");
        try (WeightStore store = QuantizedWeights.wrap(SafetensorsStore.open(dir), Optional.of(config),
                List.of(new ToyFormat()))) {
            assertEquals(Set.of("layer.q.weight", "layer.norm.weight"), store.names());
            Tensor q = store.tensor("layer.q.weight");
            assertEquals(DType.PACKED, q.dtype());
            assertEquals("toy", q.typeName());
            assertEquals(8 * 4 + 2 * 4, q.byteSize());
            assertTrue(store.find("layer.q.qweight").isEmpty());
            assertEquals(DType.F32, store.tensor("layer.norm.weight").dtype());
        }
    }

    @Test
    void aFloatCheckpointIsItsOwnViewAndAnUnknownMethodIsRefusedByName() throws IOException {
        SafetensorsWriter.write(dir.resolve("model.safetensors"),
                List.of(TensorData.f32("w", new long[] {1}, new float[1])), Map.of());
        try (SafetensorsStore store = SafetensorsStore.open(dir)) {
            assertSame(store, QuantizedWeights.wrap(store, Optional.empty()));
            QuantizationConfig bnb = QuantizationConfig.of(
                    JSON.readTree("{\"quant_method\":\"bitsandbytes\",\"load_in_4bit\":true}"), "config.json");
            CanalException e = assertThrows(CanalException.class,
                    () -> QuantizedWeights.wrap(store, Optional.of(bnb), List.of(new ToyFormat())));
            assertTrue(e.getMessage().contains("\"bitsandbytes\" is not supported (canal reads toy;"), e.getMessage());
        }
    }

    @Test
    void configsAreFoundInConfigJsonThenQuantizeConfigThenHfQuantConfig() throws IOException {
        writeConfig(null);
        assertFalse(QuantizationConfig.find(dir, config()).isPresent());

        Files.writeString(dir.resolve("hf_quant_config.json"),
                "{\"producer\":{\"name\":\"modelopt\"},\"quantization\":{\"quant_algo\":\"NVFP4\",\"group_size\":16}}");
        QuantizationConfig modelopt = QuantizationConfig.find(dir, config()).orElseThrow();
        assertEquals("modelopt", modelopt.method());
        assertEquals("NVFP4", modelopt.textField("quant_algo", null));

        Files.writeString(dir.resolve("quantize_config.json"), "{\"bits\":4,\"group_size\":128,\"desc_act\":true}");
        QuantizationConfig gptq = QuantizationConfig.find(dir, config()).orElseThrow();
        assertEquals("gptq", gptq.method());
        assertEquals(128, gptq.intField("group_size", -1));
        assertTrue(gptq.booleanField("desc_act", false));

        writeConfig("{\"quant_method\":\"AWQ\",\"bits\":\"four\"}");
        QuantizationConfig awq = QuantizationConfig.find(dir, config()).orElseThrow();
        assertEquals("awq", awq.method());
        CanalException e = assertThrows(CanalException.class, () -> awq.intField("bits", 4));
        assertTrue(e.getMessage().contains("\"bits\" is \"four\", expected an integer"), e.getMessage());

        writeConfig("{}");
        e = assertThrows(CanalException.class, () -> QuantizationConfig.find(dir, config()));
        assertTrue(e.getMessage().contains("no \"quant_method\""), e.getMessage());
    }

    /** stories260K's config.json, with the given quantization_config block (none if null). */
    private void writeConfig(String quantization) throws IOException {
        ObjectNode config = (ObjectNode) JSON.readTree(
                Fixtures.model("stories260K-hf-derived").resolve("config.json").toFile());
        if (quantization != null) config.set("quantization_config", JSON.readTree(quantization));
        JSON.writeValue(dir.resolve("config.json").toFile(), config);
    }

    private ModelConfig config() {
        return ModelConfig.read(dir.resolve("config.json"));
    }

    /** Binds every "X.qweight" with its "X.scales" into a matrix that is never multiplied here. */
    private static final class ToyFormat implements QuantizedLinearFormat {
        @Override
        public String name() {
            return "toy";
        }

        @Override
        public boolean reads(QuantizationConfig config) {
            return config.method().equals("toy");
        }

        @Override
        public Map<String, PackedMatrix> open(WeightStore store, QuantizationConfig config) {
            Map<String, PackedMatrix> layers = new LinkedHashMap<>();
            for (String name : store.names()) {
                if (!name.endsWith(".qweight")) continue;
                String prefix = name.substring(0, name.length() - ".qweight".length());
                List<Tensor> parts = List.of(store.tensor(name), store.tensor(prefix + ".scales"));
                layers.put(prefix, new PackedMatrix() {
                    public String formatName() { return "toy"; }
                    public long rows() { return 2; }
                    public long cols() { return 4; }
                    public List<Tensor> parts() { return parts; }
                    public void dequantizeRow(long row, float[] dst, int off) { throw new UnsupportedOperationException(); }
                    public void multiply(float[] x, int rows, float[] out, int stride, int start, int end) {
                        throw new UnsupportedOperationException();
                    }
                });
            }
            return layers;
        }
    }
}
