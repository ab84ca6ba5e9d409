package dev.canal.models.quant;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.canal.engine.tensor.Floats;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.testing.Fixtures;
import dev.canal.engine.weights.SafetensorsStore;
import dev.canal.engine.weights.SafetensorsWriter;
import dev.canal.engine.weights.SafetensorsWriter.TensorData;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Writes the real stories260K model twice: with its linear layers stored in a quantized format, and with the same
 * layers as the F32 matrices that format stands for (its round trip). Both must then generate the same text.
 */
final class StoriesRewriter {
    static final Path STORIES = Fixtures.model("stories260K-hf-derived");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> SIDE_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "generation_config.json", "special_tokens_map.json");

    /** One linear layer's encoding in the format under test. */
    interface LayerQuantizer {
        /** Why the layer stays float, or empty. */
        Optional<String> unsupported(String tensor, int out, int in);

        List<TensorData> pack(String prefix, float[] w, int out, int in);

        float[] roundTrip(float[] w, int out, int in);
    }

    private StoriesRewriter() {
    }

    /**
     * Writes the quantized model into {@code quantized} (config.json with the quantization config made from the
     * module names left in float, unless
     * {@code configFile} names another file for it, as AutoGPTQ's quantize_config.json) and its float twin into
     * {@code dequantized}. Returns the module names left in float.
     */
    static List<String> write(Path quantized, Path dequantized, LayerQuantizer q,
                              Function<List<String>, ObjectNode> quantizationConfig, String configFile)
            throws IOException {
        Files.createDirectories(quantized);
        Files.createDirectories(dequantized);
        List<TensorData> packed = new ArrayList<>();
        List<TensorData> floats = new ArrayList<>();
        List<String> kept = new ArrayList<>();
        try (SafetensorsStore store = SafetensorsStore.open(STORIES)) {
            for (Map.Entry<String, Tensor> e : store.tensors().entrySet()) {
                String name = e.getKey();
                Tensor t = e.getValue();
                boolean linear = name.startsWith("model.layers.") && name.endsWith("_proj.weight") && t.rank() == 2;
                int out = (int) t.dim(0);
                int in = linear ? (int) t.dim(1) : 0;
                String prefix = name.substring(0, name.length() - ".weight".length());
                if (!linear || q.unsupported(name, out, in).isPresent()) {
                    if (linear) kept.add(prefix);
                    float[] v = Floats.toArray(t);
                    packed.add(TensorData.f32(name, t.shape(), v));
                    floats.add(TensorData.f32(name, t.shape(), v));
                    continue;
                }
                float[] w = Floats.toArray(t);
                packed.addAll(q.pack(prefix, w, out, in));
                floats.add(TensorData.f32(name, t.shape(), q.roundTrip(w, out, in)));
            }
        }
        SafetensorsWriter.write(quantized.resolve("model.safetensors"), packed, Map.of("format", "pt"));
        SafetensorsWriter.write(dequantized.resolve("model.safetensors"), floats, Map.of("format", "pt"));
        for (String f : SIDE_FILES) {
            Files.copy(STORIES.resolve(f), quantized.resolve(f));
            Files.copy(STORIES.resolve(f), dequantized.resolve(f));
        }
        ObjectNode config = (ObjectNode) JSON.readTree(STORIES.resolve("config.json").toFile());
        Files.writeString(dequantized.resolve("config.json"), JSON.writeValueAsString(config));
        ObjectNode block = quantizationConfig.apply(kept);
        if (configFile == null) {
            config.set("quantization_config", block);
        } else {
            Files.writeString(quantized.resolve(configFile),
                    JSON.writer(SerializationFeature.INDENT_OUTPUT).writeValueAsString(block));
        }
        Files.writeString(quantized.resolve("config.json"), JSON.writeValueAsString(config));
        return kept;
    }
}
