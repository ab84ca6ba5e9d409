package dev.canal.ggml.model;

import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * llama.cpp's tensor names (gguf-py's tensor_mapping) to the Hugging Face names the architectures bind, for the
 * Llama/Qwen decoder layout.
 */
final class GgufTensorNames {
    private static final Map<String, String> GLOBAL = Map.of(
            "token_embd.weight", "model.embed_tokens.weight",
            "output_norm.weight", "model.norm.weight",
            "output.weight", "lm_head.weight");

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

    private static final Pattern BLOCK = Pattern.compile("blk\\.(\\d+)\\.([a-z_]+)\\.(weight|bias)");

    private GgufTensorNames() {
    }

    /** The Hugging Face name of a GGUF tensor, or empty for tensors this layout does not use. */
    static Optional<String> toHf(String gguf) {
        String global = GLOBAL.get(gguf);
        if (global != null) return Optional.of(global);
        Matcher m = BLOCK.matcher(gguf);
        if (!m.matches()) return Optional.empty();
        String part = LAYER.get(m.group(2));
        if (part == null) return Optional.empty();
        return Optional.of("model.layers." + m.group(1) + "." + part + "." + m.group(3));
    }
}
