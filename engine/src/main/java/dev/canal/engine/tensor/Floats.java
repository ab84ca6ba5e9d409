package dev.canal.engine.tensor;

import dev.canal.engine.api.CanalException;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Scalar conversions between F32 and the 16-bit float formats, and element reads from dense float tensors.
 * Meant for tests, tools and one-off reads; kernels read segments with the Vector API instead.
 */
public final class Floats {
    /** Weight files are little-endian whatever the host; mapped data need not be aligned to the element size. */
    public static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** The quiet NaN PyTorch produces when it converts any NaN to bfloat16. */
    private static final short BF16_NAN = 0x7FC0;

    private Floats() {
    }

    /** IEEE binary16 bits to float (exact). */
    public static float f16(short bits) {
        return Float.float16ToFloat(bits);
    }

    /** bfloat16 bits to float (exact: bfloat16 is the upper half of a float). */
    public static float bf16(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** Float to bfloat16 bits, rounding to nearest with ties to even, as PyTorch's {@code c10::BFloat16} does. */
    public static short toBf16(float value) {
        if (Float.isNaN(value)) return BF16_NAN;
        int bits = Float.floatToRawIntBits(value);
        // Adding 0x7FFF plus the lowest kept bit rounds the dropped half to nearest, ties to even; overflow of the
        // mantissa carries into the exponent, which is exactly the rounding to the next binade or to infinity.
        int roundingBias = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + roundingBias) >>> 16);
    }

    /** Float to IEEE binary16 bits (round to nearest even, overflow to infinity). */
    public static short toF16(float value) {
        return Float.floatToFloat16(value);
    }

    /**
     * Element {@code index} (row-major, counting from 0) of an F32, F16 or BF16 tensor, as a float.
     *
     * @throws IndexOutOfBoundsException when index is outside the tensor
     * @throws CanalException            when the tensor is not of a dense float type
     */
    public static float get(Tensor t, long index) {
        long n = t.elementCount();
        if (index < 0 || index >= n) {
            throw new IndexOutOfBoundsException("tensor \"" + t.name() + "\": index " + index + " outside [0, " + n + ")");
        }
        return switch (t.dtype()) {
            case F32 -> t.data().get(F32_LE, index * 4);
            case F16 -> f16(t.data().get(I16_LE, index * 2));
            case BF16 -> bf16(t.data().get(I16_LE, index * 2));
            default -> throw new CanalException("tensor \"" + t.name() + "\": dtype " + t.dtype()
                    + " cannot be read as float (expected F32, F16 or BF16)");
        };
    }

    /** All elements of a small F32/F16/BF16 tensor as floats (copies: not for whole models). */
    public static float[] toArray(Tensor t) {
        long n = t.elementCount();
        if (n > Integer.MAX_VALUE - 8) {
            throw new CanalException("tensor \"" + t.name() + "\": " + n + " elements do not fit in a Java array");
        }
        float[] out = new float[(int) n];
        for (int i = 0; i < out.length; i++) out[i] = get(t, i);
        return out;
    }
}
