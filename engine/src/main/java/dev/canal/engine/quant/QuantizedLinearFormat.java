package dev.canal.engine.quant;

import dev.canal.engine.tensor.PackedMatrix;
import dev.canal.engine.weights.WeightStore;

import java.util.Map;

/**
 * One way of storing quantized linear layers in safetensors (AutoAWQ GEMM, GPTQ, compressed-tensors, FP8, NVFP4):
 * recognises its {@link QuantizationConfig} and binds each quantized layer's tensors into a {@link PackedMatrix}
 * read in place. Unsupported combinations are refused here, with the tensor or field named.
 */
public interface QuantizedLinearFormat {

    /** "awq", "gptq", … for messages. */
    String name();

    /** Whether this format reads checkpoints described by {@code config}. */
    boolean reads(QuantizationConfig config);

    /**
     * The quantized linear layers of {@code store}: prefix ("model.layers.0.self_attn.q_proj") → its matrix, whose
     * {@link PackedMatrix#parts()} are the store's tensors it consumed. Layers left in float
     * (modules_to_not_convert, ignore lists) are simply not in the map.
     */
    Map<String, PackedMatrix> open(WeightStore store, QuantizationConfig config);
}
