package dev.canal.ggml.quant;

import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/** Shapes for 16-bit float loads (fp16, bf16): one short and one int lane per float lane of {@link Vec#F}. */
final class HalfVectors {
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(Vec.L * 16));
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, VectorShape.forBitSize(Vec.L * 32));

    private HalfVectors() {
    }
}
