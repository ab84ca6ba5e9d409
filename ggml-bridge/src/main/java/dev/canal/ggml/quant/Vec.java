package dev.canal.ggml.quant;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.nio.ByteOrder;

/**
 * Vector shapes the block kernels share. Floats use the preferred width, clamped to 8..16 lanes: at least 8 so a
 * byte load is at least 64 bits (the smallest byte species), at most 16 so one 32-element block is a whole number
 * of vectors and 16-element sub-blocks never straddle a vector.
 *
 * <p>The kernels spell their vector loads and conversions out inline instead of calling small helpers that take or
 * return vectors: a helper that C2 has already compiled on its own may not be inlined ("already compiled into a
 * big method"), and vectors crossing a real call are boxed, making the kernel ~100x slower.
 */
final class Vec {
    static final VectorSpecies<Float> F = pickFloat();
    static final int L = F.length();
    /** Bytes with one lane per float lane (64 or 128 bits). */
    static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8));
    /**
     * Ints of the float shape, one per float lane. x86 has no byte shift (C2 emulates a byte LSHR with five
     * instructions), so the kernels zero-extend packed bytes straight to these (one vpmovzxbd) and cut nibbles and
     * high bits there, where shifts and masks are single instructions.
     */
    static final VectorSpecies<Integer> I = F.withLanes(int.class);
    /**
     * Ints of {@link #B}'s shape (2 or 4 lanes): the two halves of a long put in lanes 0 and 1 and read as bytes
     * give its 8 bytes in lanes 0..7, which zero-extend to ints like packed bytes loaded from memory. The K-quant
     * kernels turn a super-block's eight packed 6-bit scales into floats so, in one vector op each, instead of 16
     * scalar int-to-float conversions per block (those cost Q4_K's dot a third of its time). Not longs: a
     * one-lane long vector (the 64-bit shape of AVX2's byte loads) has no C2 intrinsic and would be boxed.
     */
    static final VectorSpecies<Integer> INTS_OF_B = VectorSpecies.of(int.class, B.vectorShape());
    /**
     * A small non-negative int {@code q} or-ed into these bits is the float 2^23 + q exactly, so one or plus one
     * subtraction of {@code MAGIC + offset} turns it into {@code q - offset} (one op fewer than convert then
     * subtract; C2 fuses an and before the or into one ternary-logic op).
     */
    static final int MAGIC_BITS = 0x4B000000;
    static final float MAGIC = 8388608f;
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private Vec() {
    }

    private static VectorSpecies<Float> pickFloat() {
        int n = FloatVector.SPECIES_PREFERRED.length();
        if (n < 8) return FloatVector.SPECIES_256;
        if (n > 16) return FloatVector.SPECIES_512;
        return FloatVector.SPECIES_PREFERRED;
    }
}
