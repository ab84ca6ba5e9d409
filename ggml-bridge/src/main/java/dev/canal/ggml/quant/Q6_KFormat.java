package dev.canal.ggml.quant;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q6_K: super-blocks of 256 as {128 bytes ql (low nibbles), 64 bytes qh (2-bit high parts), 16 int8 scales, fp16 d}.
 * Each half of 128 elements uses 64 bytes of ql and 32 of qh: element l (l < 32) takes ql[l] low nibble and qh[l]
 * bits 0-1, l+32 ql[l+32] low and bits 2-3, l+64 ql[l] high and bits 4-5, l+96 ql[l+32] high and bits 6-7.
 * x = d * scale[e / 16] * (q - 32).
 */
public final class Q6_KFormat implements QuantFormat {
    static final int QK = KQuants.QK_K;
    static final int BLOCK = 210;

    @Override
    public GgmlType type() {
        return GgmlType.Q6_K;
    }

    @Override
    public void dequantizeRow(MemorySegment src, long off, float[] dst, int dOff, int n) {
        for (int b = 0; b < n / QK; b++) {
            long p = off + (long) b * BLOCK;
            float d = Fp16.read(src, p + 208);
            for (int half = 0; half < 2; half++) {
                long ql = p + 64L * half;
                long qh = p + 128 + 32L * half;
                long sc = p + 192 + 8L * half;
                int y = dOff + b * QK + 128 * half;
                for (int l = 0; l < 32; ++l) {
                    int is = l / 16;
                    int a = src.get(ValueLayout.JAVA_BYTE, ql + l) & 0xFF;
                    int c = src.get(ValueLayout.JAVA_BYTE, ql + 32 + l) & 0xFF;
                    int h = src.get(ValueLayout.JAVA_BYTE, qh + l) & 0xFF;
                    int q1 = ((a & 0xF) | ((h & 3) << 4)) - 32;
                    int q2 = ((c & 0xF) | (((h >> 2) & 3) << 4)) - 32;
                    int q3 = ((a >> 4) | (((h >> 4) & 3) << 4)) - 32;
                    int q4 = ((c >> 4) | (((h >> 6) & 3) << 4)) - 32;
                    dst[y + l] = d * src.get(ValueLayout.JAVA_BYTE, sc + is) * q1;
                    dst[y + l + 32] = d * src.get(ValueLayout.JAVA_BYTE, sc + is + 2) * q2;
                    dst[y + l + 64] = d * src.get(ValueLayout.JAVA_BYTE, sc + is + 4) * q3;
                    dst[y + l + 96] = d * src.get(ValueLayout.JAVA_BYTE, sc + is + 6) * q4;
                }
            }
        }
    }

    @Override
    public void quantizeRow(float[] x, int xOff, MemorySegment dst, long off, int n) {
        byte[] levels = new byte[QK];
        float[] scales = new float[16];
        byte[] sc = new byte[16];
        for (int b = 0; b < n / QK; b++) {
            int xb = xOff + b * QK;
            long p = off + (long) b * BLOCK;
            float maxScale = 0;
            float maxAbsScale = 0;
            for (int ib = 0; ib < 16; ++ib) {
                float scale = KQuants.makeQxQuants(16, 32, x, xb + 16 * ib, levels, 16 * ib);
                scales[ib] = scale;
                float abs = Math.abs(scale);
                if (abs > maxAbsScale) {
                    maxAbsScale = abs;
                    maxScale = scale;
                }
            }
            if (maxAbsScale < KQuants.GROUP_MAX_EPS) {
                dst.asSlice(p, BLOCK).fill((byte) 0);
                continue;
            }
            float iscale = -128.f / maxScale;
            Fp16.write(dst, p + 208, 1 / iscale);
            for (int ib = 0; ib < 16; ++ib) {
                sc[ib] = (byte) Math.min(127, Rounding.nearestInt(iscale * scales[ib]));
            }
            float d0 = Fp16.read(dst, p + 208);
            for (int j = 0; j < 16; ++j) {
                float d = d0 * sc[j];
                if (d == 0) continue;
                for (int ii = 0; ii < 16; ++ii) {
                    int l = Rounding.nearestInt(x[xb + 16 * j + ii] / d);
                    levels[16 * j + ii] = (byte) (Math.max(-32, Math.min(31, l)) + 32);
                }
            }
            for (int half = 0; half < 2; half++) {
                int j = 128 * half;
                long ql = p + 64L * half;
                long qh = p + 128 + 32L * half;
                for (int l = 0; l < 32; ++l) {
                    int q1 = levels[j + l] & 0xF;
                    int q2 = levels[j + l + 32] & 0xF;
                    int q3 = levels[j + l + 64] & 0xF;
                    int q4 = levels[j + l + 96] & 0xF;
                    dst.set(ValueLayout.JAVA_BYTE, ql + l, (byte) (q1 | (q3 << 4)));
                    dst.set(ValueLayout.JAVA_BYTE, ql + l + 32, (byte) (q2 | (q4 << 4)));
                    int h = (levels[j + l] >> 4) | ((levels[j + l + 32] >> 4) << 2)
                            | ((levels[j + l + 64] >> 4) << 4) | ((levels[j + l + 96] >> 4) << 6);
                    dst.set(ValueLayout.JAVA_BYTE, qh + l, (byte) h);
                }
            }
            MemorySegment.copy(sc, 0, dst, ValueLayout.JAVA_BYTE, p + 192, 16);
        }
    }

    @Override
    public float dot(MemorySegment w, long off, float[] x, int xOff, int n) {
        FloatVector acc = FloatVector.zero(Vec.F);
        for (int b = 0; b < n / QK; b++) {
            long p = off + (long) b * BLOCK;
            float d = Fp16.read(w, p + 208);
            for (int half = 0; half < 2; half++) {
                long ql = p + 64L * half;
                long qh = p + 128 + 32L * half;
                long sc = p + 192 + 8L * half;
                int xb = xOff + b * QK + 128 * half;
                // Vec.L <= 16 divides 16, so a chunk never crosses a 16-element scale boundary
                for (int l = 0; l < 32; l += Vec.L) {
                    int is = l / 16;
                    ByteVector a = ByteVector.fromMemorySegment(Vec.B, w, ql + l, Vec.LE);
                    ByteVector c = ByteVector.fromMemorySegment(Vec.B, w, ql + 32 + l, Vec.LE);
                    ByteVector h = ByteVector.fromMemorySegment(Vec.B, w, qh + l, Vec.LE);
                    ByteVector q1 = a.and((byte) 0xF).or(h.and((byte) 3).lanewise(VectorOperators.LSHL, 4))
                            .sub((byte) 32);
                    ByteVector q2 = c.and((byte) 0xF).or(h.lanewise(VectorOperators.LSHR, 2).and((byte) 3)
                            .lanewise(VectorOperators.LSHL, 4)).sub((byte) 32);
                    ByteVector q3 = a.lanewise(VectorOperators.LSHR, 4).or(h.lanewise(VectorOperators.LSHR, 4)
                            .and((byte) 3).lanewise(VectorOperators.LSHL, 4)).sub((byte) 32);
                    ByteVector q4 = c.lanewise(VectorOperators.LSHR, 4).or(h.lanewise(VectorOperators.LSHR, 6)
                            .lanewise(VectorOperators.LSHL, 4)).sub((byte) 32);
                    float s1 = d * w.get(ValueLayout.JAVA_BYTE, sc + is);
                    float s2 = d * w.get(ValueLayout.JAVA_BYTE, sc + is + 2);
                    float s3 = d * w.get(ValueLayout.JAVA_BYTE, sc + is + 4);
                    float s4 = d * w.get(ValueLayout.JAVA_BYTE, sc + is + 6);
                    FloatVector f1 = (FloatVector) q1.convertShape(VectorOperators.B2F, Vec.F, 0);
                    FloatVector f2 = (FloatVector) q2.convertShape(VectorOperators.B2F, Vec.F, 0);
                    FloatVector f3 = (FloatVector) q3.convertShape(VectorOperators.B2F, Vec.F, 0);
                    FloatVector f4 = (FloatVector) q4.convertShape(VectorOperators.B2F, Vec.F, 0);
                    acc = f1.mul(FloatVector.fromArray(Vec.F, x, xb + l)).fma(FloatVector.broadcast(Vec.F, s1), acc);
                    acc = f2.mul(FloatVector.fromArray(Vec.F, x, xb + l + 32)).fma(FloatVector.broadcast(Vec.F, s2), acc);
                    acc = f3.mul(FloatVector.fromArray(Vec.F, x, xb + l + 64)).fma(FloatVector.broadcast(Vec.F, s3), acc);
                    acc = f4.mul(FloatVector.fromArray(Vec.F, x, xb + l + 96)).fma(FloatVector.broadcast(Vec.F, s4), acc);
                }
            }
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }
}
