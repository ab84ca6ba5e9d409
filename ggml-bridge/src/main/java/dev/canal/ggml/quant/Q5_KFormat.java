package dev.canal.ggml.quant;

import dev.canal.engine.vector.LaneSums;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
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
    /** Per-call scratch for a block's 8 scales and 8 mins as floats: a vector store of L <= 16 lanes at 8 fits. */
    private static final int SCALES_SCRATCH = 8 + 16;

    @Override
    public GgmlType type() {
        return GgmlType.Q5_K;
    }

    /**
     * Vectorized (prefill decodes every weight once per product), with ggml's float operations per element:
     * (d * scale) * q - dmin * min, a multiply then a subtraction, never fused, so the floats are ggml's.
     */
    @Override
    public void dequantizeRow(MemorySegment src, long off, float[] dst, int dOff, int n) {
        float[] sm = new float[SCALES_SCRATCH];
        for (int b = 0; b < n / QK; b++) {
            long p = off + (long) b * BLOCK;
            long scLo = src.get(KQuants.LE_LONG, p + 4);
            int scHi = src.get(KQuants.LE_INT, p + 12);
            // sm[j] = d * scale_j, sm[8 + j] = dmin * min_j (see Q4_KFormat)
            KQuants.scalesAndMins(scLo, scHi, Fp16.read(src, p), Fp16.read(src, p + 2), sm);
            int y = dOff + b * QK;
            for (int c = 0; c < 4; c++) {
                FloatVector d1 = FloatVector.broadcast(Vec.F, sm[2 * c]);
                FloatVector m1 = FloatVector.broadcast(Vec.F, sm[8 + 2 * c]);
                FloatVector d2 = FloatVector.broadcast(Vec.F, sm[2 * c + 1]);
                FloatVector m2 = FloatVector.broadcast(Vec.F, sm[9 + 2 * c]);
                long ql = p + 48 + 32L * c;
                int yc = y + 64 * c;
                for (int l = 0; l < 32; l += Vec.L) {
                    IntVector qv = (IntVector) ByteVector.fromMemorySegment(Vec.B, src, ql + l, Vec.LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, Vec.I, 0);
                    // bits 2c and 2c+1 of qh, moved down to bits 0 and 1
                    IntVector hv = ((IntVector) ByteVector.fromMemorySegment(Vec.B, src, p + 16 + l, Vec.LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, Vec.I, 0))
                            .lanewise(VectorOperators.LSHR, 2 * c);
                    ((FloatVector) qv.and(0x0F).or(hv.lanewise(VectorOperators.LSHL, 4).and(0x10))
                            .convert(VectorOperators.I2F, 0)).mul(d1).sub(m1).intoArray(dst, yc + l);
                    ((FloatVector) qv.lanewise(VectorOperators.LSHR, 4).or(hv.lanewise(VectorOperators.LSHL, 3)
                            .and(0x10)).convert(VectorOperators.I2F, 0)).mul(d2).sub(m2).intoArray(dst, yc + 32 + l);
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

    /**
     * As {@link Q4_KFormat#dot}: per sub-block the weights are rebuilt as fma(q, d * scale, -dmin * min) and
     * multiplied into four independent sums.
     */
    @Override
    public float dot(MemorySegment w, long off, float[] x, int xOff, int n) {
        float[] sm = new float[SCALES_SCRATCH];
        FloatVector acc1 = FloatVector.zero(Vec.F);
        FloatVector acc2 = FloatVector.zero(Vec.F);
        FloatVector acc3 = FloatVector.zero(Vec.F);
        FloatVector acc4 = FloatVector.zero(Vec.F);
        for (int b = 0; b < n / QK; b++) {
            long p = off + (long) b * BLOCK;
            long scLo = w.get(KQuants.LE_LONG, p + 4);
            int scHi = w.get(KQuants.LE_INT, p + 12);
            // sm[j] = d * scale_j, sm[8 + j] = -dmin * min_j
            KQuants.scalesAndMins(scLo, scHi, Fp16.read(w, p), -Fp16.read(w, p + 2), sm);
            for (int c = 0; c < 4; c++) {
                int xb = xOff + b * QK + 64 * c;
                long q = p + 48 + 32L * c;
                FloatVector d1 = FloatVector.broadcast(Vec.F, sm[2 * c]);
                FloatVector m1 = FloatVector.broadcast(Vec.F, sm[8 + 2 * c]);
                FloatVector d2 = FloatVector.broadcast(Vec.F, sm[2 * c + 1]);
                FloatVector m2 = FloatVector.broadcast(Vec.F, sm[9 + 2 * c]);
                for (int l = 0; l < 32; l += Vec.L) {
                    // widen first: levels are assembled in int lanes (x86 has no byte shift)
                    IntVector qv = (IntVector) ByteVector.fromMemorySegment(Vec.B, w, q + l, Vec.LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, Vec.I, 0);
                    // bits 2c and 2c+1 of qh, moved down to bits 0 and 1, then up to bit 4 above each nibble
                    IntVector hv = ((IntVector) ByteVector.fromMemorySegment(Vec.B, w, p + 16 + l, Vec.LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, Vec.I, 0))
                            .lanewise(VectorOperators.LSHR, 2 * c);
                    FloatVector w1 = ((FloatVector) qv.and(0x0F).or(hv.lanewise(VectorOperators.LSHL, 4).and(0x10))
                            .convert(VectorOperators.I2F, 0)).fma(d1, m1);
                    FloatVector w2 = ((FloatVector) qv.lanewise(VectorOperators.LSHR, 4)
                            .or(hv.lanewise(VectorOperators.LSHL, 3).and(0x10))
                            .convert(VectorOperators.I2F, 0)).fma(d2, m2);
                    if ((l & Vec.L) == 0) {
                        acc1 = w1.fma(FloatVector.fromArray(Vec.F, x, xb + l), acc1);
                        acc2 = w2.fma(FloatVector.fromArray(Vec.F, x, xb + 32 + l), acc2);
                    } else {
                        acc3 = w1.fma(FloatVector.fromArray(Vec.F, x, xb + l), acc3);
                        acc4 = w2.fma(FloatVector.fromArray(Vec.F, x, xb + 32 + l), acc4);
                    }
                }
            }
        }
        return LaneSums.sum(acc1.add(acc2).add(acc3.add(acc4)));
    }
}
