package dev.canal.engine.tensor;

import java.util.List;

/**
 * A quantized [out, in] linear weight whose encoding spans several mapped tensors: AWQ's qweight/qzeros/scales,
 * GPTQ's with g_idx, FP8's weight and weight_scale, NVFP4's packed nibbles with two levels of scales. Unlike a
 * {@link BlockFormat}, rows are not self-contained blocks (AWQ and GPTQ pack along the output dimension or keep
 * scales in a separate tensor), so the matrix multiplies as a whole: the implementation reads its parts in place
 * and is the one home of its format's CPU kernel. An instance is bound to one checkpoint's tensors.
 */
public interface PackedMatrix {

    /** The format with its parameters, for messages and stats: "AWQ int4 g128", "FP8 E4M3 per-channel". */
    String formatName();

    /** Output features (rows of the logical matrix). */
    long rows();

    /** Input features (columns of the logical matrix). */
    long cols();

    /** The mapped tensors it reads, main packed data first: for byte counts and for backends that upload them. */
    List<Tensor> parts();

    /**
     * The granularity of output rows a kernel prefers to own: the ranges given to {@link #multiply} start at
     * multiples of it (the last range may end anywhere).
     */
    default int rowGrain() {
        return 16;
    }

    /**
     * Whether {@link #multiply} should get as few, wide ranges of output rows as the threads allow. True for layouts
     * packed along the output dimension (AWQ's [in, out/8] words, GPTQ's [in/8, out]), where a call reads a slice of
     * every packed input row: narrow ranges read short runs scattered a row apart, which the prefetchers do not
     * follow (AWQ decode on 2 threads halved with 16 ranges instead of 2).
     */
    default boolean prefersWideRanges() {
        return false;
    }

    /** dst[off, off + cols) = row {@code row} dequantized to floats: the reference path, embeddings, tests. */
    void dequantizeRow(long row, float[] dst, int off);

    /**
     * out[r · outStride + o] = Σᵢ x[r · cols + i] · W[o, i] for r &lt; rows and rowStart ≤ o &lt; rowEnd. Called from
     * several threads at once with disjoint output ranges; reads its parts only, writes only its range of out.
     * The result of an output row must not depend on how the rows were split into ranges.
     */
    void multiply(float[] x, int rows, float[] out, int outStride, int rowStart, int rowEnd);
}
