package dev.canal.ggml.quant;

import dev.canal.engine.vector.LaneSums;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Q4_1: blocks of 32 as {fp16 d, fp16 m, 16 bytes of nibbles (as Q4_0)}, x = d * nibble + m. */
public final class Q4_1Format implements QuantFormat {
    static final int QK = 32;
    static final int BLOCK = 20;

    @Override
    public GgmlType type() {
        return GgmlType.Q4_1;
    }

    @Override
    public void dequantizeRow(MemorySegment src, long off, float[] dst, int dOff, int n) {
        for (int b = 0; b < n / QK; b++) {
            long p = off + (long) b * BLOCK;
            float d = Fp16.read(src, p);
            float m = Fp16.read(src, p + 2);
            int y = dOff + b * QK;
            for (int j = 0; j < QK / 2; j++) {
                int q = Byte.toUnsignedInt(src.get(ValueLayout.JAVA_BYTE, p + 4 + j));
                dst[y + j] = (q & 0x0F) * d + m;
                dst[y + j + QK / 2] = (q >>> 4) * d + m;
            }
        }
    }

    @Override
    public void quantizeRow(float[] x, int xOff, MemorySegment dst, long off, int n) {
        for (int b = 0; b < n / QK; b++) {
            int base = xOff + b * QK;
            long p = off + (long) b * BLOCK;
            float min = Float.MAX_VALUE;
            float max = -Float.MAX_VALUE;
            for (int j = 0; j < QK; j++) {
                float v = x[base + j];
                if (v < min) min = v;
                if (v > max) max = v;
            }
            float d = (max - min) / 15;
            float id = d != 0 ? 1.0f / d : 0.0f;
            Fp16.write(dst, p, d);
            Fp16.write(dst, p + 2, min);
            for (int j = 0; j < QK / 2; j++) {
                int lo = Math.min(15, Rounding.toInt8((x[base + j] - min) * id + 0.5f)) & 0xFF;
                int hi = Math.min(15, Rounding.toInt8((x[base + QK / 2 + j] - min) * id + 0.5f)) & 0xFF;
                dst.set(ValueLayout.JAVA_BYTE, p + 4 + j, (byte) (lo | (hi << 4)));
            }
        }
    }

    @Override
    public float dot(MemorySegment w, long off, float[] x, int xOff, int n) {
        FloatVector acc = FloatVector.zero(Vec.F);
        for (int b = 0; b < n / QK; b++) {
            long p = off + (long) b * BLOCK;
            int xb = xOff + b * QK;
            FloatVector qx = FloatVector.zero(Vec.F);
            FloatVector sx = FloatVector.zero(Vec.F);
            for (int j = 0; j < QK / 2; j += Vec.L) {
                ByteVector q = ByteVector.fromMemorySegment(Vec.B, w, p + 4 + j, Vec.LE);
                FloatVector x0 = FloatVector.fromArray(Vec.F, x, xb + j);
                FloatVector x1 = FloatVector.fromArray(Vec.F, x, xb + QK / 2 + j);
                qx = ((FloatVector) (q.and((byte) 0x0F)).convertShape(VectorOperators.B2F, Vec.F, 0)).fma(x0, qx);
                qx = ((FloatVector) (q.lanewise(VectorOperators.LSHR, 4))
                        .convertShape(VectorOperators.B2F, Vec.F, 0))
                        .fma(x1, qx);
                sx = sx.add(x0).add(x1);
            }
            // sum(d*q + m) * x = d * sum(q*x) + m * sum(x)
            acc = qx.fma(FloatVector.broadcast(acc.species(), Fp16.read(w, p)), acc);
            acc = sx.fma(FloatVector.broadcast(acc.species(), Fp16.read(w, p + 2)), acc);
        }
        return LaneSums.sum(acc);
    }
}
