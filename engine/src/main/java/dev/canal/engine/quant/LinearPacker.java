package dev.canal.engine.quant;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.canal.engine.weights.SafetensorsWriter.TensorData;

import java.util.List;
import java.util.Optional;

/**
 * Writes float linear weights in one quantized format: the inverse of that format's {@link QuantizedLinearFormat},
 * kept beside it. Used by {@code tools quantize}; the tensors it returns are what the reference implementation
 * (AutoAWQ / vLLM, GPTQModel, compressed-tensors, ModelOpt) would load.
 */
public interface LinearPacker {

    /** "awq int4 g128", for messages and progress. */
    String name();

    /**
     * Why a weight of this shape cannot be stored in the format (a group size that does not divide in, an out not a
     * multiple of the packing, …), naming {@code tensor}; empty when it can. Such layers stay in float.
     */
    Optional<String> unsupported(String tensor, int out, int in);

    /**
     * The tensors that replace {@code <prefix>.weight} for w, an [out, in] row-major float matrix quantized by
     * round-to-nearest (an activation-aware search scales w before calling this).
     */
    List<TensorData> pack(String prefix, float[] w, int out, int in);

    /** w quantized and dequantized again: what a model loaded from {@link #pack}'s tensors multiplies with. */
    float[] roundTrip(float[] w, int out, int in);

    /**
     * The config.json {@code quantization_config} block for a model written with this packer, with
     * {@code notConverted} (module names left in float) where the format records them.
     */
    ObjectNode quantizationConfig(List<String> notConverted);
}
