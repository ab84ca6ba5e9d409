package dev.canal.tools.quantize;

import java.util.Comparator;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which tensors of a Hugging Face decoder are the linear layers quantization replaces: the q/k/v/o projections of
 * self-attention and the gate/up/down projections of the MLP in each decoder layer. Embeddings, norms and the output
 * head are never quantized (they are small, or their rounding errors reach the logits directly).
 */
final class DecoderLinears {
    private static final Pattern LINEAR =
            Pattern.compile("^(.*?layers\\.(\\d+)\\.(?:self_attn|mlp)\\.(q|k|v|o|gate|up|down)_proj)\\.weight$");
    private static final Pattern LAYER_NUMBER = Pattern.compile("layers\\.(\\d+)\\.");

    private DecoderLinears() {
    }

    /** A quantizable linear layer: prefix "model.layers.3.mlp.down_proj", layer 3, kind "down". */
    record Linear(String prefix, int layer, String kind) {
        String weightName() {
            return prefix + ".weight";
        }

        /** "self_attn.q_proj": the layer's role, the same in every decoder layer (for grouping messages). */
        String role() {
            return prefix.substring(prefix.indexOf('.', prefix.indexOf("layers.") + "layers.".length()) + 1);
        }
    }

    /** The linear layer a tensor name is the weight of, if it is one quantization replaces. */
    static Optional<Linear> of(String tensorName) {
        Matcher m = LINEAR.matcher(tensorName);
        if (!m.matches()) return Optional.empty();
        return Optional.of(new Linear(m.group(1), Integer.parseInt(m.group(2)), m.group(3)));
    }

    /** Decoder layers in numeric order (layers.2 before layers.10), other tensors by name around them. */
    static final Comparator<String> TENSOR_ORDER = Comparator
            .comparingInt(DecoderLinears::layerOf)
            .thenComparing(Comparator.naturalOrder());

    private static int layerOf(String name) {
        if (name.contains("embed")) return -1;
        Matcher m = LAYER_NUMBER.matcher(name);
        return m.find() ? Integer.parseInt(m.group(1)) : Integer.MAX_VALUE;
    }
}
