package dev.canal.ggml.convert;

import com.fasterxml.jackson.databind.JsonNode;
import dev.canal.engine.api.CanalException;
import dev.canal.engine.config.ModelConfig;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.weights.SafetensorsStore;

import java.util.List;

/**
 * Refuses a checkpoint that is already quantized (AWQ, GPTQ, compressed-tensors FP8/NVFP4, bitsandbytes...) before
 * any output is written: re-quantizing dequantized int4 would stack two roundings, and their packed tensors have no
 * GGUF equivalent. Conversion needs the original F32/F16/BF16 weights.
 */
final class UnquantizedInput {
    /** Tensor name endings that only quantized checkpoints have, whatever their dtype. */
    private static final List<String> QUANT_SUFFIXES = List.of(".qweight", ".qzeros", ".scales", ".g_idx",
            ".weight_packed", ".weight_scale", ".weight_scale_2", ".weight_zero_point", ".weight_global_scale",
            ".input_scale", ".input_global_scale", ".SCB", ".absmax", ".quant_map");

    private UnquantizedInput() {
    }

    static void check(ModelConfig config, SafetensorsStore store) {
        String method = quantMethod(config.quantizationConfig());
        for (Tensor t : store.tensors().values()) {
            boolean packedName = QUANT_SUFFIXES.stream().anyMatch(t.name()::endsWith);
            if (!t.dtype().isDenseFloat() || packedName) {
                throw new CanalException(store.source() + ": tensor " + t.name() + " is " + t.typeName()
                        + (method.isEmpty() ? " (quantized weights)" : " (" + method + "-quantized)")
                        + "; convert needs unquantized weights: start from the original F32/F16/BF16 model");
            }
        }
        if (!method.isEmpty()) {
            throw new CanalException(config.source() + ": quantization_config says the weights are " + method
                    + "-quantized; convert needs unquantized weights: start from the original F32/F16/BF16 model");
        }
    }

    private static String quantMethod(JsonNode q) {
        if (q == null || q.isNull() || q.isMissingNode()) return "";
        String m = q.path("quant_method").asText("");
        return m.isEmpty() ? "UNKNOWN" : m.toUpperCase(java.util.Locale.ROOT);
    }
}
