package dev.canal.engine.backend;

import dev.canal.engine.tensor.Tensor;

/**
 * The ops a decoder's forward pass is composed of. Architectures (module models) call these and nothing else, so
 * the same forward pass runs on every backend. Every op works on the first {@code rows} rows of its activations:
 * one row per token, so prefill is matrix–matrix work and decode is rows = 1.
 */
public interface Backend extends AutoCloseable {

    /** "cpu", "cuda:0", ... */
    String name();

    /** Prepares a weight (2-D [out, in] matrix, or 1-D vector) for this backend; refuses dtypes it cannot run. */
    Weight weight(Tensor tensor);

    Activations allocate(int rows, int cols);

    KvCache allocateKvCache(int layers, int kvHeads, int headDim, int capacity);

    /** out[r] = table[tokens[r]] for r &lt; rows. */
    void embed(Activations out, Weight table, int[] tokens, int rows);

    /**
     * RMS normalisation of every group of n = weight.cols() consecutive columns: out = x / sqrt(mean(x²) + eps) * w.
     * With n = cols it is the usual per-token norm; with n = headDim it is Qwen3's per-head q/k norm.
     * out may be x.
     */
    void rmsNorm(Activations out, Activations x, Weight weight, float eps, int rows);

    /** out[r, o] = Σᵢ x[r, i] · W[o, i] for r &lt; rows: a linear layer without bias. */
    void matmul(Activations out, Activations x, Weight w, int rows);

    /** x[r, :] += bias. */
    void addBias(Activations x, Weight bias, int rows);

    /** Rotary position embedding in place on x viewed as rows × heads × headDim; row r is at position startPos + r. */
    void rope(Activations x, int heads, Rope rope, int startPos, int rows);

    /**
     * Causal grouped-query attention. Stores k and v (rows × kvHeads·headDim) at positions [startPos, startPos+rows)
     * of {@code layer} in the cache, then for each query row r at position p = startPos + r attends over cached
     * positions allowed by the causal mask and sliding window. out is rows × heads·headDim.
     */
    void attention(Activations out, Activations q, Activations k, Activations v, KvCache cache, int layer,
                   int startPos, int rows, AttentionShape shape);

    /** gate = silu(gate) · up, elementwise (SwiGLU). */
    void swiglu(Activations gate, Activations up, int rows);

    /** x += y, elementwise. */
    void add(Activations x, Activations y, int rows);

    /** dst[dstRow, :] = src[srcRow, :] (same cols): e.g. the last prompt token's state before the output head. */
    void copyRow(Activations dst, int dstRow, Activations src, int srcRow);

    /** Copies row {@code row} of x into dst (length ≥ x.cols()): how logits reach the sampler. */
    void read(Activations x, int row, float[] dst);

    /**
     * The {@code k} largest values of row {@code row} of x (logits) into {@code values[0..k)}, their column indexes
     * (token ids) into {@code ids[0..k)}, best first in {@link TopK}'s order: the lower id first among equal values,
     * NaN below every number. 1 ≤ k ≤ x.cols(). How sampling that needs only the best k tokens (greedy: 1; top-k)
     * gets them without copying the whole vocabulary off a GPU. This default reads the row with {@link #read} and
     * selects on the host, which is right for a backend whose activations live in host memory; one that keeps them
     * elsewhere selects there (each implementation says up to which k).
     */
    default void topK(Activations x, int row, int k, float[] values, int[] ids) {
        float[] all = new float[x.cols()];
        read(x, row, all);
        TopK.select(all, 0, all.length, k, values, ids);
    }

    /**
     * Copies src (length ≥ x.cols()) into row {@code row} of x: how the residual stream crosses from one backend to
     * the next where a model's layers are split between them.
     */
    void write(Activations x, int row, float[] src);

    @Override
    void close();
}
