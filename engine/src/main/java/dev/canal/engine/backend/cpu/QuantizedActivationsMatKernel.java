package dev.canal.engine.backend.cpu;

import dev.canal.engine.tensor.BlockFormat;

import java.lang.foreign.MemorySegment;

/**
 * {@link MatKernel} for a single activation row that the format has already quantized into its own encoding
 * ({@link BlockFormat#newQuantizedActivations()}): the float row passed in is ignored, the products are the
 * format's integer dots with the held encoding. Only for one activation row: {@link #rows4} is never reached.
 */
final class QuantizedActivationsMatKernel implements MatKernel {
    private final BlockFormat.QuantizedActivations activations;
    private final long rowBytes;

    QuantizedActivationsMatKernel(BlockFormat.QuantizedActivations activations, long rowBytes) {
        this.activations = activations;
        this.rowBytes = rowBytes;
    }

    @Override
    public void rows1(float[] x, int xOff, int n, MemorySegment w, long o0, long o1, long o2, long o3,
                      float[] panel, float[] sums) {
        sums[0] = activations.dot(w, o0 * rowBytes);
        sums[1] = activations.dot(w, o1 * rowBytes);
        sums[2] = activations.dot(w, o2 * rowBytes);
        sums[3] = activations.dot(w, o3 * rowBytes);
    }

    @Override
    public void rows4(float[] x, int xOff, int n, MemorySegment w, long o0, long o1, long o2, long o3,
                      float[] panel, float[] sums) {
        throw new IllegalStateException("quantized activations hold one row; rows4 is unreachable");
    }
}
