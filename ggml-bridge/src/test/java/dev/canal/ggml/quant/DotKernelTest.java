package dev.canal.ggml.quant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The vector kernels against the scalar reference (dequantize with ggml's formula, then multiply in float).
 *
 * <p>Tolerance: both compute the same n products and add them in float, in different orders (the reference row by
 * row; the kernels per lane, with the block scale applied once per block instead of per element). Each rounding
 * is at most 2^-24 of a partial sum and partial sums never exceed S = sum |w_i x_i|, so with the few roundings per
 * element involved the two agree to a small multiple of 2^-24 * S in practice; 1e-5 * S (about 170 ulps of S)
 * leaves room for the worst orders at these lengths (up to 2048) while still catching any wrong element (one misdecoded
 * weight changes the sum by ~|w_i x_i|, orders of magnitude more). Zero rows must give exactly zero.
 */
class DotKernelTest {
    static final float REL = 1e-5f;

    static int[] lengths(GgmlType t) {
        return switch (t.blockSize()) {
            case 1 -> new int[] {1, 5, 37, 1000};  // tails shorter than a vector, and odd lengths
            case 32 -> new int[] {32, 96, 2048};   // 96: three blocks, not a multiple of 64
            default -> new int[] {256, 768, 2048};
        };
    }

    private static MemorySegment quantizeRows(QuantFormat f, float[] row, int n, int copies) {
        long rb = f.rowBytes(n);
        MemorySegment w = MemorySegment.ofArray(new byte[(int) (rb * copies)]);
        for (int c = 0; c < copies; c++) f.quantizeRow(row, 0, w, c * rb, n);
        return w;
    }

    static double absSum(QuantFormat f, MemorySegment w, long off, float[] x, int xOff, int n) {
        float[] row = new float[n];
        f.dequantizeRow(w, off, row, 0, n);
        double s = 0;
        for (int i = 0; i < n; i++) s += Math.abs((double) row[i] * x[xOff + i]);
        return s;
    }

    /**
     * The same dot product gives the same bits before and after C2 compiles the kernel: the interpreter and C1 run
     * the Vector API's Java code, C2 its intrinsics, and a lane sum whose order differs between them (as
     * reduceLanes(ADD)'s does, which Q8_0's kernel still used) changes the last bits mid-run. A few thousand calls
     * take the kernel through the tiers.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1",
            "Q4_K", "Q5_K", "Q6_K"})
    void dotDoesNotChangeAsTheJitCompilesIt(GgmlType type) {
        QuantFormat f = QuantFormats.of(type);
        Random r = new Random(7 + type.id());
        int n = 256;
        MemorySegment w = quantizeRows(f, TestRows.gaussian(n, r), n, 1);
        float[] x = TestRows.gaussian(n, r);
        float first = f.dot(w, 0, x, 0, n);
        for (int i = 0; i < 20_000; i++) {
            float again = f.dot(w, 0, x, 0, n);
            if (Float.floatToRawIntBits(again) != Float.floatToRawIntBits(first)) {
                assertEquals(first, again, 0f, type + ": call " + i + " differs from the first");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1",
            "Q4_K", "Q5_K", "Q6_K"})
    void vectorDotEqualsScalarReference(GgmlType type) {
        QuantFormat f = QuantFormats.of(type);
        Random r = new Random(42 + type.id());
        for (int n : lengths(type)) {
            for (TestRows.Row row : TestRows.of(n, r.nextLong())) {
                // the weight row is the second of two (non-zero row offset); x is read from offset 3
                MemorySegment w = quantizeRows(f, row.values(), n, 2);
                long off = f.rowBytes(n);
                float[] x = new float[n + 3];
                float[] g = TestRows.gaussian(n, r);
                System.arraycopy(g, 0, x, 3, n);
                float ref = f.referenceDot(w, off, x, 3, n);
                float got = f.dot(w, off, x, 3, n);
                double tol = REL * absSum(f, w, off, x, 3, n);
                assertEquals(ref, got, tol, type + " n=" + n + " " + row.kind());
                // weights really live in mapped (native) memory: same operations, so bit-identical results
                // (checked at one length per type to keep the suite fast)
                if (n == lengths(type)[1]) {
                    try (Arena arena = Arena.ofConfined()) {
                        MemorySegment nat = arena.allocate(w.byteSize()).copyFrom(w);
                        assertEquals(got, f.dot(nat, off, x, 3, n), 0f, type + " native n=" + n + " " + row.kind());
                    }
                }
                if (row.kind().equals("zeros")) assertEquals(0f, got, type + " zeros");
            }
        }
    }

    /** Arbitrary block contents (every bit pattern of levels, -128 in Q8_0, any 6-bit scale), finite scales. */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"})
    void vectorDotOnRandomBlocks(GgmlType type) {
        QuantFormat f = QuantFormats.of(type);
        Random r = new Random(7 + type.id());
        int n = type.blockSize() * 16;
        for (int trial = 0; trial < 20; trial++) {
            byte[] bytes = new byte[(int) f.rowBytes(n)];
            r.nextBytes(bytes);
            MemorySegment w = MemorySegment.ofArray(bytes);
            for (int b = 0; b < n / type.blockSize(); b++) {
                long p = (long) b * type.bytesPerBlock();
                for (int off : scaleOffsets(type)) Fp16.write(w, p + off, (float) r.nextGaussian());
            }
            float[] x = TestRows.gaussian(n, r);
            float ref = f.referenceDot(w, 0, x, 0, n);
            float got = f.dot(w, 0, x, 0, n);
            assertEquals(ref, got, REL * absSum(f, w, 0, x, 0, n), type + " trial " + trial);
        }
    }

    static int[] scaleOffsets(GgmlType t) {
        return switch (t) {
            case Q8_0, Q4_0, Q5_0 -> new int[] {0};
            case Q4_1, Q5_1, Q4_K, Q5_K -> new int[] {0, 2};
            case Q6_K -> new int[] {208};
            default -> throw new IllegalArgumentException(t.name());
        };
    }

    /**
     * The Q8-activation kernels against a scalar loop over the same quantized activations: block sums are exact
     * integers in both, so only the float accumulation of per-block terms differs (same tolerance argument, with
     * S = sum over elements of |w_i| * |a_i|, a_i the dequantized activations).
     */
    @Test
    void q8ActivationKernelsEqualTheirScalarReference() {
        Random r = new Random(99);
        Q8Activations act = new Q8Activations();
        for (GgmlType type : new GgmlType[] {GgmlType.Q8_0, GgmlType.Q4_0}) {
            QuantFormat f = QuantFormats.of(type);
            for (int n : new int[] {32, 96, 2048}) {
                for (TestRows.Row row : TestRows.of(n, r.nextLong())) {
                    MemorySegment w = quantizeRows(f, row.values(), n, 2);
                    long off = f.rowBytes(n);
                    float[] x = TestRows.gaussian(n, r);
                    act.quantize(x);
                    float[] wd = new float[n];
                    f.dequantizeRow(w, off, wd, 0, n);
                    double s = 0;
                    for (int i = 0; i < n; i++) s += Math.abs((double) wd[i] * act.value(i) * act.scale(i / 32));
                    float ref = type == GgmlType.Q8_0 ? Q8_0Q8Kernel.referenceDot(w, off, act) : Q4_0Q8Kernel.referenceDot(w, off, act);
                    float got = type == GgmlType.Q8_0 ? Q8_0Q8Kernel.dot(w, off, act) : Q4_0Q8Kernel.dot(w, off, act);
                    assertEquals(ref, got, REL * s, type + " n=" + n + " " + row.kind());
                    // and it is still the float dot, up to the activations' quantization: each a_i is within half a
                    // step (d_a / 2, d_a <= amax / 127 rounded to fp16) of x_i
                    float exact = f.referenceDot(w, off, x, 0, n);
                    double bound = 0;
                    for (int i = 0; i < n; i++) bound += Math.abs(wd[i]) * (act.scale(i / 32) * 0.51 + 1e-7);
                    assertTrue(Math.abs(exact - got) <= bound + REL * s,
                            type + " " + row.kind() + ": " + got + " vs float dot " + exact + " bound " + bound);
                }
            }
        }
    }

    /** Q8_0 weights may hold -128 (any file can); the short pair sums must not overflow with it. */
    @Test
    void q8KernelHandlesMinus128Weights() {
        byte[] bytes = new byte[34];
        Fp16.write(MemorySegment.ofArray(bytes), 0, 1f);
        for (int j = 2; j < 34; j++) bytes[j] = -128;
        float[] x = new float[32];
        java.util.Arrays.fill(x, -1f);
        Q8Activations a = new Q8Activations().quantize(x);
        // a = -127 everywhere with d = 1/127 (fp16-rounded): 32 * (-128 * -127) = 520192, times d_a
        float expected = 520192 * a.scale(0);
        assertEquals(expected, Q8_0Q8Kernel.dot(MemorySegment.ofArray(bytes), 0, a), 1e-6f * expected);
        assertEquals(expected, Q8_0Q8Kernel.referenceDot(MemorySegment.ofArray(bytes), 0, a), 1e-6f * expected);
    }
}
