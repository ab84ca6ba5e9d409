package dev.canal.ggml.quant;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/** F16: little-endian IEEE half, rounded to nearest even on the way in. */
public final class F16Format implements QuantFormat {
    @Override
    public GgmlType type() {
        return GgmlType.F16;
    }

    @Override
    public void dequantizeRow(MemorySegment src, long off, float[] dst, int dOff, int n) {
        for (int i = 0; i < n; i++) dst[dOff + i] = Fp16.read(src, off + 2L * i);
    }

    @Override
    public void quantizeRow(float[] x, int xOff, MemorySegment dst, long off, int n) {
        for (int i = 0; i < n; i++) Fp16.write(dst, off + 2L * i, x[xOff + i]);
    }

    @Override
    public float dot(MemorySegment w, long off, float[] x, int xOff, int n) {
        FloatVector acc = FloatVector.zero(Vec.F);
        int i = 0;
        for (; i <= n - Vec.L; i += Vec.L) {
            acc = HalfVectors.fp16(w, off + 2L * i).fma(Vec.x(x, xOff + i), acc);
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) s += Fp16.read(w, off + 2L * i) * x[xOff + i];
        return s;
    }
}
