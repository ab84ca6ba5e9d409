package dev.canal.ggml.quant;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

/** Loads of 16-bit floats (fp16, bf16) as float vectors, exact for every input including subnormals, inf and NaN. */
final class HalfVectors {
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(Vec.L * 16));
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, VectorShape.forBitSize(Vec.L * 32));

    private HalfVectors() {
    }

    private static IntVector load(MemorySegment s, long offset) {
        return (IntVector) ShortVector.fromMemorySegment(S, s, offset, Vec.LE).convertShape(VectorOperators.S2I, I, 0);
    }

    /**
     * fp16 -> fp32: shifting exponent and mantissa up 13 bits gives a float 2^112 times too small, for normals and
     * subnormals alike, and multiplying by 2^112 is exact. Inf and NaN (exponent 31) instead get exponent 255.
     */
    static FloatVector fp16(MemorySegment s, long offset) {
        IntVector h = load(s, offset);
        IntVector mag = h.and(0x7fff);
        IntVector shifted = mag.lanewise(VectorOperators.LSHL, 13);
        IntVector finite = shifted.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
        VectorMask<Integer> special = mag.compare(VectorOperators.GE, 0x7c00);
        IntVector bits = finite.blend(shifted.or(0x7f800000), special);
        IntVector sign = h.and(0x8000).lanewise(VectorOperators.LSHL, 16);
        return bits.or(sign).reinterpretAsFloats();
    }

    /** bf16 -> fp32: the upper half of the float's bits. */
    static FloatVector bf16(MemorySegment s, long offset) {
        return load(s, offset).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }
}
