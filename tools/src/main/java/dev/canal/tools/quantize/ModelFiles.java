package dev.canal.tools.quantize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.canal.engine.api.CanalException;
import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.weights.WeightStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The files of a quantized model directory besides its weights: config.json with the packer's
 * {@code quantization_config}, and the model's other files (tokenizer, tokenizer_config, generation_config,
 * special_tokens_map, chat template, licence) copied as they are. Weight files of any format are not copied.
 */
final class ModelFiles {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final List<String> WEIGHT_SUFFIXES = List.of(".safetensors", ".bin", ".pt", ".pth", ".ckpt",
            ".gguf", ".h5", ".msgpack", ".onnx", ".index.json");
    /** Files of a quantized checkpoint that would contradict the new config (refused earlier; never copied). */
    private static final List<String> QUANT_CONFIGS = List.of("quantize_config.json", "hf_quant_config.json");

    private ModelFiles() {
    }

    /**
     * Writes config.json and copies the other files. torch_dtype (and transformers' newer "dtype", when present) is
     * set to the dtype the unquantized tensors are written in, so the config never contradicts the weights.
     */
    static void write(Path modelDir, Path out, ObjectNode quantizationConfig, DType floatDtype) {
        Path configFile = modelDir.resolve("config.json");
        try {
            JsonNode root = JSON.readTree(configFile.toFile());
            if (!(root instanceof ObjectNode config)) throw new CanalException(configFile + ": expected a JSON object");
            String torchDtype = switch (floatDtype) {
                case F16 -> "float16";
                case BF16 -> "bfloat16";
                default -> "float32";
            };
            config.put("torch_dtype", torchDtype);
            if (config.has("dtype")) config.put("dtype", torchDtype);
            config.set("quantization_config", quantizationConfig);
            Files.writeString(out.resolve("config.json"), JSON.writeValueAsString(config) + "\n");
            try (var files = Files.list(modelDir)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    String name = f.getFileName().toString();
                    String lower = name.toLowerCase(Locale.ROOT);
                    if (name.equals("config.json") || QUANT_CONFIGS.contains(name)
                            || WEIGHT_SUFFIXES.stream().anyMatch(lower::endsWith)) {
                        continue;
                    }
                    Files.copy(f, out.resolve(name));
                }
            }
        } catch (IOException e) {
            throw new CanalException(out + ": cannot write the model files (" + e.getMessage() + ")");
        }
    }

    /** The float dtype holding most of the model's bytes: the one its unquantized tensors stay in. */
    static DType floatDtype(WeightStore store) {
        Map<DType, Long> bytes = new EnumMap<>(DType.class);
        for (String name : store.names()) {
            Tensor t = store.tensor(name);
            if (t.dtype().isDenseFloat()) bytes.merge(t.dtype(), t.byteSize(), Long::sum);
        }
        return bytes.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(DType.F32);
    }
}
