package dev.canal.engine.backend.cpu;

import static dev.canal.engine.backend.cpu.WeightLoads.F;

import dev.canal.engine.vector.LaneSums;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/**
 * {@link MatKernel} for F16 weights and a single activation row that {@link #prescale} has multiplied by 2^112: each
 * half is read with {@link WeightLoads#f16Unbiased}, one vector op fewer than {@link F16MatKernel}, whose products it
 * reproduces bit for bit (both factors are scaled by exact powers of two; 1B model, 2048 × 8192 from the mapped
 * file, 1 thread: 5.96 → 6.59 GB/s). Only for one activation row: {@link #rows4} is never reached.
 */
final class F16PrescaledMatKernel implements MatKernel {
    /** Activations below this magnitude stay finite times 2^112. */
    private static final float LIMIT = 0x1p15f;

    /**
     * Whether x[0, n) can be prescaled: every element finite and below 2^15 in magnitude (activations far beyond that
     * take {@link F16MatKernel}). NaN and infinite activations go there too.
     */
    static boolean accepts(float[] x, int n) {
        FloatVector max = FloatVector.zero(F);
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += F.length()) max = max.max(FloatVector.fromArray(F, x, i).abs());
        float m = max.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) m = Math.max(m, Math.abs(x[i]));
        return m < LIMIT; // false for NaN
    }

    /** dst[0, n) = x[0, n) · 2^112, exactly. */
    static void prescale(float[] x, int n, float[] dst) {
        float bias = WeightLoads.HALF_TO_FLOAT_BIAS;
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += F.length()) FloatVector.fromArray(F, x, i).mul(bias).intoArray(dst, i);
        for (; i < n; i++) dst[i] = x[i] * bias;
    }

    @Override
    public void rows1(float[] x, int xOff, int n, MemorySegment w, long o0, long o1, long o2, long o3,
                      float[] panel, float[] sums) {
        long w0 = o0 * n, w1 = o1 * n, w2 = o2 * n, w3 = o3 * n;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += F.length()) {
            FloatVector xv = FloatVector.fromArray(F, x, xOff + i);
            a0 = WeightLoads.f16Unbiased(w, w0 + i).fma(xv, a0);
            a1 = WeightLoads.f16Unbiased(w, w1 + i).fma(xv, a1);
            a2 = WeightLoads.f16Unbiased(w, w2 + i).fma(xv, a2);
            a3 = WeightLoads.f16Unbiased(w, w3 + i).fma(xv, a3);
        }
        float s0 = LaneSums.sum(a0), s1 = LaneSums.sum(a1);
        float s2 = LaneSums.sum(a2), s3 = LaneSums.sum(a3);
        float unscale = 1 / WeightLoads.HALF_TO_FLOAT_BIAS;
        for (; i < n; i++) {
            float xi = x[xOff + i] * unscale; // the tail as F16MatKernel computes it
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

    @Override
    public void rows4(float[] x, int xOff, int n, MemorySegment w, long o0, long o1, long o2, long o3,
                      float[] panel, float[] sums) {
        throw new IllegalStateException("the prescaled F16 kernel takes one activation row; rows4 is unreachable");
    }
}
