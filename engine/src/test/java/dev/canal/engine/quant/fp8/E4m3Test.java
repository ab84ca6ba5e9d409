package dev.canal.engine.quant.fp8;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class E4m3Test {

    /** The OCP FP8 E4M3 definition, written out independently of the production table. */
    static double spec(int code) {
        int s = (code >> 7) & 1, e = (code >> 3) & 0xf, m = code & 7;
        if (e == 0xf && m == 7) return Double.NaN;
        double v = e == 0 ? m / 8.0 * Math.pow(2, -6) : (1 + m / 8.0) * Math.pow(2, e - 7);
        return s == 1 ? -v : v;
    }

    @Test
    void everyCodeDecodesAsTheSpecSays() {
        for (int c = 0; c < 256; c++) {
            double expected = spec(c);
            if (Double.isNaN(expected)) {
                assertTrue(Float.isNaN(E4m3.decode(c)), "code " + c);
            } else {
                assertEquals((float) expected, E4m3.decode(c), 0f, "code " + c);
                assertEquals(c >= 128, Float.floatToRawIntBits(E4m3.decode(c)) < 0, "sign of code " + c);
            }
        }
        assertEquals(448f, E4m3.decode(0x7e));
        assertEquals(0x1p-9f, E4m3.decode(0x01));
    }

    /** The vector decoder, fed every code at every lane position, agrees bit for bit with the scalar one. */
    @Test
    void vectorDecodingMatchesScalarForEveryCode() {
        byte[] bytes = new byte[256 + 64];
        for (int i = 0; i < bytes.length; i++) bytes[i] = (byte) (i * 7 + 3);
        MemorySegment seg = MemorySegment.ofArray(bytes);
        float[] lanes = new float[Kernels.F.length()];
        for (int off = 0; off + Kernels.B.length() <= bytes.length; off++) {
            E4m3.decode(seg, off).intoArray(lanes, 0);
            for (int k = 0; k < lanes.length; k++) {
                float expected = E4m3.decode(bytes[off + k]);
                if (Float.isNaN(expected)) {
                    assertTrue(Float.isNaN(lanes[k]), "code " + (bytes[off + k] & 0xff));
                } else {
                    assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(lanes[k]),
                            "code " + (bytes[off + k] & 0xff));
                }
            }
        }
    }

    @Test
    void encodingRoundsToNearestEvenAndSaturates() {
        for (int c = 0; c < 256; c++) {
            if (Double.isNaN(spec(c))) continue;
            assertEquals(c, E4m3.encode((float) spec(c)) & 0xff, "exact value of code " + c);
        }
        // Midpoints between neighbours go to the even mantissa; just off a midpoint goes to the nearer one.
        for (int c = 0; c < 0x7e; c++) {
            double mid = (spec(c) + spec(c + 1)) / 2;
            int even = (c & 1) == 0 ? c : c + 1;
            assertEquals(even, E4m3.encode((float) mid) & 0xff, "midpoint above code " + c);
            assertEquals(c, E4m3.encode(Math.nextDown((float) mid)) & 0xff, "below the midpoint above " + c);
            assertEquals(c + 1, E4m3.encode(Math.nextUp((float) mid)) & 0xff, "above the midpoint above " + c);
        }
        assertEquals(0x7e, E4m3.encode(464f) & 0xff, "a tie between 448 and (NaN) 480 saturates");
        assertEquals(0x7e, E4m3.encode(1e9f) & 0xff);
        assertEquals(0xfe, E4m3.encode(Float.NEGATIVE_INFINITY) & 0xff);
        assertEquals(0x80, E4m3.encode(-0f) & 0xff);
        assertEquals(0x00, E4m3.encode(0x1p-11f) & 0xff, "a quarter of the smallest subnormal rounds to 0");
        assertEquals(0x7f, E4m3.encode(Float.NaN) & 0xff);
    }
}
