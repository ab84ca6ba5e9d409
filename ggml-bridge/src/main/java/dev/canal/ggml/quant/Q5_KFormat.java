package dev.canal.ggml.quant;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q5_K: super-blocks of 256 as {fp16 d, fp16 dmin, 12 bytes of 6-bit scales and mins, 32 bytes qh, 128 bytes of
 * nibbles}. Nibbles as Q4_K; the fifth bit of element 64c + l (l < 32) is bit 2c of qh[l], of element 64c + 32 + l
 * bit 2c + 1. x = d * scale_j * q - dmin * min_j.
 */
public final class Q5_KFormat implements QuantFormat {
    static final int QK = KQuants.QK_K;
    static final int BLOCK = 176;

    @Override
    public GgmlType type() {
        return GgmlType.Q5_K;
    }

    @Override
    public void dequantizeRow(MemorySegment src, long off, float[] dst, int dOff, int n) {
        byte[] sc = new byte[12];
        for (int b = 0; b < n / QK; b++) {
            long p = off + (long) b * BLOCK;
            float d = Fp16.read(src, p);
            float min = Fp16.read(src, p + 2);
            MemorySegment.copy(src, ValueLayout.JAVA_BYTE, p + 4, sc, 0, 12);
            int y = dOff + b * QK;
            for (int c = 0; c < 4; c++) {
                float d1 = d * KQuants.scaleK4(2 * c, sc);
                float m1 = min * KQuants.minK4(2 * c, sc);
                float d2 = d * KQuants.scaleK4(2 * c + 1, sc);
                float m2 = min * KQuants.minK4(2 * c + 1, sc);
                int u1 = 1 << (2 * c);
                int u2 = 2 << (2 * c);
                long ql = p + 48 + 32L * c;
                for (int l = 0; l < 32; l++) {
                    int h = src.get(ValueLayout.JAVA_BYTE, p + 16 + l);
                    int q = src.get(ValueLayout.JAVA_BYTE, ql + l) & 0xFF;
                    dst[y + 64 * c + l] = d1 * ((q & 0xF) + ((h & u1) != 0 ? 16 : 0)) - m1;
                    dst[y + 64 * c + 32 + l] = d2 * ((q >> 4) + ((h & u2) != 0 ? 16 : 0)) - m2;
                }
            }
        }
    }

    @Override
    public void quantizeRow(float[] x, int xOff, MemorySegment dst, long off, int n) {
        byte[] levels = new byte[QK];
        byte[] laux = new byte[32];
        float[] weights = new float[32];
        float[] mins = new float[8];
        float[] scales = new float[8];
        int[] ls = new int[8];
        int[] lm = new int[8];
        byte[] packed = new byte[12];
        for (int b = 0; b < n / QK; b++) {
            int xb = xOff + b * QK;
            long p = off + (long) b * BLOCK;
            float maxScale = 0;
            float maxMin = 0;
            for (int j = 0; j < 8; ++j) {
                float sumX2 = 0;
                for (int l = 0; l < 32; ++l) sumX2 += x[xb + 32 * j + l] * x[xb + 32 * j + l];
                float avX = (float) Math.sqrt(sumX2 / 32);
                for (int l = 0; l < 32; ++l) weights[l] = avX + Math.abs(x[xb + 32 * j + l]);
                scales[j] = KQuants.makeQkx2Quants(32, 31, x, xb + 32 * j, weights, levels, 32 * j, mins, j, laux,
                        -0.5f, 0.1f, 15, false);
                if (scales[j] > maxScale) maxScale = scales[j];
                if (mins[j] > maxMin) maxMin = mins[j];
            }
            float invScale = maxScale > 0 ? 63.f / maxScale : 0.f;
            float invMin = maxMin > 0 ? 63.f / maxMin : 0.f;
            for (int j = 0; j < 8; ++j) {
                ls[j] = Math.min(63, Rounding.nearestInt(invScale * scales[j]) & 0xFF);
                lm[j] = Math.min(63, Rounding.nearestInt(invMin * mins[j]) & 0xFF);
            }
            KQuants.packScaleMin(ls, lm, packed);
            Fp16.write(dst, p, maxScale / 63.f);
            Fp16.write(dst, p + 2, maxMin / 63.f);
            MemorySegment.copy(packed, 0, dst, ValueLayout.JAVA_BYTE, p + 4, 12);
            float d = Fp16.read(dst, p);
            float dmin = Fp16.read(dst, p + 2);
            for (int j = 0; j < 8; ++j) {
                float dj = d * KQuants.scaleK4(j, packed);
                if (dj == 0) continue;
                float dm = dmin * KQuants.minK4(j, packed);
                for (int ii = 0; ii < 32; ++ii) {
                    int l = Rounding.nearestInt((x[xb + 32 * j + ii] + dm) / dj);
                    levels[32 * j + ii] = (byte) Math.max(0, Math.min(31, l));
                }
            }
            byte[] qh = new byte[32];
            int m1 = 1;
            int m2 = 2;
            for (int c = 0; c < 4; c++) {
                for (int j = 0; j < 32; ++j) {
                    int l1 = levels[64 * c + j];
                    if (l1 > 15) {
                        l1 -= 16;
                        qh[j] |= (byte) m1;
                    }
                    int l2 = levels[64 * c + j + 32];
                    if (l2 > 15) {
                        l2 -= 16;
                        qh[j] |= (byte) m2;
                    }
                    dst.set(ValueLayout.JAVA_BYTE, p + 48 + 32L * c + j, (byte) (l1 | (l2 << 4)));
                }
                m1 <<= 2;
                m2 <<= 2;
            }
            MemorySegment.copy(qh, 0, dst, ValueLayout.JAVA_BYTE, p + 16, 32);
        }
    }

    @Override
    public float dot(MemorySegment w, long off, float[] x, int xOff, int n) {
        FloatVector acc = FloatVector.zero(Vec.F);
        for (int b = 0; b < n / QK; b++) {
            long p = off + (long) b * BLOCK;
            float d = Fp16.read(w, p);
            float min = Fp16.read(w, p + 2);
            long scLo = w.get(KQuants.LE_LONG, p + 4);
            int scHi = w.get(KQuants.LE_INT, p + 12);
            for (int c = 0; c < 4; c++) {
                int xb = xOff + b * QK + 64 * c;
                long q = p + 48 + 32L * c;
                FloatVector qx1 = FloatVector.zero(Vec.F);
                FloatVector sx1 = FloatVector.zero(Vec.F);
                FloatVector qx2 = FloatVector.zero(Vec.F);
                FloatVector sx2 = FloatVector.zero(Vec.F);
                for (int l = 0; l < 32; l += Vec.L) {
                    ByteVector qv = ByteVector.fromMemorySegment(Vec.B, w, q + l, Vec.LE);
                    ByteVector hv = ByteVector.fromMemorySegment(Vec.B, w, p + 16 + l, Vec.LE);
                    // move bit 2c (resp. 2c+1) of each qh byte to bit 4 and OR it above the nibble
                    ByteVector h1 = hv.lanewise(VectorOperators.LSHR, 2 * c).and((byte) 1)
                            .lanewise(VectorOperators.LSHL, 4);
                    ByteVector h2 = hv.lanewise(VectorOperators.LSHR, 2 * c + 1).and((byte) 1)
                            .lanewise(VectorOperators.LSHL, 4);
                    FloatVector x1 = FloatVector.fromArray(Vec.F, x, xb + l);
                    FloatVector x2 = FloatVector.fromArray(Vec.F, x, xb + 32 + l);
                    qx1 = ((FloatVector) (qv.and((byte) 0x0F).or(h1))
                            .convertShape(VectorOperators.B2F, Vec.F, 0))
                            .fma(x1, qx1);
                    qx2 = ((FloatVector) (qv.lanewise(VectorOperators.LSHR, 4).or(h2))
                            .convertShape(VectorOperators.B2F, Vec.F, 0))
                            .fma(x2, qx2);
                    sx1 = sx1.add(x1);
                    sx2 = sx2.add(x2);
                }
                acc = qx1.fma(FloatVector.broadcast(acc.species(), d * KQuants.scaleK4(2 * c, scLo, scHi)), acc);
                acc = sx1.fma(FloatVector.broadcast(acc.species(), -min * KQuants.minK4(2 * c, scLo, scHi)), acc);
                acc = qx2.fma(FloatVector.broadcast(acc.species(), d * KQuants.scaleK4(2 * c + 1, scLo, scHi)), acc);
                acc = sx2.fma(FloatVector.broadcast(acc.species(), -min * KQuants.minK4(2 * c + 1, scLo, scHi)), acc);
            }
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }
}
