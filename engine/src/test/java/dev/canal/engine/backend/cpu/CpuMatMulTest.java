package dev.canal.engine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.canal.engine.backend.Weight;
import dev.canal.engine.tensor.DType;

import java.lang.foreign.Arena;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * matmul against a double-precision reference. Tolerance: float32 accumulation of n products errs by at most about
 * n·2⁻²⁴ times Σ|xᵢ·wᵢ|; with n ≤ 257 and blocked (vector lane) summation the observed error is far below
 * 1e-5 · Σ|xᵢ·wᵢ|, the bound asserted. Weights are compared as the values their dtype holds, so F16/BF16 rounding of
 * the test data is not counted as kernel error.
 */
class CpuMatMulTest {

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16"})
    void matchesDoubleReference(DType dtype) {
        Random rnd = new Random(42);
        try (Arena arena = Arena.ofShared(); CpuBackend backend = new CpuBackend(2)) {
            for (int cols : new int[] {72, 100, 257}) {
                for (int outRows : new int[] {1, 5, 13}) {
                    for (int rows : new int[] {1, 3, 17}) {
                        check(backend, arena, rnd, dtype, rows, cols, outRows);
                    }
                }
            }
        }
    }

    private static void check(CpuBackend backend, Arena arena, Random rnd, DType dtype, int rows, int cols,
                              int outRows) {
        TestTensors.Built w = TestTensors.tensor(arena, "w", dtype, TestTensors.random(rnd, outRows * cols, 0.5f),
                outRows, cols);
        float[] x = TestTensors.random(rnd, rows * cols, 1f);
        // one spare row in each buffer: ops must touch only the first `rows`
        CpuActivations in = TestTensors.activations(backend, rows + 1, cols, x);
        CpuActivations out = backend.allocate(rows + 1, outRows);
        out.data()[rows * outRows] = 7f;
        backend.matmul(out, in, backend.weight(w.tensor()), rows);
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < outRows; o++) {
                double sum = 0;
                double abs = 0;
                for (int i = 0; i < cols; i++) {
                    double p = (double) x[r * cols + i] * w.values()[o * cols + i];
                    sum += p;
                    abs += Math.abs(p);
                }
                float got = out.data()[r * outRows + o];
                double want = sum;
                assertTrue(Math.abs(got - want) <= 1e-5 * abs, () -> dtype + " rows=" + rows + " cols=" + cols
                        + " out=" + outRows + " got " + got + " want " + want);
            }
        }
        assertEquals(7f, out.data()[rows * outRows], "row past `rows` was written");
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16"})
    void oneAndTwoThreadsGiveIdenticalResults(DType dtype) {
        Random rnd = new Random(7);
        int rows = 19;
        int cols = 257;
        int outRows = 41;
        try (Arena arena = Arena.ofShared(); CpuBackend one = new CpuBackend(1); CpuBackend two = new CpuBackend(2)) {
            TestTensors.Built w = TestTensors.tensor(arena, "w", dtype, TestTensors.random(rnd, outRows * cols, 1f),
                    outRows, cols);
            float[] x = TestTensors.random(rnd, rows * cols, 1f);
            for (int r : new int[] {1, 4, rows}) {
                CpuActivations a = one.allocate(rows, outRows);
                CpuActivations b = two.allocate(rows, outRows);
                one.matmul(a, TestTensors.activations(one, rows, cols, x), one.weight(w.tensor()), r);
                two.matmul(b, TestTensors.activations(two, rows, cols, x), two.weight(w.tensor()), r);
                assertArrayEquals(a.data(), b.data(), "rows=" + r);
            }
        }
    }

    @Test
    void prefillRowsMatchDecodeRows() {
        // a row computed inside a 4-row tile equals the same row computed alone (decode path)
        Random rnd = new Random(3);
        int cols = 100;
        int outRows = 9;
        try (Arena arena = Arena.ofShared(); CpuBackend backend = new CpuBackend(2)) {
            Weight w = backend.weight(TestTensors.tensor(arena, "w", DType.BF16,
                    TestTensors.random(rnd, outRows * cols, 1f), outRows, cols).tensor());
            float[] x = TestTensors.random(rnd, 8 * cols, 1f);
            CpuActivations all = backend.allocate(8, outRows);
            backend.matmul(all, TestTensors.activations(backend, 8, cols, x), w, 8);
            for (int r = 0; r < 8; r++) {
                float[] row = new float[cols];
                System.arraycopy(x, r * cols, row, 0, cols);
                CpuActivations single = backend.allocate(1, outRows);
                backend.matmul(single, TestTensors.activations(backend, 1, cols, row), w, 1);
                float[] expected = new float[outRows];
                System.arraycopy(all.data(), r * outRows, expected, 0, outRows);
                assertArrayEquals(expected, single.data(), "row " + r);
            }
        }
    }
}
