package dev.canal.engine.backend.cpu;

import static dev.canal.engine.backend.cpu.WeightLoads.F;

import dev.canal.engine.vector.LaneSums;

import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;

/** {@link MatKernel} for F32 weights, read straight from the mapped segment. */
final class F32MatKernel implements MatKernel {

    @Override
    public void rows1(float[] x, int xOff, int n, MemorySegment w, long o0, long o1, long o2, long o3,
                      float[] panel, float[] sums) {
        long w0 = o0 * n, w1 = o1 * n, w2 = o2 * n, w3 = o3 * n;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += F.length()) {
            FloatVector xv = FloatVector.fromArray(F, x, xOff + i);
            a0 = WeightLoads.f32(w, w0 + i).fma(xv, a0);
            a1 = WeightLoads.f32(w, w1 + i).fma(xv, a1);
            a2 = WeightLoads.f32(w, w2 + i).fma(xv, a2);
            a3 = WeightLoads.f32(w, w3 + i).fma(xv, a3);
        }
        float s0 = LaneSums.sum(a0), s1 = LaneSums.sum(a1);
        float s2 = LaneSums.sum(a2), s3 = LaneSums.sum(a3);
        for (; i < n; i++) {
            float xi = x[xOff + i];
            s0 = Math.fma(WeightLoads.scalarF32(w, w0 + i), xi, s0);
            s1 = Math.fma(WeightLoads.scalarF32(w, w1 + i), xi, s1);
            s2 = Math.fma(WeightLoads.scalarF32(w, w2 + i), xi, s2);
            s3 = Math.fma(WeightLoads.scalarF32(w, w3 + i), xi, s3);
        }
        sums[0] = s0;
        sums[1] = s1;
        sums[2] = s2;
        sums[3] = s3;
    }

    @Override
    public void rows4(float[] x, int xOff, int n, MemorySegment w, long o0, long o1, long o2, long o3,
                      float[] panel, float[] sums) {
        long w0 = o0 * n, w1 = o1 * n, w2 = o2 * n, w3 = o3 * n;
        int x0 = xOff, x1 = xOff + n, x2 = xOff + 2 * n, x3 = xOff + 3 * n;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += F.length()) {
            FloatVector v0 = WeightLoads.f32(w, w0 + i);
            FloatVector v1 = WeightLoads.f32(w, w1 + i);
            FloatVector v2 = WeightLoads.f32(w, w2 + i);
            FloatVector v3 = WeightLoads.f32(w, w3 + i);
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
        // stored and summed from the array: handing 16 vectors to a method C2 may not inline would box them
        int l = F.length();
        a00.intoArray(panel, 0);
        a01.intoArray(panel, l);
        a02.intoArray(panel, 2 * l);
        a03.intoArray(panel, 3 * l);
        a10.intoArray(panel, 4 * l);
        a11.intoArray(panel, 5 * l);
        a12.intoArray(panel, 6 * l);
        a13.intoArray(panel, 7 * l);
        a20.intoArray(panel, 8 * l);
        a21.intoArray(panel, 9 * l);
        a22.intoArray(panel, 10 * l);
        a23.intoArray(panel, 11 * l);
        a30.intoArray(panel, 12 * l);
        a31.intoArray(panel, 13 * l);
        a32.intoArray(panel, 14 * l);
        a33.intoArray(panel, 15 * l);
        LaneSums.sumEach(panel, 16, l, sums, 0);
        for (; i < n; i++) {
            float v0 = WeightLoads.scalarF32(w, w0 + i), v1 = WeightLoads.scalarF32(w, w1 + i);
            float v2 = WeightLoads.scalarF32(w, w2 + i), v3 = WeightLoads.scalarF32(w, w3 + i);
            tail(sums, 0, x[x0 + i], v0, v1, v2, v3);
            tail(sums, 4, x[x1 + i], v0, v1, v2, v3);
            tail(sums, 8, x[x2 + i], v0, v1, v2, v3);
            tail(sums, 12, x[x3 + i], v0, v1, v2, v3);
        }
    }

    static void tail(float[] sums, int at, float xi, float v0, float v1, float v2, float v3) {
        sums[at] = Math.fma(v0, xi, sums[at]);
        sums[at + 1] = Math.fma(v1, xi, sums[at + 1]);
        sums[at + 2] = Math.fma(v2, xi, sums[at + 2]);
        sums[at + 3] = Math.fma(v3, xi, sums[at + 3]);
    }
}
