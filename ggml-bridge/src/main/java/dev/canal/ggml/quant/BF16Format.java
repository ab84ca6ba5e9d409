package dev.canal.ggml.quant;

import dev.canal.engine.vector.LaneSums;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/** BF16: the upper 16 bits of an IEEE single, little-endian. */
public final class BF16Format implements QuantFormat {
    @Override
    public GgmlType type() {
        return GgmlType.BF16;
    }

    static float toFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /**
     * ggml's fp32 -> bf16: round to nearest even by adding 0x7fff plus the lowest kept bit; a NaN keeps its upper
     * bits with the quiet bit forced so truncation cannot turn it into infinity.
     */
    static short fromFloat(float f) {
        int u = Float.floatToRawIntBits(f);
        if ((u & 0x7fffffff) > 0x7f800000) return (short) ((u >>> 16) | 64);
        return (short) ((u + (0x7fff + ((u >>> 16) & 1))) >>> 16);
    }

    @Override
    public void dequantizeRow(MemorySegment src, long off, float[] dst, int dOff, int n) {
        for (int i = 0; i < n; i++) dst[dOff + i] = toFloat(src.get(Fp16.LE_SHORT, off + 2L * i));
    }

    @Override
    public void quantizeRow(float[] x, int xOff, MemorySegment dst, long off, int n) {
        for (int i = 0; i < n; i++) dst.set(Fp16.LE_SHORT, off + 2L * i, fromFloat(x[xOff + i]));
    }

    @Override
    public float dot(MemorySegment w, long off, float[] x, int xOff, int n) {
        FloatVector acc = FloatVector.zero(Vec.F);
        int i = 0;
        for (; i <= n - Vec.L; i += Vec.L) {
            // bf16 -> fp32: the 16 bits become the upper half of the float
            FloatVector wv = ((IntVector) ShortVector.fromMemorySegment(HalfVectors.S, w, off + 2L * i, Vec.LE)
                    .convertShape(VectorOperators.S2I, HalfVectors.I, 0)).lanewise(VectorOperators.LSHL, 16)
                    .reinterpretAsFloats();
            acc = wv.fma(FloatVector.fromArray(Vec.F, x, xOff + i), acc);
        }
        float s = LaneSums.sum(acc);
        for (; i < n; i++) s += toFloat(w.get(Fp16.LE_SHORT, off + 2L * i)) * x[xOff + i];
        return s;
    }
}
