package dev.canal.tools.quantize;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.config.ModelConfig;
import dev.canal.engine.quant.QuantizationConfig;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.weights.WeightStore;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Refuses a checkpoint that is already quantized before any work: quantizing dequantized int4/FP8 weights again would
 * stack two roundings, and the packers need the original floats. Found by a tensor that only quantized checkpoints
 * have (I32 qweight, U8 packed nibbles, F8_E4M3 weights, scale tensors) or by a quantization config file.
 */
final class QuantizedInput {
    /** Tensor name endings that only quantized checkpoints have, whatever their dtype. */
    private static final List<String> QUANT_SUFFIXES = List.of(".qweight", ".qzeros", ".scales", ".g_idx",
            ".weight_packed", ".weight_scale", ".weight_scale_2", ".weight_scale_inv", ".weight_zero_point",
            ".weight_global_scale", ".input_scale", ".input_global_scale", ".SCB", ".absmax", ".quant_map");
    private static final String ADVICE = "; quantize needs unquantized weights: start from the original "
            + "F32/F16/BF16 model";

    private QuantizedInput() {
    }

    static void refuse(Path dir, ModelConfig config, WeightStore store) {
        Optional<QuantizationConfig> quantization = QuantizationConfig.find(dir, config);
        String method = quantization.map(q -> " (" + q.method().toUpperCase(Locale.ROOT) + "-quantized)")
                .orElse(" (quantized weights)");
        for (String name : store.names().stream().sorted(DecoderLinears.TENSOR_ORDER).toList()) {
            Tensor t = store.tensor(name);
            if (!t.dtype().isDenseFloat() || QUANT_SUFFIXES.stream().anyMatch(name::endsWith)) {
                throw new CanalException(store.source() + ": tensor " + name + " is " + t.typeName() + method + ADVICE);
            }
        }
        if (quantization.isPresent()) {
            QuantizationConfig q = quantization.get();
            throw new CanalException(q.source() + " says the weights are " + q.method().toUpperCase(Locale.ROOT)
                    + "-quantized" + ADVICE);
        }
    }
}
