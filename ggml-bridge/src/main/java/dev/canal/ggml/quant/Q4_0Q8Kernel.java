package dev.canal.ggml.quant;

import dev.canal.engine.vector.LaneSums;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q4_0 weights x Q8 activations: nibbles unpacked to int8 (q - 8) in registers, integer block dot, scaled by
 * d_w * d_a (ggml's vec_dot_q4_0_q8_0).
 */
public final class Q4_0Q8Kernel {
    private Q4_0Q8Kernel() {
    }

    public static float dot(MemorySegment w, long rowOffsetBytes, Q8Activations a) {
        byte[] aq = a.values();
        float[] ad = a.scales();
        FloatVector acc = FloatVector.zero(Int8Dot.F);
        for (int b = 0; b < a.length() / Q4_0Format.QK; b++) {
            long p = rowOffsetBytes + (long) b * Q4_0Format.BLOCK;
            int ab = b * Q4_0Format.QK;
            ByteVector q = ByteVector.fromMemorySegment(Int8Dot.B, w, p + 2, Vec.LE);
            ByteVector lo = q.and((byte) 0x0F).sub((byte) 8);
            ByteVector hi = q.lanewise(VectorOperators.LSHR, 4).sub((byte) 8);
            ByteVector a0 = ByteVector.fromArray(Int8Dot.B, aq, ab);
            ByteVector a1 = ByteVector.fromArray(Int8Dot.B, aq, ab + 16);
            // int8 pairs widened to shorts: |w*a + w'*a'| <= 128*127*2 = 32512 fits a short
            ShortVector prod = ((ShortVector) lo.convertShape(VectorOperators.B2S, Int8Dot.S, 0))
                    .mul((ShortVector) a0.convertShape(VectorOperators.B2S, Int8Dot.S, 0))
                    .add(((ShortVector) hi.convertShape(VectorOperators.B2S, Int8Dot.S, 0))
                            .mul((ShortVector) a1.convertShape(VectorOperators.B2S, Int8Dot.S, 0)));
            IntVector isum = ((IntVector) prod.convertShape(VectorOperators.S2I, Int8Dot.I, 0))
                    .add((IntVector) prod.convertShape(VectorOperators.S2I, Int8Dot.I, 1));
            FloatVector fsum = (FloatVector) isum.convertShape(VectorOperators.I2F, Int8Dot.F, 0);
            acc = fsum.fma(FloatVector.broadcast(acc.species(), Fp16.read(w, p) * ad[b]), acc);
        }
        return LaneSums.sum(acc);
    }

    public static float referenceDot(MemorySegment w, long rowOffsetBytes, Q8Activations a) {
        float s = 0;
        for (int b = 0; b < a.length() / Q4_0Format.QK; b++) {
            long p = rowOffsetBytes + (long) b * Q4_0Format.BLOCK;
            int sum = 0;
            for (int j = 0; j < 16; j++) {
                int q = w.get(ValueLayout.JAVA_BYTE, p + 2 + j) & 0xFF;
                sum += ((q & 0x0F) - 8) * a.value(b * 32 + j) + ((q >> 4) - 8) * a.value(b * 32 + 16 + j);
            }
            s += sum * (Fp16.read(w, p) * a.scale(b));
        }
        return s;
    }
}
