package dev.canal.engine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.canal.engine.tensor.DType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;

import org.junit.jupiter.api.Test;

class F16PrescaledMatKernelTest {
    private static final ValueLayout.OfShort U16_LE =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * Every product is F16MatKernel's exactly, so the sums are bit for bit the same, over weights that include
     * subnormal halves, zeros of both signs and the largest finite half, activations from tiny to 2^15 - 1, and rows
     * with a scalar tail.
     */
    @Test
    void givesF16MatKernelsSumsBitForBit() {
        Random rnd = new Random(11);
        int rows = 4;
        for (int n : new int[] {64, 2048, 2048 + 5}) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment w = arena.allocate((long) rows * n * 2);
                for (long i = 0; i < (long) rows * n; i++) {
                    short h = switch (rnd.nextInt(8)) {
                        case 0 -> (short) rnd.nextInt(0x400);                  // subnormal (or +0)
                        case 1 -> (short) (0x8000 | rnd.nextInt(0x400));       // negative subnormal (or -0)
                        case 2 -> (short) (rnd.nextBoolean() ? 0x7bff : 0xfbff); // ±65504
                        default -> Float.floatToFloat16((float) rnd.nextGaussian() * 0.05f);
                    };
                    w.set(U16_LE, i * 2, h);
                }
                float[] x = new float[n];
                for (int i = 0; i < n; i++) {
                    x[i] = switch (rnd.nextInt(6)) {
                        case 0 -> Float.MIN_VALUE * rnd.nextInt(1000);
                        case 1 -> 32767f * (rnd.nextBoolean() ? 1 : -1);
                        default -> (float) rnd.nextGaussian();
                    };
                }
                assertTrue(F16PrescaledMatKernel.accepts(x, n));
                float[] scaled = new float[n];
                F16PrescaledMatKernel.prescale(x, n, scaled);
                float[] want = new float[4];
                float[] got = new float[4];
                new F16MatKernel().rows1(x, 0, n, w, 0, 1, 2, 3, null, want);
                new F16PrescaledMatKernel().rows1(scaled, 0, n, w, 0, 1, 2, 3, null, got);
                for (int r = 0; r < rows; r++) {
                    assertEquals(Float.floatToRawIntBits(want[r]), Float.floatToRawIntBits(got[r]),
                            "n=" + n + " row " + r + ": " + want[r] + " vs " + got[r]);
                }
            }
        }
    }

    @Test
    void activationsThatWouldOverflowOrAreNotFiniteAreLeftToTheExactKernel() {
        float[] x = new float[37];
        assertTrue(F16PrescaledMatKernel.accepts(x, 37));
        for (float bad : new float[] {0x1p15f, -1e30f, Float.POSITIVE_INFINITY, Float.NaN}) {
            for (int at : new int[] {0, 20, 36}) { // in the vector part and in the tail
                float[] y = x.clone();
                y[at] = bad;
                assertFalse(F16PrescaledMatKernel.accepts(y, 37), bad + " at " + at);
            }
        }
    }

    /** A decode row with an activation of 1e6 (beyond what prescaling allows) still matches the reference. */
    @Test
    void aDecodeRowWithAHugeActivationStillMultipliesCorrectly() {
        Random rnd = new Random(5);
        int cols = 100;
        int outRows = 9;
        try (Arena arena = Arena.ofShared(); CpuBackend backend = new CpuBackend(2)) {
            TestTensors.Built w = TestTensors.tensor(arena, "w", DType.F16,
                    TestTensors.random(rnd, outRows * cols, 0.5f), outRows, cols);
            float[] x = TestTensors.random(rnd, cols, 1f);
            x[17] = 1e6f;
            CpuActivations out = backend.allocate(1, outRows);
            backend.matmul(out, TestTensors.activations(backend, 1, cols, x), backend.weight(w.tensor()), 1);
            for (int o = 0; o < outRows; o++) {
                double sum = 0;
                double abs = 0;
                for (int i = 0; i < cols; i++) {
                    sum += (double) x[i] * w.values()[o * cols + i];
                    abs += Math.abs((double) x[i] * w.values()[o * cols + i]);
                }
                assertEquals(sum, out.data()[o], 1e-5 * abs, "output " + o);
            }
        }
    }
}
