package dev.canal.ggml.quant;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Vector shapes the block kernels share. Floats use the preferred width, clamped to 8..16 lanes: at least 8 so a
 * byte load is at least 64 bits (the smallest byte species), at most 16 so one 32-element block is a whole number
 * of vectors and 16-element sub-blocks never straddle a vector.
 */
final class Vec {
    static final VectorSpecies<Float> F = pickFloat();
    static final int L = F.length();
    /** Bytes with one lane per float lane (64 or 128 bits). */
    static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8));
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private Vec() {
    }

    private static VectorSpecies<Float> pickFloat() {
        int n = FloatVector.SPECIES_PREFERRED.length();
        if (n < 8) return FloatVector.SPECIES_256;
        if (n > 16) return FloatVector.SPECIES_512;
        return FloatVector.SPECIES_PREFERRED;
    }

    /** L bytes at {@code offset}. */
    static ByteVector bytes(MemorySegment s, long offset) {
        return ByteVector.fromMemorySegment(B, s, offset, LE);
    }

    /** Signed bytes as floats. */
    static FloatVector toFloat(ByteVector v) {
        return (FloatVector) v.convertShape(VectorOperators.B2F, F, 0);
    }

    static FloatVector x(float[] x, int i) {
        return FloatVector.fromArray(F, x, i);
    }
}
