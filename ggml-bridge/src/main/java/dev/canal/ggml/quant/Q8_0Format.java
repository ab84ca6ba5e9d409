package dev.canal.ggml.quant;

import dev.canal.engine.vector.LaneSums;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Q8_0: blocks of 32 as {fp16 d, int8 q[32]}, x = d * q. */
public final class Q8_0Format implements QuantFormat {
    static final int QK = 32;
    static final int BLOCK = 34;

    @Override
    public GgmlType type() {
        return GgmlType.Q8_0;
    }

    /** Vectorized: prefill decodes every weight once per product, so this runs over the whole model each time. */
    @Override
    public void dequantizeRow(MemorySegment src, long off, float[] dst, int dOff, int n) {
        for (int b = 0; b < n / QK; b++) {
            long p = off + (long) b * BLOCK;
            FloatVector d = FloatVector.broadcast(Vec.F, Fp16.read(src, p));
            int y = dOff + b * QK;
            for (int j = 0; j < QK; j += Vec.L) {
                ((FloatVector) ByteVector.fromMemorySegment(Vec.B, src, p + 2 + j, Vec.LE)
                        .convertShape(VectorOperators.B2F, Vec.F, 0)).mul(d).intoArray(dst, y + j);
            }
        }
    }

    @Override
    public void quantizeRow(float[] x, int xOff, MemorySegment dst, long off, int n) {
        for (int b = 0; b < n / QK; b++) {
            int base = xOff + b * QK;
            long p = off + (long) b * BLOCK;
            float amax = 0;
            for (int j = 0; j < QK; j++) {
                float a = Math.abs(x[base + j]);
                amax = amax > a ? amax : a;
            }
            float d = amax / 127;
            float id = d != 0 ? 1.0f / d : 0.0f;
            Fp16.write(dst, p, d);
            for (int j = 0; j < QK; j++) {
                dst.set(ValueLayout.JAVA_BYTE, p + 2 + j, (byte) Rounding.roundf(x[base + j] * id));
            }
        }
    }

    @Override
    public float dot(MemorySegment w, long off, float[] x, int xOff, int n) {
        FloatVector acc = FloatVector.zero(Vec.F);
        for (int b = 0; b < n / QK; b++) {
            long p = off + (long) b * BLOCK;
            int xb = xOff + b * QK;
            FloatVector blockAcc = FloatVector.zero(Vec.F);
            for (int j = 0; j < QK; j += Vec.L) {
                blockAcc = ((FloatVector) (ByteVector.fromMemorySegment(Vec.B, w, p + 2 + j, Vec.LE))
                        .convertShape(VectorOperators.B2F, Vec.F, 0))
                        .fma(FloatVector.fromArray(Vec.F, x, xb + j), blockAcc);
            }
            acc = blockAcc.fma(FloatVector.broadcast(acc.species(), Fp16.read(w, p)), acc);
        }
        return LaneSums.sum(acc);
    }
}
