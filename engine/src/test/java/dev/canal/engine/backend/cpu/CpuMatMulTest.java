package dev.canal.engine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.canal.engine.backend.Weight;
import dev.canal.engine.tensor.DType;

import java.lang.foreign.Arena;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
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
                    // decode kernels; SkinnyGemm's tiles of one to four vectors of rows (with AVX-512: 8-16,
                    // 17-32, 33-48, 49 on), partial and whole; PanelGemm from MatMul.PANEL_ROWS
                    for (int rows : new int[] {1, 3, 9, 17, 40, 64, 70, MatMul.PANEL_ROWS + 3}) {
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
        int rows = 70;
        int cols = 257;
        int outRows = 41;
        try (Arena arena = Arena.ofShared(); CpuBackend one = new CpuBackend(1); CpuBackend two = new CpuBackend(2)) {
            TestTensors.Built w = TestTensors.tensor(arena, "w", dtype, TestTensors.random(rnd, outRows * cols, 1f),
                    outRows, cols);
            float[] x = TestTensors.random(rnd, rows * cols, 1f);
            for (int r : new int[] {1, 4, 19, 35, rows}) {
                CpuActivations a = one.allocate(rows, outRows);
                CpuActivations b = two.allocate(rows, outRows);
                one.matmul(a, TestTensors.activations(one, rows, cols, x), one.weight(w.tensor()), r);
                two.matmul(b, TestTensors.activations(two, rows, cols, x), two.weight(w.tensor()), r);
                assertArrayEquals(a.data(), b.data(), "rows=" + r);
            }
        }
    }

    /**
     * The same product gives the same bits before and after C2 compiles the kernels: the interpreter and C1 run the
     * Vector API's Java code, C2 its intrinsics, and a lane reduction whose order differs between them (as
     * reduceLanes(ADD)'s does) changed results mid-run. A few thousand decode products take every kernel through the
     * tiers.
     */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16"})
    void resultsDoNotChangeAsTheJitCompilesTheKernels(DType dtype) {
        Random rnd = new Random(11);
        int cols = 257;
        int outRows = 41;
        try (Arena arena = Arena.ofShared(); CpuBackend backend = new CpuBackend(1)) {
            TestTensors.Built built = TestTensors.tensor(arena, "w", dtype, TestTensors.random(rnd, outRows * cols, 1f),
                    outRows, cols);
            Weight w = backend.weight(built.tensor());
            CpuActivations x = TestTensors.activations(backend, 1, cols, TestTensors.random(rnd, cols, 1f));
            CpuActivations out = backend.allocate(1, outRows);
            backend.matmul(out, x, w, 1);
            float[] first = out.data().clone();
            for (int i = 0; i < 6000; i++) {
                backend.matmul(out, x, w, 1);
                if (!java.util.Arrays.equals(first, out.data())) {
                    assertArrayEquals(first, out.data(), dtype + ": product " + i + " differs from the first");
                }
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"F32, 11", "F16, 11", "BF16, 11", "F32, 45", "F32, 67", "F16, 67", "BF16, 67", "F32, 259"})
    void prefillRowsMatchDecodeRowsToRounding(DType dtype, int rows) {
        // a row computed by the prefill GEMM (weights decoded once into a panel, sums in k order) equals the same
        // row computed alone by the decode kernel (vector-lane partial sums) up to float rounding; 40 outputs with
        // 600 inputs span a partial weight block and three k-chunks; 11 rows (SkinnyGemm) a partial vector of rows,
        // 67 (PanelGemm) a partial micro-kernel tile
        Random rnd = new Random(3);
        int cols = 600;
        int outRows = 40;
        try (Arena arena = Arena.ofShared(); CpuBackend backend = new CpuBackend(2)) {
            TestTensors.Built built = TestTensors.tensor(arena, "w", dtype,
                    TestTensors.random(rnd, outRows * cols, 1f), outRows, cols);
            Weight w = backend.weight(built.tensor());
            float[] x = TestTensors.random(rnd, rows * cols, 1f);
            CpuActivations all = backend.allocate(rows, outRows);
            backend.matmul(all, TestTensors.activations(backend, rows, cols, x), w, rows);
            for (int r = 0; r < rows; r++) {
                float[] row = new float[cols];
                System.arraycopy(x, r * cols, row, 0, cols);
                CpuActivations single = backend.allocate(1, outRows);
                backend.matmul(single, TestTensors.activations(backend, 1, cols, row), w, 1);
                for (int o = 0; o < outRows; o++) {
                    double abs = 0;
                    for (int i = 0; i < cols; i++) abs += Math.abs((double) row[i] * built.values()[o * cols + i]);
                    assertEquals(single.data()[o], all.data()[r * outRows + o], 1e-6 * abs, "row " + r + ", out " + o);
                }
            }
        }
    }
}
