package dev.canal.ggml.convert;

import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hugging Face tensor names of Llama / Mistral / Qwen2 / Qwen3 checkpoints → GGUF names, as gguf-py's
 * tensor_mapping.py maps them ({@code model.layers.3.self_attn.q_proj.weight} → {@code blk.3.attn_q.weight}).
 */
final class GgufTensorNames {
    private static final Pattern LAYER = Pattern.compile("model\\.layers\\.(\\d+)\\.(.+)\\.(weight|bias)");

    private static final Map<String, String> GLOBAL = Map.of(
            "model.embed_tokens", "token_embd",
            "model.norm", "output_norm",
            "lm_head", "output");

    private static final Map<String, String> PER_LAYER = Map.ofEntries(
            Map.entry("self_attn.q_proj", "attn_q"),
            Map.entry("self_attn.k_proj", "attn_k"),
            Map.entry("self_attn.v_proj", "attn_v"),
            Map.entry("self_attn.o_proj", "attn_output"),
            Map.entry("self_attn.q_norm", "attn_q_norm"),
            Map.entry("self_attn.k_norm", "attn_k_norm"),
            Map.entry("input_layernorm", "attn_norm"),
            Map.entry("post_attention_layernorm", "ffn_norm"),
            Map.entry("mlp.gate_proj", "ffn_gate"),
            Map.entry("mlp.up_proj", "ffn_up"),
            Map.entry("mlp.down_proj", "ffn_down"));

    private GgufTensorNames() {
    }

    /** The GGUF name, or empty for a name this converter does not know. */
    static Optional<String> gguf(String hfName) {
        Matcher m = LAYER.matcher(hfName);
        if (m.matches()) {
            String base = PER_LAYER.get(m.group(2));
            return base == null ? Optional.empty() : Optional.of("blk." + m.group(1) + "." + base + "." + m.group(3));
        }
        int dot = hfName.lastIndexOf('.');
        if (dot < 0) return Optional.empty();
        String base = GLOBAL.get(hfName.substring(0, dot));
        String suffix = hfName.substring(dot + 1);
        if (base == null || !(suffix.equals("weight") || suffix.equals("bias"))) return Optional.empty();
        return Optional.of(base + "." + suffix);
    }

    /** Buffers some checkpoints carry that GGUF has no place for (recomputed from the config by llama.cpp). */
    static boolean skipped(String hfName) {
        return hfName.endsWith(".rotary_emb.inv_freq");
    }

    /**
     * The number of heads whose rows a Llama Q or K tensor is permuted by (see {@link QkPermutation}), or 0 for
     * any other tensor.
     */
    static int permutationHeads(String hfName, int heads, int kvHeads) {
        if (hfName.endsWith(".self_attn.q_proj.weight") || hfName.endsWith(".self_attn.q_proj.bias")) return heads;
        if (hfName.endsWith(".self_attn.k_proj.weight") || hfName.endsWith(".self_attn.k_proj.bias")) return kvHeads;
        return 0;
    }
}
