package dev.canal.ggml.quant;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Shapes of the int8 x int8 step of the Q8-activation kernels: 16 byte pairs widened to 16 shorts, summed into 8
 * int lanes, converted to 8 floats. Fixed 128/256-bit shapes: native on AVX2 and AVX-512 alike. (The step itself
 * is written out in each kernel; see {@link Vec} for why.)
 */
final class Int8Dot {
    static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    static final VectorSpecies<Short> S = ShortVector.SPECIES_256;
    static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
    static final VectorSpecies<Float> F = FloatVector.SPECIES_256;

    private Int8Dot() {
    }
}
