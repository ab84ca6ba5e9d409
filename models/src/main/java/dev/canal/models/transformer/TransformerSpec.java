package dev.canal.models.transformer;

/**
 * What distinguishes one pre-norm decoder family from another, given its config.
 *
 * @param qkvBias        q/k/v projections have biases (Qwen2; Llama with attention_bias)
 * @param outputBias     the output projection has a bias (Llama with attention_bias)
 * @param qkNorm         per-head RMSNorm of q and k before RoPE (Qwen3)
 * @param neoxRope       rotate_half pairing (Hugging Face layout); false for GGUF's permuted Q/K
 * @param slidingWindow  0 or the attention window of every layer (Mistral v0.1)
 */
public record TransformerSpec(String family, boolean qkvBias, boolean outputBias, boolean qkNorm, boolean neoxRope,
                              int slidingWindow) {
}
