package dev.canal.ggml.convert;

import dev.canal.engine.api.CanalException;

/**
 * The row order convert_hf_to_gguf.py's {@code LlamaModel.permute} gives Llama's Q and K projections:
 * {@code w.reshape(n_head, 2, rows / n_head / 2, cols).swapaxes(1, 2).reshape(rows, cols)}. Hugging Face stores
 * each head's rotary pairs as (i, i + d/2) (rotate_half); this undoes transformers' conversion so that pairs are
 * adjacent rows (2i, 2i + 1), the interleaved RoPE llama.cpp runs for "llama" files.
 */
final class QkPermutation {
    private final int half;

    /**
     * @param rows  rows of the tensor (heads × head_dim)
     * @param heads heads the rows are split into (n_head for Q, n_head_kv for K)
     */
    QkPermutation(String tensor, long rows, int heads) {
        if (heads <= 0 || rows % (2L * heads) != 0) {
            throw new CanalException("tensor " + tensor + ": " + rows + " rows do not split into " + heads
                    + " heads of an even head size");
        }
        this.half = (int) (rows / heads / 2);
    }

    /** The source (Hugging Face) row that output (GGUF) row {@code r} comes from. */
    long sourceRow(long r) {
        // Output index (h, i, j) over shape (heads, half, 2) reads source (h, j, i) over shape (heads, 2, half).
        long perHead = 2L * half;
        long h = r / perHead;
        long within = r % perHead;
        long i = within / 2;
        long j = within % 2;
        return h * perHead + j * half + i;
    }
}
