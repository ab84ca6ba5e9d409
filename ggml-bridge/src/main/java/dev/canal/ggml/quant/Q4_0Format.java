package dev.canal.ggml.quant;

import dev.canal.engine.vector.LaneSums;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q4_0: blocks of 32 as {fp16 d, 16 bytes}; byte j holds element j in its low nibble and element j+16 in its high
 * nibble, x = d * (nibble - 8).
 */
public final class Q4_0Format implements QuantFormat {
    static final int QK = 32;
    static final int BLOCK = 18;
    /**
     * The level {@code q - 8} of every nibble value q, as float bits, for 16-lane vectors: one vpermd then turns 16
     * nibbles into their levels ({@code selectFrom} wraps each index to its low four bits, so C2 masks with a single
     * and), one op fewer per half-block than the {@link Vec#MAGIC_BITS} conversion and ~10% faster in {@link #dot}
     * (2.96 against 3.3 ns per block, L2-resident, AVX-512). 8-lane vectors cannot hold the 16 levels, and the
     * two-vector lookup is no single instruction on AVX2 (measured 2x slower there), so they keep the conversion.
     */
    private static final IntVector LEVELS = Vec.L == 16 ? levels() : null;

    private static IntVector levels() {
        int[] bits = new int[16];
        for (int q = 0; q < 16; q++) bits[q] = Float.floatToRawIntBits(q - 8);
        return IntVector.fromArray(Vec.I, bits, 0);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_0;
    }

    /**
     * Vectorized: prefill decodes every weight once per product, so this runs over the whole model each time. The
     * bytes are widened to ints before the nibbles are split (see {@link #dot}).
     */
    @Override
    public void dequantizeRow(MemorySegment src, long off, float[] dst, int dOff, int n) {
        for (int b = 0; b < n / QK; b++) {
            long p = off + (long) b * BLOCK;
            FloatVector d = FloatVector.broadcast(Vec.F, Fp16.read(src, p));
            int y = dOff + b * QK;
            for (int j = 0; j < QK / 2; j += Vec.L) {
                IntVector q = (IntVector) ByteVector.fromMemorySegment(Vec.B, src, p + 2 + j, Vec.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Vec.I, 0);
                if (LEVELS != null) {
                    q.selectFrom(LEVELS).reinterpretAsFloats().mul(d).intoArray(dst, y + j);
                    q.lanewise(VectorOperators.LSHR, 4).selectFrom(LEVELS).reinterpretAsFloats().mul(d)
                            .intoArray(dst, y + QK / 2 + j);
                } else {
                    q.and(0x0F).or(Vec.MAGIC_BITS).reinterpretAsFloats().sub(Vec.MAGIC + 8).mul(d)
                            .intoArray(dst, y + j);
                    q.lanewise(VectorOperators.LSHR, 4).or(Vec.MAGIC_BITS).reinterpretAsFloats()
                            .sub(Vec.MAGIC + 8).mul(d).intoArray(dst, y + QK / 2 + j);
                }
            }
        }
    }

    @Override
    public void quantizeRow(float[] x, int xOff, MemorySegment dst, long off, int n) {
        for (int b = 0; b < n / QK; b++) {
            int base = xOff + b * QK;
            long p = off + (long) b * BLOCK;
            // the value of largest magnitude, sign kept: it maps to -8, the one level without a +8 partner
            float amax = 0;
            float max = 0;
            for (int j = 0; j < QK; j++) {
                float v = x[base + j];
                if (amax < Math.abs(v)) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
            float d = max / -8;
            float id = d != 0 ? 1.0f / d : 0.0f;
            Fp16.write(dst, p, d);
            for (int j = 0; j < QK / 2; j++) {
                int lo = Math.min(15, Rounding.toInt8(x[base + j] * id + 8.5f)) & 0xFF;
                int hi = Math.min(15, Rounding.toInt8(x[base + QK / 2 + j] * id + 8.5f)) & 0xFF;
                dst.set(ValueLayout.JAVA_BYTE, p + 2 + j, (byte) (lo | (hi << 4)));
            }
        }
    }

    /**
     * The nibbles are split after widening the bytes to int lanes: x86 has no byte shift, and C2's emulation of one
     * (widen, shift, mask, narrow) made this kernel ~20% slower. Each nibble becomes {@code q - 8} as a float through
     * {@link #LEVELS}, or {@link Vec#MAGIC_BITS} on 8-lane vectors.
     */
    @Override
    public float dot(MemorySegment w, long off, float[] x, int xOff, int n) {
        FloatVector acc = FloatVector.zero(Vec.F);
        for (int b = 0; b < n / QK; b++) {
            long p = off + (long) b * BLOCK;
            int xb = xOff + b * QK;
            FloatVector blockAcc = FloatVector.zero(Vec.F);
            for (int j = 0; j < QK / 2; j += Vec.L) {
                IntVector q = (IntVector) ByteVector.fromMemorySegment(Vec.B, w, p + 2 + j, Vec.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Vec.I, 0);
                FloatVector lo;
                FloatVector hi;
                if (LEVELS != null) {
                    lo = q.selectFrom(LEVELS).reinterpretAsFloats();
                    hi = q.lanewise(VectorOperators.LSHR, 4).selectFrom(LEVELS).reinterpretAsFloats();
                } else {
                    lo = q.and(0x0F).or(Vec.MAGIC_BITS).reinterpretAsFloats().sub(Vec.MAGIC + 8);
                    hi = q.lanewise(VectorOperators.LSHR, 4).or(Vec.MAGIC_BITS).reinterpretAsFloats()
                            .sub(Vec.MAGIC + 8);
                }
                blockAcc = lo.fma(FloatVector.fromArray(Vec.F, x, xb + j), blockAcc);
                blockAcc = hi.fma(FloatVector.fromArray(Vec.F, x, xb + QK / 2 + j), blockAcc);
            }
            acc = blockAcc.fma(FloatVector.broadcast(acc.species(), Fp16.read(w, p)), acc);
        }
        return LaneSums.sum(acc);
    }
}
