package dev.canal.engine.backend.cpu;

import java.lang.foreign.MemorySegment;

/**
 * Dot products of activation rows with four weight rows, for one weight dtype. Four weight rows at a time give
 * four independent FMA chains even for a single activation row, and each loaded activation vector serves four
 * weight rows; the 4 × 4 tile additionally loads (and converts) each weight vector once for four activation rows.
 * Both methods run the same per-element arithmetic (one vector accumulator, lane reduction, FMA tail), so a result
 * does not depend on which tile computed it nor on how rows were split across threads.
 */
interface MatKernel {

    /**
     * sums[j] = x[xOff, xOff + n) · W[o_j] for j &lt; 4.
     *
     * @param n  the length of a row (weight cols)
     * @param o0    weight row indices (may repeat, to pad a partial block)
     * @param panel per-worker scratch of {@link DecodingMatKernel#PANEL} floats, for kernels that decode weights first
     *              or store their accumulators to sum their lanes ({@link dev.canal.engine.vector.LaneSums#sumEach})
     */
    void rows1(float[] x, int xOff, int n, MemorySegment w, long o0, long o1, long o2, long o3, float[] panel,
               float[] sums);

    /** sums[4r + j] = x[xOff + r·n, xOff + (r + 1)·n) · W[o_j] for r, j &lt; 4. */
    void rows4(float[] x, int xOff, int n, MemorySegment w, long o0, long o1, long o2, long o3, float[] panel,
               float[] sums);
}
