package dev.canal.ggml.quant;

/** The two integer roundings ggml's reference quantizers use; both must match C bit for bit. */
final class Rounding {
    private Rounding() {
    }

    /**
     * ggml's {@code nearest_int}: adds 1.5 * 2^23 so the float adder rounds to an integer (ties to even), then
     * reads the integer out of the mantissa. Same float addition here, so the same result, including for inputs
     * outside the +-4194303 range ggml asserts on (release builds do not check).
     */
    static int nearestInt(float f) {
        float v = f + 12582912.f;
        return (Float.floatToRawIntBits(v) & 0x007fffff) - 0x00400000;
    }

    /**
     * C's {@code roundf}: nearest integer, ties away from zero (Java's Math.round ties toward +infinity). Computed
     * in double, where |f| + 0.5 is exact for every float below 2^52, so no double rounding creeps in.
     */
    static float roundf(float f) {
        double r = Math.floor(Math.abs((double) f) + 0.5);
        return (float) Math.copySign(r, f);
    }

    /** C's conversion of a float in int range to int8_t as x86 compilers emit it: truncate, keep the low byte. */
    static int toInt8(float f) {
        return (byte) (int) f;
    }
}
