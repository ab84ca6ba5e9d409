package dev.canal.ggml.quant;

import dev.canal.engine.vector.LaneSums;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
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

    /**
     * Vectorized (prefill decodes every weight once per product), with ggml's float operations per element:
     * (d * scale) * (q - 32), so the floats are ggml's.
     */
    @Override
    public void dequantizeRow(MemorySegment src, long off, float[] dst, int dOff, int n) {
        float[] sm = new float[16];
        FloatVector bias = FloatVector.broadcast(Vec.F, Vec.MAGIC + 32);
        for (int b = 0; b < n / QK; b++) {
            long p = off + (long) b * BLOCK;
            float d = Fp16.read(src, p + 208);
            // sm[j] = d * scale_j (int8 scales, sign-extended)
            for (int k = 0; k < 16; k += Vec.L) {
                ((FloatVector) ((IntVector) ByteVector.fromMemorySegment(Vec.B, src, p + 192 + k, Vec.LE)
                        .convertShape(VectorOperators.B2I, Vec.I, 0)).convert(VectorOperators.I2F, 0))
                        .mul(d).intoArray(sm, k);
            }
            for (int half = 0; half < 2; half++) {
                long ql = p + 64L * half;
                long qh = p + 128 + 32L * half;
                int y = dOff + b * QK + 128 * half;
                // Vec.L <= 16 divides 16, so a chunk never crosses a 16-element scale boundary
                for (int l = 0; l < 32; l += Vec.L) {
                    int is = 8 * half + l / 16;
                    IntVector a = (IntVector) ByteVector.fromMemorySegment(Vec.B, src, ql + l, Vec.LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, Vec.I, 0);
                    IntVector c = (IntVector) ByteVector.fromMemorySegment(Vec.B, src, ql + 32 + l, Vec.LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, Vec.I, 0);
                    IntVector h = (IntVector) ByteVector.fromMemorySegment(Vec.B, src, qh + l, Vec.LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, Vec.I, 0);
                    // 6-bit levels in int lanes, then 2^23 + q as float bits minus 2^23 + 32: exactly q - 32
                    FloatVector f1 = a.and(0x0F).or(h.lanewise(VectorOperators.LSHL, 4).and(0x30)).or(Vec.MAGIC_BITS)
                            .reinterpretAsFloats().sub(bias);
                    FloatVector f2 = c.and(0x0F).or(h.lanewise(VectorOperators.LSHL, 2).and(0x30)).or(Vec.MAGIC_BITS)
                            .reinterpretAsFloats().sub(bias);
                    FloatVector f3 = a.lanewise(VectorOperators.LSHR, 4).or(h.and(0x30)).or(Vec.MAGIC_BITS)
                            .reinterpretAsFloats().sub(bias);
                    FloatVector f4 = c.lanewise(VectorOperators.LSHR, 4)
                            .or(h.lanewise(VectorOperators.LSHR, 2).and(0x30)).or(Vec.MAGIC_BITS)
                            .reinterpretAsFloats().sub(bias);
                    f1.mul(sm[is]).intoArray(dst, y + l);
                    f2.mul(sm[is + 2]).intoArray(dst, y + l + 32);
                    f3.mul(sm[is + 4]).intoArray(dst, y + l + 64);
                    f4.mul(sm[is + 6]).intoArray(dst, y + l + 96);
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

    /**
     * Weights rebuilt as fma(q, d * scale, -32 * d * scale): exactly (q - 32) * d * scale rounded once, as ggml's
     * formula rounds it, in one op; four independent sums.
     */
    @Override
    public float dot(MemorySegment w, long off, float[] x, int xOff, int n) {
        float[] sm = new float[32];
        FloatVector acc1 = FloatVector.zero(Vec.F);
        FloatVector acc2 = FloatVector.zero(Vec.F);
        FloatVector acc3 = FloatVector.zero(Vec.F);
        FloatVector acc4 = FloatVector.zero(Vec.F);
        for (int b = 0; b < n / QK; b++) {
            long p = off + (long) b * BLOCK;
            float d = Fp16.read(w, p + 208);
            // sm[j] = d * scale_j, sm[16 + j] = -32 * d * scale_j (int8 scales, sign-extended)
            for (int k = 0; k < 16; k += Vec.L) {
                FloatVector s = ((FloatVector) ((IntVector) ByteVector.fromMemorySegment(Vec.B, w, p + 192 + k, Vec.LE)
                        .convertShape(VectorOperators.B2I, Vec.I, 0)).convert(VectorOperators.I2F, 0)).mul(d);
                s.intoArray(sm, k);
                s.mul(-32f).intoArray(sm, 16 + k);
            }
            for (int half = 0; half < 2; half++) {
                long ql = p + 64L * half;
                long qh = p + 128 + 32L * half;
                int xb = xOff + b * QK + 128 * half;
                // Vec.L <= 16 divides 16, so a chunk never crosses a 16-element scale boundary
                for (int l = 0; l < 32; l += Vec.L) {
                    int is = 8 * half + l / 16;
                    // widen first: levels are assembled in int lanes (x86 has no byte shift)
                    IntVector a = (IntVector) ByteVector.fromMemorySegment(Vec.B, w, ql + l, Vec.LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, Vec.I, 0);
                    IntVector c = (IntVector) ByteVector.fromMemorySegment(Vec.B, w, ql + 32 + l, Vec.LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, Vec.I, 0);
                    IntVector h = (IntVector) ByteVector.fromMemorySegment(Vec.B, w, qh + l, Vec.LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, Vec.I, 0);
                    FloatVector w1 = ((FloatVector) a.and(0x0F).or(h.lanewise(VectorOperators.LSHL, 4).and(0x30))
                            .convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.broadcast(Vec.F, sm[is]), FloatVector.broadcast(Vec.F, sm[16 + is]));
                    FloatVector w2 = ((FloatVector) c.and(0x0F).or(h.lanewise(VectorOperators.LSHL, 2).and(0x30))
                            .convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.broadcast(Vec.F, sm[is + 2]), FloatVector.broadcast(Vec.F, sm[18 + is]));
                    FloatVector w3 = ((FloatVector) a.lanewise(VectorOperators.LSHR, 4).or(h.and(0x30))
                            .convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.broadcast(Vec.F, sm[is + 4]), FloatVector.broadcast(Vec.F, sm[20 + is]));
                    FloatVector w4 = ((FloatVector) c.lanewise(VectorOperators.LSHR, 4)
                            .or(h.lanewise(VectorOperators.LSHR, 2).and(0x30)).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.broadcast(Vec.F, sm[is + 6]), FloatVector.broadcast(Vec.F, sm[22 + is]));
                    acc1 = w1.fma(FloatVector.fromArray(Vec.F, x, xb + l), acc1);
                    acc2 = w2.fma(FloatVector.fromArray(Vec.F, x, xb + l + 32), acc2);
                    acc3 = w3.fma(FloatVector.fromArray(Vec.F, x, xb + l + 64), acc3);
                    acc4 = w4.fma(FloatVector.fromArray(Vec.F, x, xb + l + 96), acc4);
                }
            }
        }
        return LaneSums.sum(acc1.add(acc2).add(acc3.add(acc4)));
    }
}
