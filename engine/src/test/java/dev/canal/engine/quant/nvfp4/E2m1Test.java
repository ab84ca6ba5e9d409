package dev.canal.engine.quant.nvfp4;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.canal.engine.quant.fp8.Kernels;
import jdk.incubator.vector.IntVector;
import org.junit.jupiter.api.Test;

class E2m1Test {

    /** E2M1 as the OCP MX spec defines it: bias 1, exponent 0 is subnormal (m · 0.5), no specials. */
    static double spec(int code) {
        int s = (code >> 3) & 1, e = (code >> 1) & 3, m = code & 1;
        double v = e == 0 ? m * 0.5 : (1 + m / 2.0) * Math.pow(2, e - 1);
        return s == 1 ? -v : v;
    }

    @Test
    void everyCodeDecodesAsTheSpecSays() {
        for (int c = 0; c < 16; c++) {
            assertEquals((float) spec(c), E2m1.decode(c), 0f, "code " + c);
            assertEquals(c >= 8, Float.floatToRawIntBits(E2m1.decode(c)) < 0, "sign of code " + c);
        }
    }

    /** The table lookup (16 or 8 lanes) and the arithmetic decoding (fewer lanes) give the same bits. */
    @Test
    void vectorDecodingsAgreeWithTheSpec() {
        int lanes = Kernels.I.length();
        int[] codes = new int[lanes];
        int[] viaValues = new int[lanes];
        int[] viaArithmetic = new int[lanes];
        for (int first = 0; first < 16; first += lanes) {
            for (int k = 0; k < lanes; k++) codes[k] = (first + k) % 16;
            IntVector v = IntVector.fromArray(Kernels.I, codes, 0);
            Nvfp4Matrix.values(v).intoArray(viaValues, 0);
            Nvfp4Matrix.arithmetic(v).intoArray(viaArithmetic, 0);
            for (int k = 0; k < lanes; k++) {
                int expected = Float.floatToRawIntBits((float) spec(codes[k]));
                if (codes[k] == 8) expected = Float.floatToRawIntBits(-0f);
                assertEquals(expected, viaValues[k], "lookup of code " + codes[k]);
                assertEquals(expected, viaArithmetic[k], "arithmetic decoding of code " + codes[k]);
            }
        }
    }

    @Test
    void encodingRoundsToNearestEvenAndSaturates() {
        for (int c = 0; c < 16; c++) {
            if (c == 8) continue;
            assertEquals(c, E2m1.encode((float) spec(c)), "exact value of code " + c);
        }
        assertEquals(8, E2m1.encode(-0f));
        for (int c = 0; c < 7; c++) {
            float mid = (float) ((spec(c) + spec(c + 1)) / 2);
            assertEquals((c & 1) == 0 ? c : c + 1, E2m1.encode(mid), "midpoint above code " + c);
            assertEquals(((c & 1) == 0 ? c : c + 1) | 8, E2m1.encode(-mid), "negative midpoint above code " + c);
            assertEquals(c, E2m1.encode(Math.nextDown(mid)));
            assertEquals(c + 1, E2m1.encode(Math.nextUp(mid)));
        }
        assertEquals(7, E2m1.encode(100f));
        assertEquals(15, E2m1.encode(-7f));
    }
}
