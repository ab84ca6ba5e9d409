package dev.canal.engine.backend.cpu;

import static dev.canal.engine.backend.cpu.WeightLoads.F;

import dev.canal.engine.vector.LaneSums;

import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;

/**
 * {@link MatKernel} for BF16 weights. A single activation row (decode) converts in registers, as {@link F32MatKernel}
 * with another load (a separate class so that the load inlines: a shared kernel would make the load call
 * megamorphic and box the vectors); tiles of four rows use {@link DecodingMatKernel}.
 */
final class Bf16MatKernel implements MatKernel {
    private static final DecodingMatKernel PANELLED = new DecodingMatKernel(false);

    @Override
    public void rows1(float[] x, int xOff, int n, MemorySegment w, long o0, long o1, long o2, long o3,
                      float[] panel, float[] sums) {
        long w0 = o0 * n, w1 = o1 * n, w2 = o2 * n, w3 = o3 * n;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += F.length()) {
            FloatVector xv = FloatVector.fromArray(F, x, xOff + i);
            a0 = WeightLoads.bf16(w, w0 + i).fma(xv, a0);
            a1 = WeightLoads.bf16(w, w1 + i).fma(xv, a1);
            a2 = WeightLoads.bf16(w, w2 + i).fma(xv, a2);
            a3 = WeightLoads.bf16(w, w3 + i).fma(xv, a3);
        }
        float s0 = LaneSums.sum(a0), s1 = LaneSums.sum(a1);
        float s2 = LaneSums.sum(a2), s3 = LaneSums.sum(a3);
        for (; i < n; i++) {
            float xi = x[xOff + i];
            s0 = Math.fma(WeightLoads.scalarBf16(w, w0 + i), xi, s0);
            s1 = Math.fma(WeightLoads.scalarBf16(w, w1 + i), xi, s1);
            s2 = Math.fma(WeightLoads.scalarBf16(w, w2 + i), xi, s2);
            s3 = Math.fma(WeightLoads.scalarBf16(w, w3 + i), xi, s3);
        }
        sums[0] = s0;
        sums[1] = s1;
        sums[2] = s2;
        sums[3] = s3;
    }

    /** Tiles of four activation rows go through a decoded panel, which is faster there (see that class). */
    @Override
    public void rows4(float[] x, int xOff, int n, MemorySegment w, long o0, long o1, long o2, long o3,
                      float[] panel, float[] sums) {
        PANELLED.rows4(x, xOff, n, w, o0, o1, o2, o3, panel, sums);
    }
}
