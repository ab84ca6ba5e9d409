package dev.canal.engine.backend.cpu;

import dev.canal.engine.tensor.BlockFormat;

import java.lang.foreign.MemorySegment;

/**
 * {@link MatKernel} for block-quantized weights: the format's own dot product, reading the packed blocks in place.
 * Used for short batches (decode); from {@code MatMul.DECODE_ONCE_ROWS} activation rows on, the weight rows are
 * dequantized once per panel and multiplied by the F32 kernel instead. Each sum is one {@link BlockFormat#dot} of a
 * whole row, so results do not depend on how rows are split across threads.
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
        sums[0] = format.dot(w, o0 * rowBytes, x, xOff, n);
        sums[1] = format.dot(w, o1 * rowBytes, x, xOff, n);
        sums[2] = format.dot(w, o2 * rowBytes, x, xOff, n);
        sums[3] = format.dot(w, o3 * rowBytes, x, xOff, n);
    }

    @Override
    public void rows4(float[] x, int xOff, int n, MemorySegment w, long o0, long o1, long o2, long o3,
                      float[] panel, float[] sums) {
        for (int r = 0; r < 4; r++) {
            int xr = xOff + r * n;
            sums[4 * r] = format.dot(w, o0 * rowBytes, x, xr, n);
            sums[4 * r + 1] = format.dot(w, o1 * rowBytes, x, xr, n);
            sums[4 * r + 2] = format.dot(w, o2 * rowBytes, x, xr, n);
            sums[4 * r + 3] = format.dot(w, o3 * rowBytes, x, xr, n);
        }
    }
}
