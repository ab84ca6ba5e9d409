package dev.canal.ggml.gguf;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tensor names of the Llama/Mistral/Qwen2/Qwen3 decoder layout in both directions: llama.cpp's GGUF names (gguf-py's
 * tensor_mapping: {@code blk.3.attn_q.weight}) and the Hugging Face names the architectures bind
 * ({@code model.layers.3.self_attn.q_proj.weight}). One table serves the loader and the converter.
 */
public final class GgufTensorNames {
    /** Whole-model tensors, GGUF base name → Hugging Face base name. */
    private static final Map<String, String> GLOBAL = Map.of(
            "token_embd", "model.embed_tokens",
            "output_norm", "model.norm",
            "output", "lm_head");

    /** Per-layer tensors, GGUF base name → Hugging Face name within the layer. */
    private static final Map<String, String> LAYER = Map.ofEntries(
            Map.entry("attn_norm", "input_layernorm"),
            Map.entry("attn_q", "self_attn.q_proj"),
            Map.entry("attn_k", "self_attn.k_proj"),
            Map.entry("attn_v", "self_attn.v_proj"),
            Map.entry("attn_output", "self_attn.o_proj"),
            Map.entry("attn_q_norm", "self_attn.q_norm"),
            Map.entry("attn_k_norm", "self_attn.k_norm"),
            Map.entry("ffn_norm", "post_attention_layernorm"),
            Map.entry("ffn_gate", "mlp.gate_proj"),
            Map.entry("ffn_up", "mlp.up_proj"),
            Map.entry("ffn_down", "mlp.down_proj"));

    private static final Map<String, String> GLOBAL_TO_GGUF = invert(GLOBAL);
    private static final Map<String, String> LAYER_TO_GGUF = invert(LAYER);

    private static final Pattern GGUF_BLOCK = Pattern.compile("blk\\.(\\d+)\\.([a-z_]+)\\.(weight|bias)");
    private static final Pattern HF_LAYER = Pattern.compile("model\\.layers\\.(\\d+)\\.(.+)\\.(weight|bias)");
    private static final Pattern SUFFIX = Pattern.compile("(.+)\\.(weight|bias)");

    private GgufTensorNames() {
    }

    /** The Hugging Face name of a GGUF tensor, or empty for tensors this layout does not use. */
    public static Optional<String> toHf(String gguf) {
        Matcher m = GGUF_BLOCK.matcher(gguf);
        if (m.matches()) {
            String part = LAYER.get(m.group(2));
            return part == null ? Optional.empty()
                    : Optional.of("model.layers." + m.group(1) + "." + part + "." + m.group(3));
        }
        return rename(gguf, GLOBAL);
    }

    /** The GGUF name of a Hugging Face tensor, or empty for a name this layout does not know. */
    public static Optional<String> toGguf(String hf) {
        Matcher m = HF_LAYER.matcher(hf);
        if (m.matches()) {
            String base = LAYER_TO_GGUF.get(m.group(2));
            return base == null ? Optional.empty() : Optional.of("blk." + m.group(1) + "." + base + "." + m.group(3));
        }
        return rename(hf, GLOBAL_TO_GGUF);
    }

    private static Optional<String> rename(String name, Map<String, String> bases) {
        Matcher m = SUFFIX.matcher(name);
        if (!m.matches()) return Optional.empty();
        String base = bases.get(m.group(1));
        return base == null ? Optional.empty() : Optional.of(base + "." + m.group(2));
    }

    private static Map<String, String> invert(Map<String, String> map) {
        Map<String, String> inverse = new HashMap<>();
        map.forEach((k, v) -> inverse.put(v, k));
        return Map.copyOf(inverse);
    }
}
