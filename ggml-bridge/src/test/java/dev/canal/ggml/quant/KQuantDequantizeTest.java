package dev.canal.ggml.quant;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The vectorized K-quant dequantizers against scalar ones written here from ggml's dequantize_row_q4_K / q5_K /
 * q6_K (element by element, the same float operations in the same order), on blocks of arbitrary bytes: every
 * level, high-bit and 6-bit scale/min pattern, random finite fp16 d and dmin. Bit-identical floats required; the
 * rows start at odd byte and element offsets, in heap and native memory.
 */
class KQuantDequantizeTest {

    private static int u8(MemorySegment s, long i) {
        return s.get(java.lang.foreign.ValueLayout.JAVA_BYTE, i) & 0xFF;
    }

    /** ggml's get_scale_min_k4: 6-bit scale (k = 0) or min (k = 1) of sub-block j from the 12 bytes at q. */
    private static int scaleMin(MemorySegment s, long q, int j, int k) {
        if (j < 4) return u8(s, q + j + 4 * k) & 63;
        return k == 0
                ? (u8(s, q + j + 4) & 0xF) | ((u8(s, q + j - 4) >> 6) << 4)
                : (u8(s, q + j + 4) >> 4) | ((u8(s, q + j) >> 6) << 4);
    }

    /**
     * ggml's dequantize_row_q4_K ({@code fifthBit} false: 144-byte blocks) and q5_K (176-byte blocks), which differ
     * only in Q5_K's fifth bit: 32 bytes of qh at p + 16 (bit j for sub-block j), its nibbles after them.
     */
    private static void referenceQ45K(MemorySegment s, long off, float[] y, int yo, int n, boolean fifthBit) {
        int blockBytes = fifthBit ? 176 : 144;
        int nibbles = fifthBit ? 48 : 16;
        for (int b = 0; b < n / 256; b++) {
            long p = off + (long) blockBytes * b;
            float d = Fp16.read(s, p);
            float dmin = Fp16.read(s, p + 2);
            for (int j = 0; j < 8; j++) {
                float dj = d * scaleMin(s, p + 4, j, 0);
                float mj = dmin * scaleMin(s, p + 4, j, 1);
                for (int l = 0; l < 32; l++) {
                    int byteVal = u8(s, p + nibbles + 32L * (j / 2) + l);
                    int q = j % 2 == 0 ? byteVal & 0xF : byteVal >> 4;
                    if (fifthBit) q += ((u8(s, p + 16 + l) >> j) & 1) << 4;
                    y[yo + 256 * b + 32 * j + l] = dj * q - mj;
                }
            }
        }
    }

    private static void referenceQ6K(MemorySegment s, long off, float[] y, int yo, int n) {
        for (int b = 0; b < n / 256; b++) {
            long p = off + 210L * b;
            float d = Fp16.read(s, p + 208);
            for (int e = 0; e < 256; e++) {
                int half = e / 128;
                int r = e % 128;
                int quarter = r / 32;
                int l = r % 32;
                int ql = u8(s, p + 64L * half + 32L * (quarter % 2) + l);
                int lo = quarter < 2 ? ql & 0xF : ql >> 4;
                int hi = (u8(s, p + 128 + 32L * half + l) >> (2 * quarter)) & 3;
                int scale = s.get(java.lang.foreign.ValueLayout.JAVA_BYTE, p + 192 + e / 16);
                y[yo + 256 * b + e] = d * scale * ((lo | (hi << 4)) - 32);
            }
        }
    }

    private static void reference(GgmlType t, MemorySegment s, long off, float[] y, int yo, int n) {
        switch (t) {
            case Q4_K -> referenceQ45K(s, off, y, yo, n, false);
            case Q5_K -> referenceQ45K(s, off, y, yo, n, true);
            case Q6_K -> referenceQ6K(s, off, y, yo, n);
            default -> throw new IllegalArgumentException(t.name());
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_K", "Q5_K", "Q6_K"})
    void vectorDequantizationEqualsGgmlsScalarLoopOnArbitraryBlocks(GgmlType type) {
        QuantFormat f = QuantFormats.of(type);
        Random r = new Random(11 + type.id());
        int[] scaleOffsets = type == GgmlType.Q6_K ? new int[] {208} : new int[] {0, 2};
        for (int n : new int[] {256, 768, 2048}) {
            for (int trial = 0; trial < 6; trial++) {
                long off = 1 + r.nextInt(7);  // unaligned start
                byte[] bytes = new byte[(int) (off + f.rowBytes(n))];
                r.nextBytes(bytes);
                MemorySegment w = MemorySegment.ofArray(bytes);
                for (int b = 0; b < n / 256; b++) {
                    long p = off + (long) b * type.bytesPerBlock();
                    for (int so : scaleOffsets) {
                        // normal, subnormal and zero fp16 scales, both signs
                        float v = switch (r.nextInt(4)) {
                            case 0 -> 0f;
                            case 1 -> (float) r.nextGaussian() * 1e-6f;
                            default -> (float) r.nextGaussian();
                        };
                        Fp16.write(w, p + so, v);
                    }
                }
                int yo = 3;
                float[] expected = new float[n + 5];
                float[] got = new float[n + 5];
                reference(type, w, off, expected, yo, n);
                f.dequantizeRow(w, off, got, yo, n);
                for (int i = 0; i < n + 5; i++) {
                    assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(got[i]),
                            type + " n=" + n + " trial " + trial + " element " + (i - yo) + ": " + expected[i]
                                    + " vs " + got[i]);
                }
                try (Arena arena = Arena.ofConfined()) {
                    float[] nat = new float[n + 5];
                    f.dequantizeRow(arena.allocate(bytes.length).copyFrom(w), off, nat, yo, n);
                    for (int i = 0; i < n + 5; i++) {
                        assertEquals(Float.floatToRawIntBits(got[i]), Float.floatToRawIntBits(nat[i]),
                                type + " native n=" + n + " element " + (i - yo));
                    }
                }
            }
        }
    }
}
