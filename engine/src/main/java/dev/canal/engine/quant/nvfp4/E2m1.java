package dev.canal.engine.quant.nvfp4;

/**
 * FP4 E2M1, the element type of NVFP4: 1 sign, 2 exponent (bias 1) and 1 mantissa bit, no infinities or NaN, so
 * the 16 codes are ±{0, 0.5, 1, 1.5, 2, 3, 4, 6}; bit 3 is the sign.
 */
public final class E2m1 {
    /** The largest magnitude. */
    public static final float MAX = 6f;

    private static final float[] VALUES = {
            0f, 0.5f, 1f, 1.5f, 2f, 3f, 4f, 6f, -0f, -0.5f, -1f, -1.5f, -2f, -3f, -4f, -6f};

    private E2m1() {
    }

    /** The value of the low four bits of {@code code}. */
    public static float decode(int code) {
        return VALUES[code & 15];
    }

    /** The 16 values in code order (a copy). */
    public static float[] values() {
        return VALUES.clone();
    }

    /**
     * {@code value} rounded to the nearest code, ties to even (to the code whose mantissa bit is 0, as IEEE-style
     * casts and ModelOpt do), saturating at ±6; NaN becomes 0.
     */
    public static int encode(float value) {
        float a = Math.abs(value);
        int code;
        if (!(a > 0.25f)) code = 0;
        else if (a < 0.75f) code = 1;
        else if (a <= 1.25f) code = 2;
        else if (a < 1.75f) code = 3;
        else if (a <= 2.5f) code = 4;
        else if (a < 3.5f) code = 5;
        else if (a <= 5f) code = 6;
        else code = 7;
        return Float.floatToRawIntBits(value) < 0 && !Float.isNaN(value) ? code | 8 : code;
    }
}
