package dev.canal.ggml.quant;

import dev.canal.engine.vector.LaneSums;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Q8_0 weights x Q8 activations: per block an exact integer dot, scaled by d_w * d_a (ggml's vec_dot_q8_0_q8_0). */
public final class Q8_0Q8Kernel {
    private Q8_0Q8Kernel() {
    }

    /** Dot of the Q8_0 row at {@code rowOffsetBytes} with all {@link Q8Activations#length()} activations. */
    public static float dot(MemorySegment w, long rowOffsetBytes, Q8Activations a) {
        byte[] aq = a.values();
        float[] ad = a.scales();
        FloatVector acc = FloatVector.zero(Int8Dot.F);
        for (int b = 0; b < a.length() / Q8_0Format.QK; b++) {
            long p = rowOffsetBytes + (long) b * Q8_0Format.BLOCK;
            int ab = b * Q8_0Format.QK;
            ByteVector w0 = ByteVector.fromMemorySegment(Int8Dot.B, w, p + 2, Vec.LE);
            ByteVector w1 = ByteVector.fromMemorySegment(Int8Dot.B, w, p + 18, Vec.LE);
            ByteVector a0 = ByteVector.fromArray(Int8Dot.B, aq, ab);
            ByteVector a1 = ByteVector.fromArray(Int8Dot.B, aq, ab + 16);
            // int8 pairs widened to shorts: |w*a + w'*a'| <= 128*127*2 = 32512 fits a short
            ShortVector prod = ((ShortVector) w0.convertShape(VectorOperators.B2S, Int8Dot.S, 0))
                    .mul((ShortVector) a0.convertShape(VectorOperators.B2S, Int8Dot.S, 0))
                    .add(((ShortVector) w1.convertShape(VectorOperators.B2S, Int8Dot.S, 0))
                            .mul((ShortVector) a1.convertShape(VectorOperators.B2S, Int8Dot.S, 0)));
            IntVector isum = ((IntVector) prod.convertShape(VectorOperators.S2I, Int8Dot.I, 0))
                    .add((IntVector) prod.convertShape(VectorOperators.S2I, Int8Dot.I, 1));
            FloatVector fsum = (FloatVector) isum.convertShape(VectorOperators.I2F, Int8Dot.F, 0);
            acc = fsum.fma(FloatVector.broadcast(acc.species(), Fp16.read(w, p) * ad[b]), acc);
        }
        return LaneSums.sum(acc);
    }

    /** Scalar reference: integer block sums scaled and added in block order. */
    public static float referenceDot(MemorySegment w, long rowOffsetBytes, Q8Activations a) {
        float s = 0;
        for (int b = 0; b < a.length() / Q8_0Format.QK; b++) {
            long p = rowOffsetBytes + (long) b * Q8_0Format.BLOCK;
            int sum = 0;
            for (int j = 0; j < 32; j++) sum += w.get(ValueLayout.JAVA_BYTE, p + 2 + j) * a.value(b * 32 + j);
            s += sum * (Fp16.read(w, p) * a.scale(b));
        }
        return s;
    }
}
