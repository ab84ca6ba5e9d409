package dev.canal.engine.backend.cpu;

import static dev.canal.engine.backend.cpu.WeightLoads.F;

/**
 * out = x · Wᵀ for a short prompt (a chat turn: 8 to {@link MatMul#PANEL_ROWS} − 1 rows), where {@link PanelGemm}'s
 * per-weight work — transposing every weight into its k-major panel — cost three times the multiplications (an
 * 11-token prompt took as long as 8 decode steps). Here the activations are transposed instead, once per product
 * ({@link #transpose}: blocks of X vectors of rows, k-major, one float lane per activation row), and the weight rows
 * are used where they are decoded: for each k, X vectors of activation rows meet W weight values broadcast from as
 * many decoded rows ({@link SkinnyKernels}); no weight transpose. Each output is the sum over k in order, whichever
 * worker or tile computes it.
 */
final class SkinnyGemm {

    /**
     * A register tile: {@code vectors} vectors of activation rows × {@code width} weight rows, 16 to 24 accumulators.
     * The tile is picked by the number of rows ({@link #of}) so that the last block wastes the fewest lanes; wider
     * tiles load less per FMA (single thread, 2048 × 384 F32, GFLOP/s: 32 rows 22 → 37 with 2 × 12; 48 rows 23 → 45
     * with 3 × 8; 64 rows 20 → 50 and 128 rows 23 → 46 with 4 × 6, against PanelGemm's 28 and 35).
     */
    enum Shape {
        ONE(1, 16), TWO(2, 12), THREE(3, 8), FOUR(4, 6);

        final int vectors;
        final int width;

        Shape(int vectors, int width) {
            this.vectors = vectors;
            this.width = width;
        }

        /** The tile for {@code count} activation rows: as many vectors as the rows fill, at most four. */
        static Shape of(int count) {
            int vectors = Math.min(4, (count + F.length() - 1) / F.length());
            return values()[Math.max(1, vectors) - 1];
        }

        /** Activation rows per block. */
        int rows() {
            return vectors * F.length();
        }

        void multiply(float[] xT, int xAt, float[] w, int n, float[] tile) {
            switch (this) {
                case ONE -> SkinnyKernels.tile1x16(xT, xAt, w, n, tile);
                case TWO -> SkinnyKernels.tile2x12(xT, xAt, w, n, tile);
                case THREE -> SkinnyKernels.tile3x8(xT, xAt, w, n, tile);
                case FOUR -> SkinnyKernels.tile4x6(xT, xAt, w, n, tile);
            }
        }
    }

    /** The block's weight rows, decoded: width × n floats, grown to the largest seen. */
    private float[] rows = new float[0];
    private final float[] tile = new float[24 * F.length()];

    /**
     * Columns [kStart, kEnd) of activation rows [0, count) of x (n floats each) as
     * {@code xT[(b · n + k) · R + i] = x[b · R + i, k]} with R = {@code shape.rows()}, rows past count zero;
     * {@code xT} must hold {@link #transposedLength} floats. Disjoint column ranges write disjoint parts of xT, so
     * the workers split the transpose by columns.
     */
    static void transpose(float[] x, int count, int n, Shape shape, float[] xT, int kStart, int kEnd) {
        int per = shape.rows();
        int blocks = (count + per - 1) / per;
        for (int b = 0; b < blocks; b++) {
            int base = b * n * per;
            for (int i = 0; i < per; i++) {
                int r = b * per + i;
                if (r < count) {
                    int src = r * n;
                    for (int k = kStart; k < kEnd; k++) xT[base + k * per + i] = x[src + k];
                } else {
                    for (int k = kStart; k < kEnd; k++) xT[base + k * per + i] = 0f;
                }
            }
        }
    }

    static int transposedLength(int count, int n, Shape shape) {
        int per = shape.rows();
        return (count + per - 1) / per * per * n;
    }

    /**
     * out[r · outCols + o] = x[r] · W[o] for r &lt; count and start ≤ o &lt; end, from x {@link #transpose}d for
     * {@code shape}.
     */
    void multiply(float[] xT, int count, Shape shape, CpuWeight w, float[] out, int outCols, int start, int end) {
        int n = w.columns();
        int width = shape.width;
        int per = shape.rows();
        if (rows.length < width * n) rows = new float[width * n];
        int blocks = (count + per - 1) / per;
        for (int o = start; o < end; o += width) {
            int valid = Math.min(width, end - o);
            for (int j = 0; j < width; j++) {
                // a partial last block repeats its last row; the extra sums are computed and dropped
                w.decodeRow(o + Math.min(j, valid - 1), rows, j * n);
            }
            for (int b = 0; b < blocks; b++) {
                shape.multiply(xT, b * n * per, rows, n, tile);
                int first = b * per;
                int last = Math.min(count, first + per);
                for (int j = 0; j < valid; j++) {
                    for (int r = first; r < last; r++) out[r * outCols + o + j] = tile[j * per + r - first];
                }
            }
        }
    }
}
