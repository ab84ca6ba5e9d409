package dev.canal.ggml.quant;

import dev.canal.engine.vector.LaneSums;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** F32: little-endian IEEE single. */
public final class F32Format implements QuantFormat {
    static final ValueLayout.OfFloat LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(Vec.LE);

    @Override
    public GgmlType type() {
        return GgmlType.F32;
    }

    @Override
    public void dequantizeRow(MemorySegment src, long off, float[] dst, int dOff, int n) {
        for (int i = 0; i < n; i++) dst[dOff + i] = src.get(LE, off + 4L * i);
    }

    @Override
    public void quantizeRow(float[] x, int xOff, MemorySegment dst, long off, int n) {
        for (int i = 0; i < n; i++) dst.set(LE, off + 4L * i, x[xOff + i]);
    }

    @Override
    public float dot(MemorySegment w, long off, float[] x, int xOff, int n) {
        FloatVector acc = FloatVector.zero(Vec.F);
        int i = 0;
        for (; i <= n - Vec.L; i += Vec.L) {
            acc = FloatVector.fromMemorySegment(Vec.F, w, off + 4L * i, Vec.LE)
                    .fma(FloatVector.fromArray(Vec.F, x, xOff + i), acc);
        }
        float s = LaneSums.sum(acc);
        for (; i < n; i++) s += w.get(LE, off + 4L * i) * x[xOff + i];
        return s;
    }
}
