package dev.canal.ggml.quant;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The int8 x int8 step shared by the Q8-activation kernels: 16 byte pairs widened to shorts and multiplied, two
 * such products added (|w| <= 128 and |a| <= 127, so |w*a + w'*a'| <= 32512 still fits a short), then widened to
 * 8 int lanes. Fixed 128/256-bit shapes: native on AVX2 and AVX-512 alike.
 */
final class Int8Dot {
    static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    static final VectorSpecies<Short> S = ShortVector.SPECIES_256;
    static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
    static final VectorSpecies<Float> F = FloatVector.SPECIES_256;

    private Int8Dot() {
    }

    static ShortVector widen(ByteVector v) {
        return (ShortVector) v.convertShape(VectorOperators.B2S, S, 0);
    }

    /** Pairwise product sum of two 16-lane pairs as 8 int lanes (lane sums, not yet reduced). */
    static IntVector sum(ByteVector w0, ByteVector a0, ByteVector w1, ByteVector a1) {
        ShortVector p = widen(w0).mul(widen(a0)).add(widen(w1).mul(widen(a1)));
        IntVector lo = (IntVector) p.convertShape(VectorOperators.S2I, I, 0);
        IntVector hi = (IntVector) p.convertShape(VectorOperators.S2I, I, 1);
        return lo.add(hi);
    }

    static FloatVector toFloat(IntVector v) {
        return (FloatVector) v.convertShape(VectorOperators.I2F, F, 0);
    }
}
