package dev.canal.engine.backend.cpu;

import static dev.canal.engine.backend.cpu.WeightLoads.F;

import jdk.incubator.vector.FloatVector;

/**
 * out = x · Wᵀ for a short prompt (a chat turn: 8 to {@link MatMul#PANEL_ROWS} − 1 rows), where {@link PanelGemm}'s
 * per-weight work — transposing every weight into its k-major panel — cost three times the multiplications (an
 * 11-token prompt took as long as 8 decode steps). Here the activations are transposed instead, once per product
 * ({@link #transpose}: xT[block][k][lane], one float lane per activation row), and the weight rows are used where they
 * are decoded: for each k, one vector of activation rows (16 with AVX-512) meets {@link #WIDTH} weight values
 * broadcast from as many decoded rows, one FMA into each of 16 accumulators; no weight transpose. Each output is the
 * sum over k in order, whichever worker computes it.
 */
final class SkinnyGemm {
    /** Weight rows per block: one accumulator each. */
    static final int WIDTH = 16;

    /** The block's weight rows, decoded: WIDTH × n floats, grown to the largest n seen. */
    private float[] rows = new float[0];
    private final float[] tile = new float[WIDTH * F.length()];

    /**
     * Activation rows [0, count) of x (n floats each) as {@code xT[(b · n + k) · L + lane] = x[b · L + lane, k]},
     * L = the vector length, rows past count zero; {@code xT} must hold {@link #transposedLength} floats.
     */
    static void transpose(float[] x, int count, int n, float[] xT) {
        int lanes = F.length();
        int blocks = (count + lanes - 1) / lanes;
        for (int b = 0; b < blocks; b++) {
            int base = b * n * lanes;
            for (int lane = 0; lane < lanes; lane++) {
                int r = b * lanes + lane;
                if (r < count) {
                    int src = r * n;
                    for (int k = 0; k < n; k++) xT[base + k * lanes + lane] = x[src + k];
                } else {
                    for (int k = 0; k < n; k++) xT[base + k * lanes + lane] = 0f;
                }
            }
        }
    }

    static int transposedLength(int count, int n) {
        int lanes = F.length();
        return (count + lanes - 1) / lanes * lanes * n;
    }

    /** out[r · outCols + o] = x[r] · W[o] for r &lt; count and start ≤ o &lt; end, from {@link #transpose}d x. */
    void multiply(float[] xT, int count, CpuWeight w, float[] out, int outCols, int start, int end) {
        int n = w.columns();
        if (rows.length < WIDTH * n) rows = new float[WIDTH * n];
        int lanes = F.length();
        int blocks = (count + lanes - 1) / lanes;
        for (int o = start; o < end; o += WIDTH) {
            int valid = Math.min(WIDTH, end - o);
            for (int j = 0; j < WIDTH; j++) {
                // a partial last block repeats its last row; the extra sums are computed and dropped
                w.decodeRow(o + Math.min(j, valid - 1), rows, j * n);
            }
            for (int b = 0; b < blocks; b++) {
                kernel(xT, b * n * lanes, n);
                int first = b * lanes;
                int last = Math.min(count, first + lanes);
                for (int j = 0; j < valid; j++) {
                    for (int r = first; r < last; r++) out[r * outCols + o + j] = tile[j * lanes + r - first];
                }
            }
        }
    }

    /** tile[j · L + lane] = Σ_k xT[xAt + k · L + lane] · rows[j · n + k]. */
    private void kernel(float[] xT, int xAt, int n) {
        int lanes = F.length();
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        FloatVector a8 = a0, a9 = a0, a10 = a0, a11 = a0, a12 = a0, a13 = a0, a14 = a0, a15 = a0;
        float[] w = rows;
        for (int k = 0; k < n; k++) {
            FloatVector xv = FloatVector.fromArray(F, xT, xAt + k * lanes);
            a0 = xv.fma(FloatVector.broadcast(F, w[k]), a0);
            a1 = xv.fma(FloatVector.broadcast(F, w[n + k]), a1);
            a2 = xv.fma(FloatVector.broadcast(F, w[2 * n + k]), a2);
            a3 = xv.fma(FloatVector.broadcast(F, w[3 * n + k]), a3);
            a4 = xv.fma(FloatVector.broadcast(F, w[4 * n + k]), a4);
            a5 = xv.fma(FloatVector.broadcast(F, w[5 * n + k]), a5);
            a6 = xv.fma(FloatVector.broadcast(F, w[6 * n + k]), a6);
            a7 = xv.fma(FloatVector.broadcast(F, w[7 * n + k]), a7);
            a8 = xv.fma(FloatVector.broadcast(F, w[8 * n + k]), a8);
            a9 = xv.fma(FloatVector.broadcast(F, w[9 * n + k]), a9);
            a10 = xv.fma(FloatVector.broadcast(F, w[10 * n + k]), a10);
            a11 = xv.fma(FloatVector.broadcast(F, w[11 * n + k]), a11);
            a12 = xv.fma(FloatVector.broadcast(F, w[12 * n + k]), a12);
            a13 = xv.fma(FloatVector.broadcast(F, w[13 * n + k]), a13);
            a14 = xv.fma(FloatVector.broadcast(F, w[14 * n + k]), a14);
            a15 = xv.fma(FloatVector.broadcast(F, w[15 * n + k]), a15);
        }
        a0.intoArray(tile, 0);
        a1.intoArray(tile, lanes);
        a2.intoArray(tile, 2 * lanes);
        a3.intoArray(tile, 3 * lanes);
        a4.intoArray(tile, 4 * lanes);
        a5.intoArray(tile, 5 * lanes);
        a6.intoArray(tile, 6 * lanes);
        a7.intoArray(tile, 7 * lanes);
        a8.intoArray(tile, 8 * lanes);
        a9.intoArray(tile, 9 * lanes);
        a10.intoArray(tile, 10 * lanes);
        a11.intoArray(tile, 11 * lanes);
        a12.intoArray(tile, 12 * lanes);
        a13.intoArray(tile, 13 * lanes);
        a14.intoArray(tile, 14 * lanes);
        a15.intoArray(tile, 15 * lanes);
    }
}
