package dev.canal.engine.backend.cpu;

import static dev.canal.engine.backend.cpu.WeightLoads.F;

import dev.canal.engine.vector.LaneSums;

import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;

/**
 * The four-row tile of {@link MatKernel} for 16-bit weights that first decodes them chunk by chunk (four rows × {@link #CHUNK} columns)
 * into a per-worker float panel in L1 and takes the products from there. Used for F16 and BF16 tiles of four
 * activation rows, where 16 FMAs per decoded vector make the panel cheaper than converting in registers (and F16's
 * exact conversion is too large to inline four times into a kernel, see {@link WeightLoads#decodeF16}). The
 * accumulators carry over from chunk to chunk, so the arithmetic per element is the same as the direct kernels'.
 */
final class DecodingMatKernel {
    /** Columns decoded per step; a multiple of every vector length (up to 2048-bit vectors). */
    static final int CHUNK = 256;
    /** Floats of panel a worker must provide. */
    static final int PANEL = 4 * CHUNK;

    private final boolean f16;

    /** A kernel for F16 ({@code f16}) or BF16 weights. */
    DecodingMatKernel(boolean f16) {
        this.f16 = f16;
    }

    /** As {@link MatKernel#rows4}: sums[4r + j] = x row r · W[o_j]. */
    void rows4(float[] x, int xOff, int n, MemorySegment w, long o0, long o1, long o2, long o3,
                      float[] panel, float[] sums) {
        long w0 = o0 * n, w1 = o1 * n, w2 = o2 * n, w3 = o3 * n;
        int x0 = xOff, x1 = xOff + n, x2 = xOff + 2 * n, x3 = xOff + 3 * n;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        int bound = F.loopBound(n);
        for (int c = 0; c < bound; c += CHUNK) {
            int len = Math.min(CHUNK, bound - c);
            decode4(w, w0 + c, w1 + c, w2 + c, w3 + c, len, panel);
            for (int i = 0; i < len; i += F.length()) {
                FloatVector v0 = FloatVector.fromArray(F, panel, i);
                FloatVector v1 = FloatVector.fromArray(F, panel, CHUNK + i);
                FloatVector v2 = FloatVector.fromArray(F, panel, 2 * CHUNK + i);
                FloatVector v3 = FloatVector.fromArray(F, panel, 3 * CHUNK + i);
                FloatVector xv = FloatVector.fromArray(F, x, x0 + c + i);
                a00 = v0.fma(xv, a00);
                a01 = v1.fma(xv, a01);
                a02 = v2.fma(xv, a02);
                a03 = v3.fma(xv, a03);
                xv = FloatVector.fromArray(F, x, x1 + c + i);
                a10 = v0.fma(xv, a10);
                a11 = v1.fma(xv, a11);
                a12 = v2.fma(xv, a12);
                a13 = v3.fma(xv, a13);
                xv = FloatVector.fromArray(F, x, x2 + c + i);
                a20 = v0.fma(xv, a20);
                a21 = v1.fma(xv, a21);
                a22 = v2.fma(xv, a22);
                a23 = v3.fma(xv, a23);
                xv = FloatVector.fromArray(F, x, x3 + c + i);
                a30 = v0.fma(xv, a30);
                a31 = v1.fma(xv, a31);
                a32 = v2.fma(xv, a32);
                a33 = v3.fma(xv, a33);
            }
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
        for (int i = bound; i < n; i++) {
            float v0 = scalar(w, w0 + i), v1 = scalar(w, w1 + i);
            float v2 = scalar(w, w2 + i), v3 = scalar(w, w3 + i);
            F32MatKernel.tail(sums, 0, x[x0 + i], v0, v1, v2, v3);
            F32MatKernel.tail(sums, 4, x[x1 + i], v0, v1, v2, v3);
            F32MatKernel.tail(sums, 8, x[x2 + i], v0, v1, v2, v3);
            F32MatKernel.tail(sums, 12, x[x3 + i], v0, v1, v2, v3);
        }
    }

    private float scalar(MemorySegment w, long index) {
        return f16 ? WeightLoads.scalarF16(w, index) : WeightLoads.scalarBf16(w, index);
    }

    private void decode4(MemorySegment w, long i0, long i1, long i2, long i3, int len, float[] panel) {
        if (f16) {
            WeightLoads.decodeF16(w, i0, panel, 0, len);
            WeightLoads.decodeF16(w, i1, panel, CHUNK, len);
            WeightLoads.decodeF16(w, i2, panel, 2 * CHUNK, len);
            WeightLoads.decodeF16(w, i3, panel, 3 * CHUNK, len);
        } else {
            WeightLoads.decodeBf16(w, i0, panel, 0, len);
            WeightLoads.decodeBf16(w, i1, panel, CHUNK, len);
            WeightLoads.decodeBf16(w, i2, panel, 2 * CHUNK, len);
            WeightLoads.decodeBf16(w, i3, panel, 3 * CHUNK, len);
        }
    }
}
