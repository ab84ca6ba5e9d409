package dev.canal.ggml.quant;

import dev.canal.engine.vector.LaneSums;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q5_1: blocks of 32 as {fp16 d, fp16 m, uint32 qh, 16 bytes of low nibbles (as Q4_0)}; element j's 5-bit value
 * is its nibble with bit j of qh on top, x = d * q + m.
 */
public final class Q5_1Format implements QuantFormat {
    static final int QK = 32;
    static final int BLOCK = 24;

    @Override
    public GgmlType type() {
        return GgmlType.Q5_1;
    }

    @Override
    public void dequantizeRow(MemorySegment src, long off, float[] dst, int dOff, int n) {
        for (int b = 0; b < n / QK; b++) {
            long p = off + (long) b * BLOCK;
            float d = Fp16.read(src, p);
            float m = Fp16.read(src, p + 2);
            int qh = Q5Bits.read(src, p + 4);
            int y = dOff + b * QK;
            for (int j = 0; j < QK / 2; j++) {
                int q = Byte.toUnsignedInt(src.get(ValueLayout.JAVA_BYTE, p + 8 + j));
                int h0 = ((qh >>> j) << 4) & 0x10;
                int h1 = (qh >>> (j + 12)) & 0x10;
                dst[y + j] = ((q & 0x0F) | h0) * d + m;
                dst[y + j + QK / 2] = ((q >>> 4) | h1) * d + m;
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
            float d = (max - min) / 31;
            float id = d != 0 ? 1.0f / d : 0.0f;
            Fp16.write(dst, p, d);
            Fp16.write(dst, p + 2, min);
            int qh = 0;
            for (int j = 0; j < QK / 2; j++) {
                // ggml converts straight to uint8_t here, without the MIN(31, ...) of the other types
                int x0 = (int) ((x[base + j] - min) * id + 0.5f) & 0xFF;
                int x1 = (int) ((x[base + QK / 2 + j] - min) * id + 0.5f) & 0xFF;
                dst.set(ValueLayout.JAVA_BYTE, p + 8 + j, (byte) ((x0 & 0x0F) | ((x1 & 0x0F) << 4)));
                qh |= ((x0 & 0x10) >>> 4) << j;
                qh |= ((x1 & 0x10) >>> 4) << (j + QK / 2);
            }
            dst.set(Q5Bits.LE_INT, p + 4, qh);
        }
    }

    @Override
    public float dot(MemorySegment w, long off, float[] x, int xOff, int n) {
        byte[] high = new byte[QK];
        FloatVector acc = FloatVector.zero(Vec.F);
        for (int b = 0; b < n / QK; b++) {
            long p = off + (long) b * BLOCK;
            int xb = xOff + b * QK;
            Q5Bits.expand(Q5Bits.read(w, p + 4), high);
            FloatVector qx = FloatVector.zero(Vec.F);
            FloatVector sx = FloatVector.zero(Vec.F);
            for (int j = 0; j < QK / 2; j += Vec.L) {
                ByteVector q = ByteVector.fromMemorySegment(Vec.B, w, p + 8 + j, Vec.LE);
                ByteVector lo = q.and((byte) 0x0F).or(ByteVector.fromArray(Vec.B, high, j));
                ByteVector hi = q.lanewise(VectorOperators.LSHR, 4).or(ByteVector.fromArray(Vec.B, high, QK / 2 + j));
                FloatVector x0 = FloatVector.fromArray(Vec.F, x, xb + j);
                FloatVector x1 = FloatVector.fromArray(Vec.F, x, xb + QK / 2 + j);
                qx = ((FloatVector) (lo).convertShape(VectorOperators.B2F, Vec.F, 0)).fma(x0, qx);
                qx = ((FloatVector) (hi).convertShape(VectorOperators.B2F, Vec.F, 0)).fma(x1, qx);
                sx = sx.add(x0).add(x1);
            }
            acc = qx.fma(FloatVector.broadcast(acc.species(), Fp16.read(w, p)), acc);
            acc = sx.fma(FloatVector.broadcast(acc.species(), Fp16.read(w, p + 2)), acc);
        }
        return LaneSums.sum(acc);
    }
}
