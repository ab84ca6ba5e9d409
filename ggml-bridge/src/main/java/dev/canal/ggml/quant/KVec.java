package dev.canal.ggml.quant;

import jdk.incubator.vector.VectorSpecies;

/**
 * The int lanes the K-quant kernels decode in: one int per float lane of {@link Vec#F}. x86 has no byte shift (C2
 * emulates a byte LSHR with five instructions), so the kernels zero-extend the packed bytes straight to ints
 * (one vpmovzxbd from memory) and cut nibbles and high bits there, where shifts and masks are single instructions.
 */
final class KVec {
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, Vec.F.vectorShape());
    /**
     * Ints of {@link Vec#B}'s shape (2 or 4 lanes): the two halves of a long put in lanes 0 and 1 and read as bytes
     * give its 8 bytes in lanes 0..7, which zero-extend to ints like packed bytes loaded from memory. The K-quant
     * kernels turn a super-block's eight packed 6-bit scales into floats so, in one vector op each, instead of 16
     * scalar int-to-float conversions per block (those cost Q4_K's dot a third of its time). Not longs: a
     * one-lane long vector (the 64-bit shape of AVX2's byte loads) has no C2 intrinsic and would be boxed.
     */
    static final VectorSpecies<Integer> INTS_OF_B = VectorSpecies.of(int.class, Vec.B.vectorShape());
    /**
     * Float bits of 2^23: OR-ing a small non-negative int k (k < 2^23) into them gives the float 2^23 + k exactly,
     * so subtracting {@link #MAGIC_FLOAT} + c converts k - c to float in one exact op (and+or fuse into one
     * vpternlogd, where a vcvtdq2ps would follow a separate subtraction).
     */
    static final int MAGIC = 0x4B000000;
    static final float MAGIC_FLOAT = 8388608f;

    private KVec() {
    }
}
