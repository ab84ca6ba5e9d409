package dev.canal.engine.backend.cpu;

import dev.canal.engine.tensor.BlockFormat;

import java.lang.foreign.MemorySegment;

/**
 * {@link MatKernel} for block-quantized weights: the format's own dot product, reading the packed blocks in place.
 * Used for short batches (decode); from {@code MatMul.DECODE_ONCE_ROWS} activation rows on, the weight rows are
 * dequantized once per panel and multiplied by the F32 kernel instead. Each sum is one {@link BlockFormat#dot} of a
 * whole row, so results do not depend on how rows are split across threads.
 *
 * <p>The dot products are called from one call site in a loop, not written out four times: C2 inlines a dot
 * product (and the lane sum at its end) into each call site, and with four copies it ran out of its node budget
 * ({@code NodeCountInliningCutoff}) partway, leaving the lane sum of the last copies a real call that boxed the
 * accumulator. Whether that happened depended on the order in which the JIT met the methods: after a prefill, 1B Q4_0
 * decode allocated ~150 MB/s and ran at 11-12 instead of 15 t/s (2 threads).
 */
final class BlockMatKernel implements MatKernel {
    private final BlockFormat format;
    private final long rowBytes;

    /** A kernel for rows of {@code rowBytes} bytes in {@code format}. */
    BlockMatKernel(BlockFormat format, long rowBytes) {
        this.format = format;
        this.rowBytes = rowBytes;
    }

    @Override
    public void rows1(float[] x, int xOff, int n, MemorySegment w, long o0, long o1, long o2, long o3,
                      float[] panel, float[] sums) {
        for (int j = 0; j < 4; j++) sums[j] = format.dot(w, row(j, o0, o1, o2, o3) * rowBytes, x, xOff, n);
    }

    @Override
    public void rows4(float[] x, int xOff, int n, MemorySegment w, long o0, long o1, long o2, long o3,
                      float[] panel, float[] sums) {
        for (int r = 0; r < 4; r++) {
            for (int j = 0; j < 4; j++) {
                sums[4 * r + j] = format.dot(w, row(j, o0, o1, o2, o3) * rowBytes, x, xOff + r * n, n);
            }
        }
    }

    /** o_j. */
    private static long row(int j, long o0, long o1, long o2, long o3) {
        return j == 0 ? o0 : j == 1 ? o1 : j == 2 ? o2 : o3;
    }
}
