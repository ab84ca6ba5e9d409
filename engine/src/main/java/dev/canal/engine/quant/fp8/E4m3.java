package dev.canal.engine.quant.fp8;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * The OCP / NVIDIA FP8 E4M3 format as PyTorch's {@code float8_e4m3fn} stores it: 1 sign, 4 exponent (bias 7) and 3
 * mantissa bits, no infinities, and only S.1111.111 (0x7f, 0xff) is NaN, which frees S.1111.110 = ±448 as the
 * largest finite value. Decoding follows the format exactly, NaN included: a checkpoint holding a NaN weight
 * produces NaN outputs, as it does in PyTorch, rather than a silently invented number.
 */
public final class E4m3 {

    /** The largest finite magnitude. */
    public static final float MAX = 448f;

    /** Code → value for all 256 codes. */
    private static final float[] VALUES = new float[256];

    static {
        for (int c = 0; c < 256; c++) VALUES[c] = fromSpec(c);
    }

    /**
     * 2^120 moves the exponent bias from E4M3's 7 to float's 127; because E4M3 subnormals land on float
     * subnormals with the same mantissa, one multiply is exact for normals and subnormals alike.
     */
    private static final float BIAS = 0x1p120f;

    private E4m3() {
    }

    private static float fromSpec(int code) {
        int e = (code >> 3) & 15;
        int m = code & 7;
        float sign = (code & 0x80) != 0 ? -1f : 1f;
        if (e == 15 && m == 7) return Float.NaN;
        float magnitude = e == 0 ? Math.scalb(m / 8f, -6) : Math.scalb(1f + m / 8f, e - 7);
        return sign * magnitude;
    }

    /** The value of code {@code code} (only its low 8 bits are read). */
    public static float decode(int code) {
        return VALUES[code & 0xff];
    }

    /**
     * {@code value} rounded to the nearest E4M3 code, ties to even, saturating at ±448 (what compressed-tensors
     * and ModelOpt get by clamping before the cast); NaN becomes 0x7f. The sign of zero is kept.
     */
    public static byte encode(float value) {
        if (Float.isNaN(value)) return 0x7f;
        int sign = Float.floatToRawIntBits(value) < 0 ? 0x80 : 0;
        double a = Math.abs((double) value);
        int code;
        if (a >= MAX) {
            code = 0x7e;
        } else if (a < 0x1p-6) {
            // Subnormals are multiples of 2^-9; 8 of them round up into the smallest normal, whose code is 8.
            code = (int) Math.rint(a * 0x1p9);
        } else {
            int e = Math.getExponent(a);
            int m = (int) Math.rint((Math.scalb(a, -e) - 1) * 8);
            if (m == 8) {
                e++;
                m = 0;
            }
            code = Math.min(0x7e, ((e + 7) << 3) | m); // 0x7f would be NaN: it is where 464 ≤ a < 480 round to
        }
        return (byte) (sign | code);
    }

    /**
     * E4M3 bytes [offset, offset + I.length()) of {@code w} decoded to floats. The byte species may hold more lanes
     * than are used: callers keep {@code offset + Kernels.B.length()} inside the segment.
     */
    static FloatVector decode(MemorySegment w, long offset) {
        IntVector b = (IntVector) ByteVector.fromMemorySegment(Kernels.B, w, offset, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.B2I, Kernels.I, 0);
        // b is sign-extended: bit 31 is the sign, bits 20..26 the exponent and mantissa in float position.
        FloatVector v = b.lanewise(VectorOperators.LSHL, 20).and(0x87f00000).reinterpretAsFloats().mul(BIAS);
        // 0x7f / 0xff decode to ±480 above; all-ones where the magnitude is 0x7f makes that exponent 255: NaN.
        IntVector nan = b.and(0x7f).add(1).lanewise(VectorOperators.LSHL, 24).lanewise(VectorOperators.ASHR, 31)
                .and(0x7fc00000);
        return v.reinterpretAsInts().or(nan).reinterpretAsFloats();
    }
}
