package dev.canal.ggml.quant;

import dev.canal.engine.vector.LaneSums;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/** F16: little-endian IEEE half, rounded to nearest even on the way in. */
public final class F16Format implements QuantFormat {
    @Override
    public GgmlType type() {
        return GgmlType.F16;
    }

    @Override
    public void dequantizeRow(MemorySegment src, long off, float[] dst, int dOff, int n) {
        for (int i = 0; i < n; i++) dst[dOff + i] = Fp16.read(src, off + 2L * i);
    }

    @Override
    public void quantizeRow(float[] x, int xOff, MemorySegment dst, long off, int n) {
        for (int i = 0; i < n; i++) Fp16.write(dst, off + 2L * i, x[xOff + i]);
    }

    @Override
    public float dot(MemorySegment w, long off, float[] x, int xOff, int n) {
        FloatVector acc = FloatVector.zero(Vec.F);
        int i = 0;
        for (; i <= n - Vec.L; i += Vec.L) {
            // fp16 -> fp32 exactly: exponent+mantissa shifted up 13 bits is the value / 2^112 for normals and
            // subnormals alike, and * 2^112 is exact; exponent 31 (inf/NaN) gets exponent 255 instead
            IntVector h = (IntVector) ShortVector.fromMemorySegment(HalfVectors.S, w, off + 2L * i, Vec.LE)
                    .convertShape(VectorOperators.S2I, HalfVectors.I, 0);
            IntVector mag = h.and(0x7fff);
            IntVector shifted = mag.lanewise(VectorOperators.LSHL, 13);
            IntVector finite = shifted.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
            VectorMask<Integer> special = mag.compare(VectorOperators.GE, 0x7c00);
            IntVector bits = finite.blend(shifted.or(0x7f800000), special)
                    .or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16));
            acc = bits.reinterpretAsFloats().fma(FloatVector.fromArray(Vec.F, x, xOff + i), acc);
        }
        float s = LaneSums.sum(acc);
        for (; i < n; i++) s += Fp16.read(w, off + 2L * i) * x[xOff + i];
        return s;
    }
}
