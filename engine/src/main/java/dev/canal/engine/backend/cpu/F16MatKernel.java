package dev.canal.engine.backend.cpu;

import static dev.canal.engine.backend.cpu.WeightLoads.F;

import dev.canal.engine.vector.LaneSums;

import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;

/**
 * {@link MatKernel} for F16 weights. A single activation row (decode, memory-bound) converts in registers with
 * {@link WeightLoads#f16Finite}, four rows interleaved so that the loads of four weight streams are in flight at once;
 * the exact conversion is too large to inline four times (C2 would box the vectors) and, through an L1 panel, cost
 * half the bandwidth. Tiles of four activation rows use {@link DecodingMatKernel}, which converts exactly. A decode
 * row usually goes to {@link F16PrescaledMatKernel} instead (one op fewer per vector); this one takes the rows it
 * refuses and the leftover rows of short batches.
 */
final class F16MatKernel implements MatKernel {
    private static final DecodingMatKernel PANELLED = new DecodingMatKernel(true);

    @Override
    public void rows1(float[] x, int xOff, int n, MemorySegment w, long o0, long o1, long o2, long o3,
                      float[] panel, float[] sums) {
        long w0 = o0 * n, w1 = o1 * n, w2 = o2 * n, w3 = o3 * n;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += F.length()) {
            FloatVector xv = FloatVector.fromArray(F, x, xOff + i);
            a0 = WeightLoads.f16Finite(w, w0 + i).fma(xv, a0);
            a1 = WeightLoads.f16Finite(w, w1 + i).fma(xv, a1);
            a2 = WeightLoads.f16Finite(w, w2 + i).fma(xv, a2);
            a3 = WeightLoads.f16Finite(w, w3 + i).fma(xv, a3);
        }
        float s0 = LaneSums.sum(a0), s1 = LaneSums.sum(a1);
        float s2 = LaneSums.sum(a2), s3 = LaneSums.sum(a3);
        for (; i < n; i++) {
            float xi = x[xOff + i];
            s0 = Math.fma(WeightLoads.scalarF16(w, w0 + i), xi, s0);
            s1 = Math.fma(WeightLoads.scalarF16(w, w1 + i), xi, s1);
            s2 = Math.fma(WeightLoads.scalarF16(w, w2 + i), xi, s2);
            s3 = Math.fma(WeightLoads.scalarF16(w, w3 + i), xi, s3);
        }
        sums[0] = s0;
        sums[1] = s1;
        sums[2] = s2;
        sums[3] = s3;
    }

    /** Tiles of four activation rows go through a decoded panel: 16 FMAs per converted vector amortise it. */
    @Override
    public void rows4(float[] x, int xOff, int n, MemorySegment w, long o0, long o1, long o2, long o3,
                      float[] panel, float[] sums) {
        PANELLED.rows4(x, xOff, n, w, o0, o1, o2, o3, panel, sums);
    }
}
