package dev.canal.ggml.convert;

/** What the converter does to particular Hugging Face tensors beyond renaming them. */
final class ConvertedTensors {
    private ConvertedTensors() {
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
