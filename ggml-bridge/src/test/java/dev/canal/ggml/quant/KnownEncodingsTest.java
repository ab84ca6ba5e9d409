package dev.canal.ggml.quant;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Blocks whose bytes are derived by hand from ggml's reference algorithms (derivations in the comments). */
class KnownEncodingsTest {

    private static byte[] quantize(GgmlType type, float[] x) {
        QuantFormat f = QuantFormats.of(type);
        MemorySegment out = MemorySegment.ofArray(new byte[(int) f.rowBytes(x.length)]);
        f.quantizeRow(x, 0, out, 0, x.length);
        return out.toArray(ValueLayout.JAVA_BYTE);
    }

    private static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) b[i] = (byte) v[i];
        return b;
    }

    /**
     * Q8_0 of 1, 2, ..., 32: amax = 32, d = 32/127 = 0.2519685f, whose nearest fp16 is 0x3408 (0.25 * (1 + 8/1024)),
     * stored little-endian as 08 34. id = 1/d = 3.96875f exactly (127/32), so q_i = roundf(i * 127/32):
     * 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60, then i = 16 gives exactly 63.5, which roundf takes
     * away from zero to 64, then 67, 71, 75, 79, 83, 87, 91, 95, 99, 103, 107, 111, 115, 119, 123, 127.
     */
    static final int[] Q8_RAMP = {4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60, 64,
            67, 71, 75, 79, 83, 87, 91, 95, 99, 103, 107, 111, 115, 119, 123, 127};

    @Test
    void q8_0OfOneToThirtyTwo() {
        float[] x = new float[32];
        for (int i = 0; i < 32; i++) x[i] = i + 1;
        byte[] expected = new byte[34];
        expected[0] = 0x08;
        expected[1] = 0x34;
        for (int i = 0; i < 32; i++) expected[2 + i] = (byte) Q8_RAMP[i];
        assertArrayEquals(expected, quantize(GgmlType.Q8_0, x));
    }

    /**
     * The negated ramp: d is the same (amax), q_i negated; the tie -63.5 goes to -64 (roundf, away from zero), where
     * Java's Math.round would give -63.
     */
    @Test
    void q8_0OfNegativeRampRoundsTiesAwayFromZero() {
        float[] x = new float[32];
        for (int i = 0; i < 32; i++) x[i] = -(i + 1);
        byte[] q = quantize(GgmlType.Q8_0, x);
        assertEquals(0x08, q[0]);
        assertEquals(0x34, q[1]);
        for (int i = 0; i < 32; i++) assertEquals(-Q8_RAMP[i], q[2 + i], "element " + i);
    }

    /**
     * Q4_0 of x_i = i - 16 (i = 0..31, so -16..15): the largest magnitude is -16 (sign kept), d = -16 / -8 = 2.0 =
     * fp16 0x4000 (bytes 00 40), id = 0.5. q_i = min(15, trunc((i - 16) * 0.5 + 8.5)) = floor((i + 1) / 2), except
     * i = 31 where 16 is clamped to 15: q = 0 1 1 2 2 3 3 4 4 5 5 6 6 7 7 8 | 8 9 9 10 10 11 11 12 12 13 13 14 14 15 15
     * 15. Byte j packs q_j (low nibble) and q_{j+16} (high nibble): 0x80, 0x91, 0x91, 0xA2, 0xA2, 0xB3, 0xB3, 0xC4,
     * 0xC4, 0xD5, 0xD5, 0xE6, 0xE6, 0xF7, 0xF7, 0xF8.
     */
    @Test
    void q4_0OfARamp() {
        float[] x = new float[32];
        for (int i = 0; i < 32; i++) x[i] = i - 16;
        byte[] expected = bytes(0x00, 0x40, 0x80, 0x91, 0x91, 0xA2, 0xA2, 0xB3, 0xB3, 0xC4, 0xC4, 0xD5, 0xD5, 0xE6,
                0xE6, 0xF7, 0xF7, 0xF8);
        assertArrayEquals(expected, quantize(GgmlType.Q4_0, x));
        // and back: level q means (q - 8) * 2, so -16 is exact and 15 comes back as 14 (level 15 is the top)
        float[] y = new float[32];
        QuantFormats.of(GgmlType.Q4_0).dequantizeRow(MemorySegment.ofArray(expected), 0, y, 0, 32);
        assertEquals(-16f, y[0]);
        assertEquals(14f, y[31]);
    }

    /**
     * Q4_1 of x_i = i / 2 (0, 0.5, ..., 15.5): min = 0, max = 15.5, d = 15.5 / 15 = 1.0333333f, nearest fp16
     * 0x3C22 (1 + 34/1024 = 1.033203125; 1.0333333 * 1024 - 1024 = 34.13), m = 0 (0x0000). q_i = min(15,
     * trunc(x_i / d + 0.5)): x_i / d = i * 0.48387 so q = 0 0 1 1 2 2 3 3 4 4 5 5 6 6 7 7 | 8 8 9 9 10 10 11 11 12 12
     * 13 13 14 14 15 15 (i / 2 * 15 / 15.5 + 0.5 truncated) and byte j = q_j | q_{j+16} << 4.
     */
    @Test
    void q4_1OfARamp() {
        float[] x = new float[32];
        for (int i = 0; i < 32; i++) x[i] = i / 2f;
        int[] q = new int[32];
        for (int i = 0; i < 32; i++) q[i] = i / 2;
        byte[] expected = new byte[20];
        expected[0] = 0x22;
        expected[1] = 0x3C;
        for (int j = 0; j < 16; j++) expected[4 + j] = (byte) (q[j] | (q[j + 16] << 4));
        assertArrayEquals(expected, quantize(GgmlType.Q4_1, x));
    }

    /**
     * An all-zero block. Q4_0: max = 0 so d = 0 / -8 = -0.0f, stored as fp16 0x8000 (bytes 00 80), id = 0, and every
     * element lands on level trunc(0 + 8.5) = 8 (bytes 0x88). Q8_0: d = +0 and q = 0 everywhere. Q6_K: the block is
     * cleared to zeros.
     */
    @Test
    void zeroBlocks() {
        float[] x = new float[32];
        byte[] q4 = quantize(GgmlType.Q4_0, x);
        assertEquals(0, q4[0]);
        assertEquals((byte) 0x80, q4[1]);
        for (int j = 2; j < 18; j++) assertEquals((byte) 0x88, q4[j]);
        byte[] q8 = quantize(GgmlType.Q8_0, x);
        for (byte b : q8) assertEquals(0, b);
        byte[] q6 = quantize(GgmlType.Q6_K, new float[256]);
        for (byte b : q6) assertEquals(0, b, "Q6_K of zeros is an all-zero block");
    }
}
