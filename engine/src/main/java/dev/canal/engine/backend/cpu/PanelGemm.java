package dev.canal.engine.backend.cpu;

import static dev.canal.engine.backend.cpu.WeightLoads.F;

import jdk.incubator.vector.FloatVector;

/**
 * Prefill's matrix product out = x · Wᵀ for many activation rows, as optimised GEMMs do it. A block of
 * {@link #width()} weight rows is decoded whole (each row one sequential stream, which the hardware prefetcher
 * follows) into a per-worker buffer in L2; then, {@link #KC} columns at a time, it is transposed into a k-major
 * panel (panel[k][j] = W[o + j, k0 + k], 16 KiB, in L1) that a micro-kernel multiplies with eight activation rows
 * at a time, broadcasting x[r, k] against two vectors of weights: 16 accumulators, 16 FMAs per 2 weight loads and
 * 8 broadcasts, no horizontal sums. Weights are decoded once per prefill, so F16, BF16 and block-quantized weights
 * cost their conversion once. Each output is the sum over k in order, chunk by chunk, whichever worker or block
 * computes it.
 */
final class PanelGemm {
    /** Columns per panel: 128 × 32 floats (16 KiB) leave room in a 32 KiB L1 for the activations. */
    static final int KC = 128;
    /** Activation rows per micro-kernel call. */
    private static final int MR = 8;

    private final int width = 2 * F.length();
    private final float[] panel = new float[KC * width];
    private final float[] tile = new float[MR * width];
    /** The block's weight rows, decoded: width × n floats, grown to the largest n seen. */
    private float[] rows = new float[0];
    /**
     * The block's outputs for every activation row (count × width floats), summed over the k-chunks here rather
     * than in out, whose rows lie far apart.
     */
    private float[] sums = new float[0];

    /** Weight rows per panel: the grain in which work is best split. */
    int width() {
        return width;
    }

    /** out[r · outCols + o] = x[r] · W[o] for r &lt; count and start ≤ o &lt; end; x rows have w.columns() floats. */
    void multiply(float[] x, int count, CpuWeight w, float[] out, int outCols, int start, int end) {
        int n = w.columns();
        if (rows.length < width * n) rows = new float[width * n];
        if (sums.length < width * count) sums = new float[width * count];
        for (int o = start; o < end; o += width) {
            int valid = Math.min(width, end - o);
            for (int j = 0; j < valid; j++) w.decodeRow(o + j, rows, j * n);
            for (int k0 = 0; k0 < n; k0 += KC) {
                int len = Math.min(KC, n - k0);
                pack(n, valid, k0, len);
                for (int r = 0; r < count; r += MR) {
                    kernel(x, n, count, r, k0, len);
                    accumulate(r, Math.min(MR, count - r), k0 == 0);
                }
            }
            for (int r = 0; r < count; r++) System.arraycopy(sums, r * width, out, r * outCols + o, valid);
        }
    }

    /** panel[k · width + j] = W[o + j, k0 + k] for j &lt; valid, 0 for the padding rows of a partial block. */
    private void pack(int n, int valid, int k0, int len) {
        for (int j = 0; j < width; j++) {
            if (j < valid) {
                int src = j * n + k0;
                for (int k = 0; k < len; k++) panel[k * width + j] = rows[src + k];
            } else {
                for (int k = 0; k < len; k++) panel[k * width + j] = 0f;
            }
        }
    }

    /** tile[i · width + j] = Σ_k x[r + i, k0 + k] · panel[k, j]; rows past the end repeat the last row. */
    private void kernel(float[] x, int n, int count, int r, int k0, int len) {
        int last = count - 1;
        int x0 = r * n + k0;
        int x1 = Math.min(r + 1, last) * n + k0, x2 = Math.min(r + 2, last) * n + k0;
        int x3 = Math.min(r + 3, last) * n + k0, x4 = Math.min(r + 4, last) * n + k0;
        int x5 = Math.min(r + 5, last) * n + k0, x6 = Math.min(r + 6, last) * n + k0;
        int x7 = Math.min(r + 7, last) * n + k0;
        int half = F.length();
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00;
        FloatVector a30 = a00, a31 = a00, a40 = a00, a41 = a00, a50 = a00, a51 = a00;
        FloatVector a60 = a00, a61 = a00, a70 = a00, a71 = a00;
        for (int k = 0; k < len; k++) {
            int p = k * width;
            FloatVector w0 = FloatVector.fromArray(F, panel, p);
            FloatVector w1 = FloatVector.fromArray(F, panel, p + half);
            FloatVector b = FloatVector.broadcast(F, x[x0 + k]);
            a00 = w0.fma(b, a00);
            a01 = w1.fma(b, a01);
            b = FloatVector.broadcast(F, x[x1 + k]);
            a10 = w0.fma(b, a10);
            a11 = w1.fma(b, a11);
            b = FloatVector.broadcast(F, x[x2 + k]);
            a20 = w0.fma(b, a20);
            a21 = w1.fma(b, a21);
            b = FloatVector.broadcast(F, x[x3 + k]);
            a30 = w0.fma(b, a30);
            a31 = w1.fma(b, a31);
            b = FloatVector.broadcast(F, x[x4 + k]);
            a40 = w0.fma(b, a40);
            a41 = w1.fma(b, a41);
            b = FloatVector.broadcast(F, x[x5 + k]);
            a50 = w0.fma(b, a50);
            a51 = w1.fma(b, a51);
            b = FloatVector.broadcast(F, x[x6 + k]);
            a60 = w0.fma(b, a60);
            a61 = w1.fma(b, a61);
            b = FloatVector.broadcast(F, x[x7 + k]);
            a70 = w0.fma(b, a70);
            a71 = w1.fma(b, a71);
        }
        a00.intoArray(tile, 0);
        a01.intoArray(tile, half);
        a10.intoArray(tile, width);
        a11.intoArray(tile, width + half);
        a20.intoArray(tile, 2 * width);
        a21.intoArray(tile, 2 * width + half);
        a30.intoArray(tile, 3 * width);
        a31.intoArray(tile, 3 * width + half);
        a40.intoArray(tile, 4 * width);
        a41.intoArray(tile, 4 * width + half);
        a50.intoArray(tile, 5 * width);
        a51.intoArray(tile, 5 * width + half);
        a60.intoArray(tile, 6 * width);
        a61.intoArray(tile, 6 * width + half);
        a70.intoArray(tile, 7 * width);
        a71.intoArray(tile, 7 * width + half);
    }

    /** Rows r … r + count of the block's sums: set to the tile on the first chunk, else added to. */
    private void accumulate(int r, int count, boolean first) {
        int half = F.length();
        if (first) {
            System.arraycopy(tile, 0, sums, r * width, count * width);
            return;
        }
        for (int i = 0; i < count; i++) {
            int dst = (r + i) * width;
            int src = i * width;
            FloatVector.fromArray(F, tile, src).add(FloatVector.fromArray(F, sums, dst)).intoArray(sums, dst);
            FloatVector.fromArray(F, tile, src + half).add(FloatVector.fromArray(F, sums, dst + half))
                    .intoArray(sums, dst + half);
        }
    }
}
