package dev.canal.ggml.quant;

import dev.canal.engine.vector.LaneSums;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q5_0: blocks of 32 as {fp16 d, uint32 qh, 16 bytes of low nibbles (as Q4_0)}; element j's 5-bit value is its
 * nibble with bit j of qh on top, x = d * (q - 16).
 */
public final class Q5_0Format implements QuantFormat {
    static final int QK = 32;
    static final int BLOCK = 22;

    @Override
    public GgmlType type() {
        return GgmlType.Q5_0;
    }

    @Override
    public void dequantizeRow(MemorySegment src, long off, float[] dst, int dOff, int n) {
        for (int b = 0; b < n / QK; b++) {
            long p = off + (long) b * BLOCK;
            float d = Fp16.read(src, p);
            int qh = Q5Bits.read(src, p + 2);
            int y = dOff + b * QK;
            for (int j = 0; j < QK / 2; j++) {
                int q = Byte.toUnsignedInt(src.get(ValueLayout.JAVA_BYTE, p + 6 + j));
                int h0 = ((qh >>> j) << 4) & 0x10;
                int h1 = (qh >>> (j + 12)) & 0x10;
                dst[y + j] = (((q & 0x0F) | h0) - 16) * d;
                dst[y + j + QK / 2] = (((q >>> 4) | h1) - 16) * d;
            }
        }
    }

    @Override
    public void quantizeRow(float[] x, int xOff, MemorySegment dst, long off, int n) {
        for (int b = 0; b < n / QK; b++) {
            int base = xOff + b * QK;
            long p = off + (long) b * BLOCK;
            float amax = 0;
            float max = 0;
            for (int j = 0; j < QK; j++) {
                float v = x[base + j];
                if (amax < Math.abs(v)) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
            float d = max / -16;
            float id = d != 0 ? 1.0f / d : 0.0f;
            Fp16.write(dst, p, d);
            int qh = 0;
            for (int j = 0; j < QK / 2; j++) {
                int x0 = Math.min(31, Rounding.toInt8(x[base + j] * id + 16.5f)) & 0xFF;
                int x1 = Math.min(31, Rounding.toInt8(x[base + QK / 2 + j] * id + 16.5f)) & 0xFF;
                dst.set(ValueLayout.JAVA_BYTE, p + 6 + j, (byte) ((x0 & 0x0F) | ((x1 & 0x0F) << 4)));
                qh |= ((x0 & 0x10) >>> 4) << j;
                qh |= ((x1 & 0x10) >>> 4) << (j + QK / 2);
            }
            dst.set(Q5Bits.LE_INT, p + 2, qh);
        }
    }

    @Override
    public float dot(MemorySegment w, long off, float[] x, int xOff, int n) {
        byte[] high = new byte[QK];
        FloatVector acc = FloatVector.zero(Vec.F);
        for (int b = 0; b < n / QK; b++) {
            long p = off + (long) b * BLOCK;
            int xb = xOff + b * QK;
            Q5Bits.expand(Q5Bits.read(w, p + 2), high);
            FloatVector blockAcc = FloatVector.zero(Vec.F);
            for (int j = 0; j < QK / 2; j += Vec.L) {
                ByteVector q = ByteVector.fromMemorySegment(Vec.B, w, p + 6 + j, Vec.LE);
                ByteVector lo = q.and((byte) 0x0F).or(ByteVector.fromArray(Vec.B, high, j)).sub((byte) 16);
                ByteVector hi = q.lanewise(VectorOperators.LSHR, 4).or(ByteVector.fromArray(Vec.B, high, QK / 2 + j))
                        .sub((byte) 16);
                blockAcc = ((FloatVector) (lo)
                        .convertShape(VectorOperators.B2F, Vec.F, 0))
                        .fma(FloatVector.fromArray(Vec.F, x, xb + j), blockAcc);
                blockAcc = ((FloatVector) (hi)
                        .convertShape(VectorOperators.B2F, Vec.F, 0))
                        .fma(FloatVector.fromArray(Vec.F, x, xb + QK / 2 + j), blockAcc);
            }
            acc = blockAcc.fma(FloatVector.broadcast(acc.species(), Fp16.read(w, p)), acc);
        }
        return LaneSums.sum(acc);
    }
}
