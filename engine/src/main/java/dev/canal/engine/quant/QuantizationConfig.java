package dev.canal.engine.quant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.canal.engine.api.CanalException;
import dev.canal.engine.config.ModelConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * How a checkpoint's linear weights are quantized, as its producer wrote it: config.json's
 * {@code quantization_config} (AutoAWQ, GPTQModel, compressed-tensors, FP8, ModelOpt), else AutoGPTQ's
 * {@code quantize_config.json}, else ModelOpt's {@code hf_quant_config.json}. Each format reads the fields it needs
 * from {@link #node()}; this record only finds the block and names its method.
 *
 * @param method lower-cased {@code quant_method} ("awq", "gptq", "compressed-tensors", "fp8", "modelopt", …)
 * @param node   the block itself (for hf_quant_config.json: its "quantization" object)
 * @param source the file it came from, for messages
 */
public record QuantizationConfig(String method, JsonNode node, String source) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The quantization of the model in {@code dir}, or empty for a float checkpoint. */
    public static Optional<QuantizationConfig> find(Path dir, ModelConfig config) {
        JsonNode block = config.quantizationConfig();
        if (block != null && !block.isNull() && !block.isMissingNode()) {
            return Optional.of(of(block, config.source() + " quantization_config"));
        }
        Path gptq = dir.resolve("quantize_config.json");
        if (Files.isRegularFile(gptq)) {
            JsonNode node = read(gptq);
            // AutoGPTQ wrote no quant_method; its file is GPTQ by definition.
            String method = node.path("quant_method").asText("gptq");
            return Optional.of(new QuantizationConfig(method.toLowerCase(Locale.ROOT), node, gptq.toString()));
        }
        Path modelopt = dir.resolve("hf_quant_config.json");
        if (Files.isRegularFile(modelopt)) {
            JsonNode node = read(modelopt);
            JsonNode quantization = node.path("quantization");
            if (!quantization.isObject()) {
                throw new CanalException(modelopt + ": no \"quantization\" object (expected ModelOpt's "
                        + "{\"producer\": …, \"quantization\": {\"quant_algo\": …}})");
            }
            return Optional.of(new QuantizationConfig("modelopt", quantization, modelopt.toString()));
        }
        return Optional.empty();
    }

    /** A quantization_config block as found in config.json. */
    public static QuantizationConfig of(JsonNode block, String source) {
        if (!block.isObject()) {
            throw new CanalException(source + ": expected an object, found " + block.getNodeType());
        }
        String method = block.path("quant_method").asText("");
        if (method.isEmpty()) {
            throw new CanalException(source + ": no \"quant_method\" (expected e.g. \"awq\", \"gptq\", "
                    + "\"compressed-tensors\", \"fp8\" or \"modelopt\")");
        }
        return new QuantizationConfig(method.toLowerCase(Locale.ROOT), block, source);
    }

    /** An integer field, or {@code fallback} when absent; an error naming the field when it is not an integer. */
    public int intField(String name, int fallback) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) return fallback;
        if (!v.canConvertToExactIntegral() || !v.canConvertToInt()) {
            throw new CanalException(source + ": \"" + name + "\" is " + v + ", expected an integer");
        }
        return v.asInt();
    }

    /** A boolean field, or {@code fallback} when absent. */
    public boolean booleanField(String name, boolean fallback) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) return fallback;
        if (!v.isBoolean()) throw new CanalException(source + ": \"" + name + "\" is " + v + ", expected true or false");
        return v.asBoolean();
    }

    /** A string field, or {@code fallback} when absent. */
    public String textField(String name, String fallback) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) return fallback;
        if (!v.isTextual()) throw new CanalException(source + ": \"" + name + "\" is " + v + ", expected a string");
        return v.asText();
    }

    private static JsonNode read(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new CanalException(file + ": not valid JSON (" + e.getMessage() + ")", e);
        }
    }
}
