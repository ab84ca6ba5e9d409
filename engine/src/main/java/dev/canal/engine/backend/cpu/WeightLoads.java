package dev.canal.engine.backend.cpu;

import dev.canal.engine.tensor.DType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Reads F32, F16 and BF16 weight elements from a mapped little-endian segment as float vectors (one
 * {@link #F} vector = {@code F.length()} consecutive elements), and as scalars for loop tails. JDK 25's Vector API
 * has no lane-wise half-precision conversion, so F16 is widened to ints and rebuilt as float bits.
 */
final class WeightLoads {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** As many shorts as F has floats: the half-precision source of one float vector. */
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfShort U16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    /**
     * 2^112 moves a half's exponent bias (15) to a float's (127), normals and subnormals alike; the factor
     * {@link #f16Unbiased} leaves out.
     */
    static final float HALF_TO_FLOAT_BIAS = 0x1p112f;

    private WeightLoads() {
    }

    /** Decodes elements [index, index + n) of a tensor of {@code dtype} into dst[off, off + n). */
    static void decode(DType dtype, MemorySegment w, long index, float[] dst, int off, int n) {
        int bound = F.loopBound(n);
        int i = 0;
        switch (dtype) {
            case F32 -> {
                MemorySegment.copy(w, F32_LE, index * 4, dst, off, n);
                return;
            }
            case F16 -> {
                decodeF16(w, index, dst, off, bound);
                for (i = bound; i < n; i++) dst[off + i] = scalarF16(w, index + i);
            }
            case BF16 -> {
                decodeBf16(w, index, dst, off, bound);
                for (i = bound; i < n; i++) dst[off + i] = scalarBf16(w, index + i);
            }
            default -> throw new IllegalArgumentException("not a dense float dtype: " + dtype);
        }
    }

    /**
     * Decodes F16 elements [index, index + n) into dst[off, off + n), n a multiple of {@code F.length()}. The one
     * place the (large) F16 conversion is inlined: C2 stops inlining a method once it has grown past a node budget,
     * and four inlined conversions in one kernel exceed it, leaving boxed vectors behind.
     */
    static void decodeF16(MemorySegment w, long index, float[] dst, int off, int n) {
        for (int i = 0; i < n; i += F.length()) f16(w, index + i).intoArray(dst, off + i);
    }

    /** Decodes BF16 elements [index, index + n) into dst[off, off + n), n a multiple of {@code F.length()}. */
    static void decodeBf16(MemorySegment w, long index, float[] dst, int off, int n) {
        for (int i = 0; i < n; i += F.length()) bf16(w, index + i).intoArray(dst, off + i);
    }

    /** Elements [index, index + F.length()) of an F32 tensor. */
    static FloatVector f32(MemorySegment w, long index) {
        return FloatVector.fromMemorySegment(F, w, index * 4, LE);
    }

    /** Elements [index, index + F.length()) of a BF16 tensor: the top half of a float. */
    static FloatVector bf16(MemorySegment w, long index) {
        IntVector wide = (IntVector) ShortVector.fromMemorySegment(S, w, index * 2, LE).convertShape(
                VectorOperators.S2I, I, 0);
        return wide.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /**
     * Elements [index, index + F.length()) of an F16 tensor, exactly as {@link Float#float16ToFloat} (except that
     * a signalling NaN stays signalling, where the JDK sets the quiet bit): the exponent
     * and mantissa shifted into float position are a float 2^-112 times too small, which one multiply fixes for
     * normal and subnormal halves. Infinities and NaNs (magnitude ≥ 0x7c00) come out of that multiply with
     * exponent 143, which OR-ing in the all-ones float exponent turns into 255 keeping the mantissa (NaN payload).
     * Branch- and mask-free: masks would be boxed by C2 here.
     */
    static FloatVector f16(MemorySegment w, long index) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(S, w, index * 2, LE).convertShape(
                VectorOperators.S2I, I, 0);
        IntVector magnitude = h.and(0x7fff);
        IntVector finite = magnitude.lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats()
                .mul(HALF_TO_FLOAT_BIAS).reinterpretAsInts();
        // all ones where magnitude + 0x400 reaches 0x8000, i.e. magnitude >= 0x7c00
        IntVector special = magnitude.add(0x400).lanewise(VectorOperators.LSHL, 16)
                .lanewise(VectorOperators.ASHR, 31).and(0x7f800000);
        return finite.or(special).or(h.and(0x80000000)).reinterpretAsFloats();
    }

    /**
     * Elements [index, index + F.length()) of an F16 tensor in four vector operations, equal to
     * {@link Float#float16ToFloat} for every finite half (normals, subnormals, ±0). The sign-extended half shifted
     * left by 13 has the sign at bit 31 and copies of it at bits 30–28, which the mask clears; the multiply by 2^112
     * rebiases the exponent and keeps the sign. Infinities and NaNs (exponent 31), which no trained checkpoint
     * holds, read as finite ±2^16·(1 + m) instead: the price of a conversion small enough to inline four times
     * into the decode kernel.
     */
    static FloatVector f16Finite(MemorySegment w, long index) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(S, w, index * 2, LE).convertShape(
                VectorOperators.S2I, I, 0);
        return h.lanewise(VectorOperators.LSHL, 13).and(0x8fffe000).reinterpretAsFloats().mul(HALF_TO_FLOAT_BIAS);
    }

    /**
     * {@link #f16Finite} without its multiply: the element times 2^-112, exactly. {@link F16PrescaledMatKernel}
     * multiplies it with activations scaled by 2^112, which gives every product exactly as {@link #f16Finite}'s.
     */
    static FloatVector f16Unbiased(MemorySegment w, long index) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(S, w, index * 2, LE).convertShape(
                VectorOperators.S2I, I, 0);
        return h.lanewise(VectorOperators.LSHL, 13).and(0x8fffe000).reinterpretAsFloats();
    }

    static float scalarF32(MemorySegment w, long index) {
        return w.get(F32_LE, index * 4);
    }

    static float scalarF16(MemorySegment w, long index) {
        return Float.float16ToFloat(w.get(U16_LE, index * 2));
    }

    static float scalarBf16(MemorySegment w, long index) {
        return Float.intBitsToFloat(w.get(U16_LE, index * 2) << 16);
    }
}
