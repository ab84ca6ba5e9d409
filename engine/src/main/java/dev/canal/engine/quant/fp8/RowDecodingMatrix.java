package dev.canal.engine.quant.fp8;

import static dev.canal.engine.quant.fp8.Kernels.F;

import dev.canal.engine.vector.LaneSums;

import dev.canal.engine.tensor.PackedMatrix;
import jdk.incubator.vector.FloatVector;

/**
 * The multiply shared by formats whose rows decode independently (FP8, NVFP4): a single activation row, or a few,
 * streams the packed bytes once and decodes them on the fly ({@link #dotRow}); from {@link #TILE_ROWS} activation
 * rows on, four weight rows at a time are dequantized into a per-thread float scratch ({@link #dequantizeRow}) and
 * multiplied with a panel of activation rows kept in L2, so each weight byte is decoded once per panel instead of
 * once per activation row.
 *
 * <p>Both paths compute the same thing in the same order: each element is dequantized to the same float, products
 * are accumulated lane-wise over [0, {@link #vectorEnd()}) in one accumulator, the lanes are summed, then the
 * tail [vectorEnd, cols) is added one element at a time. A row's result is therefore bit-identical whatever the
 * number of activation rows or the split of output rows across threads.
 */
public abstract class RowDecodingMatrix implements PackedMatrix {
    /** From this many activation rows on, weight rows are dequantized once per panel. */
    public static final int TILE_ROWS = 4;
    /** Bytes of activations per panel: about half an L2. */
    private static final int PANEL_BYTES = 1 << 20;
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** A worker's buffers: four dequantized weight rows, the sixteen sums of a tile and their accumulators' lanes. */
    private static final class Scratch {
        float[] rows = new float[0];
        final float[] sums = new float[16];
        final float[] lanes = new float[16 * F.length()];
    }

    protected final long rows;
    protected final int cols;

    protected RowDecodingMatrix(long rows, int cols) {
        this.rows = rows;
        this.cols = cols;
    }

    @Override
    public final long rows() {
        return rows;
    }

    @Override
    public final long cols() {
        return cols;
    }

    /** Elements [0, vectorEnd()) of a row are decoded in vectors (a multiple of F.length()); the rest one by one. */
    protected abstract int vectorEnd();

    /**
     * Σᵢ x[xOff + i] · W[row, i], decoding the row on the fly, in the order the class comment describes. The
     * element values must be exactly those {@link #dequantizeRow} writes.
     */
    protected abstract float dotRow(long row, float[] x, int xOff);

    @Override
    public final void multiply(float[] x, int rows, float[] out, int outStride, int rowStart, int rowEnd) {
        if (rows < TILE_ROWS) {
            for (int o = rowStart; o < rowEnd; o++) {
                for (int r = 0; r < rows; r++) out[r * outStride + o] = dotRow(o, x, r * cols);
            }
            return;
        }
        Scratch scratch = SCRATCH.get();
        if (scratch.rows.length < 4 * cols) scratch.rows = new float[4 * cols];
        float[] w = scratch.rows;
        float[] sums = scratch.sums;
        float[] lanes = scratch.lanes;
        int panelRows = Math.max(TILE_ROWS, Math.min(64, PANEL_BYTES / (cols * Float.BYTES)) & ~3);
        for (int p = 0; p < rows; p += panelRows) {
            int panelEnd = Math.min(rows, p + panelRows);
            for (int o = rowStart; o < rowEnd; o += 4) {
                int valid = Math.min(4, rowEnd - o);
                // A partial tile repeats its last row; the extra sums are computed and dropped.
                for (int k = 0; k < 4; k++) dequantizeRow(o + Math.min(k, valid - 1), w, k * cols);
                int r = p;
                for (; r + 4 <= panelEnd; r += 4) {
                    tile4x4(w, x, r * cols, lanes, sums);
                    for (int i = 0; i < 4; i++) System.arraycopy(sums, 4 * i, out, (r + i) * outStride + o, valid);
                }
                for (; r < panelEnd; r++) {
                    tile4x1(w, x, r * cols, lanes, sums);
                    System.arraycopy(sums, 0, out, r * outStride + o, valid);
                }
            }
        }
    }

    /**
     * sums[4i + k] = x row i · w row k for four activation rows starting at x[xOff]; {@code lanes} holds the
     * accumulators for {@link LaneSums#sumEach}.
     */
    private void tile4x4(float[] w, float[] x, int xOff, float[] lanes, float[] sums) {
        int n = cols;
        int w1 = n, w2 = 2 * n, w3 = 3 * n;
        int x0 = xOff, x1 = xOff + n, x2 = xOff + 2 * n, x3 = xOff + 3 * n;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        int end = vectorEnd();
        for (int i = 0; i < end; i += F.length()) {
            FloatVector v0 = FloatVector.fromArray(F, w, i);
            FloatVector v1 = FloatVector.fromArray(F, w, w1 + i);
            FloatVector v2 = FloatVector.fromArray(F, w, w2 + i);
            FloatVector v3 = FloatVector.fromArray(F, w, w3 + i);
            FloatVector xv = FloatVector.fromArray(F, x, x0 + i);
            a00 = v0.fma(xv, a00);
            a01 = v1.fma(xv, a01);
            a02 = v2.fma(xv, a02);
            a03 = v3.fma(xv, a03);
            xv = FloatVector.fromArray(F, x, x1 + i);
            a10 = v0.fma(xv, a10);
            a11 = v1.fma(xv, a11);
            a12 = v2.fma(xv, a12);
            a13 = v3.fma(xv, a13);
            xv = FloatVector.fromArray(F, x, x2 + i);
            a20 = v0.fma(xv, a20);
            a21 = v1.fma(xv, a21);
            a22 = v2.fma(xv, a22);
            a23 = v3.fma(xv, a23);
            xv = FloatVector.fromArray(F, x, x3 + i);
            a30 = v0.fma(xv, a30);
            a31 = v1.fma(xv, a31);
            a32 = v2.fma(xv, a32);
            a33 = v3.fma(xv, a33);
        }
        int l = F.length();
        a00.intoArray(lanes, 0);
        a01.intoArray(lanes, l);
        a02.intoArray(lanes, 2 * l);
        a03.intoArray(lanes, 3 * l);
        a10.intoArray(lanes, 4 * l);
        a11.intoArray(lanes, 5 * l);
        a12.intoArray(lanes, 6 * l);
        a13.intoArray(lanes, 7 * l);
        a20.intoArray(lanes, 8 * l);
        a21.intoArray(lanes, 9 * l);
        a22.intoArray(lanes, 10 * l);
        a23.intoArray(lanes, 11 * l);
        a30.intoArray(lanes, 12 * l);
        a31.intoArray(lanes, 13 * l);
        a32.intoArray(lanes, 14 * l);
        a33.intoArray(lanes, 15 * l);
        LaneSums.sumEach(lanes, 16, l, sums, 0);
        for (int i = end; i < n; i++) {
            for (int r = 0; r < 4; r++) {
                float xi = x[xOff + r * n + i];
                for (int k = 0; k < 4; k++) sums[4 * r + k] = Math.fma(w[k * n + i], xi, sums[4 * r + k]);
            }
        }
    }

    /** sums[k] = x row · w row k for one activation row at x[xOff]; {@code lanes} as in {@link #tile4x4}. */
    private void tile4x1(float[] w, float[] x, int xOff, float[] lanes, float[] sums) {
        int n = cols;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int end = vectorEnd();
        for (int i = 0; i < end; i += F.length()) {
            FloatVector xv = FloatVector.fromArray(F, x, xOff + i);
            a0 = FloatVector.fromArray(F, w, i).fma(xv, a0);
            a1 = FloatVector.fromArray(F, w, n + i).fma(xv, a1);
            a2 = FloatVector.fromArray(F, w, 2 * n + i).fma(xv, a2);
            a3 = FloatVector.fromArray(F, w, 3 * n + i).fma(xv, a3);
        }
        int l = F.length();
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, l);
        a2.intoArray(lanes, 2 * l);
        a3.intoArray(lanes, 3 * l);
        LaneSums.sumEach(lanes, 4, l, sums, 0);
        for (int i = end; i < n; i++) {
            float xi = x[xOff + i];
            for (int k = 0; k < 4; k++) sums[k] = Math.fma(w[k * n + i], xi, sums[k]);
        }
    }
}
