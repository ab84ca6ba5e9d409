package dev.canal.engine.quant.fp8;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector species the FP8 and NVFP4 kernels use. Floats are capped at 16 lanes so that one float vector never
 * spans two NVFP4 scale groups (16 elements) nor two FP8 scale blocks (multiples of 16); the byte species is the
 * smallest one holding a float vector's worth of bytes (at least 64 bits, the smallest vector shape).
 */
public final class Kernels {
    public static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.length() > 16
            ? FloatVector.SPECIES_512 : FloatVector.SPECIES_PREFERRED;
    public static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    public static final VectorSpecies<Byte> B =
            VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, F.length() * 8)));

    private Kernels() {
    }
}
