package dev.canal.engine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.backend.Weight;
import dev.canal.engine.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * Block-quantized weights in the CPU backend, with a test format ({@link ScaledInt8Format}); ggml's formats are
 * tested through the backend in ggml-bridge (CpuBackendBlockTest). Reference: a double-precision product over the
 * dequantized weights, within 1e-5 · Σ|wᵢ·xᵢ| (float32 summation, as in CpuMatMulTest).
 */
class CpuBlockWeightTest {
    private static final int COLS = 40;
    private static final int OUT = 7;

    @Test
    void matmulOnPackedBlocksMatchesTheDequantizedProductOnAnyThreadCount() {
        ScaledInt8Format f = new ScaledInt8Format(false);
        Random rnd = new Random(11);
        try (Arena arena = Arena.ofShared(); CpuBackend one = new CpuBackend(1); CpuBackend two = new CpuBackend(2)) {
            Tensor t = Tensor.quantized("w", f, new long[] {OUT, COLS},
                    f.encode(arena, TestTensors.random(rnd, OUT * COLS, 1f), OUT, COLS));
            float[] w = dequantized(f, t);
            // 1, 3 and 5 rows (a 4-row tile and a single row): the format's dot; 17 rows: weight rows dequantized
            // once per panel, F32 kernel
            for (int rows : new int[] {1, 3, 5, 17}) {
                float[] x = TestTensors.random(rnd, rows * COLS, 1f);
                CpuActivations a = one.allocate(rows, OUT);
                CpuActivations b = two.allocate(rows, OUT);
                one.matmul(a, TestTensors.activations(one, rows, COLS, x), one.weight(t), rows);
                two.matmul(b, TestTensors.activations(two, rows, COLS, x), two.weight(t), rows);
                assertArrayEquals(a.data(), b.data(), "1 vs 2 threads, rows=" + rows);
                for (int r = 0; r < rows; r++) {
                    for (int o = 0; o < OUT; o++) {
                        double sum = 0;
                        double abs = 0;
                        for (int i = 0; i < COLS; i++) {
                            double p = (double) x[r * COLS + i] * w[o * COLS + i];
                            sum += p;
                            abs += Math.abs(p);
                        }
                        assertEquals(sum, a.data()[r * OUT + o], 1e-5 * abs, "rows=" + rows + " [" + r + "," + o + "]");
                    }
                }
            }
        }
    }

    /** A format's quantized activations serve single rows only, from one buffer the backend reuses. */
    @Test
    void quantizedActivationsAreUsedForSingleRowsOnly() {
        ScaledInt8Format f = new ScaledInt8Format(true);
        Random rnd = new Random(12);
        try (Arena arena = Arena.ofShared(); CpuBackend backend = new CpuBackend(2)) {
            Tensor t = Tensor.quantized("w", f, new long[] {OUT, COLS},
                    f.encode(arena, TestTensors.random(rnd, OUT * COLS, 1f), OUT, COLS));
            Weight weight = backend.weight(t);
            float[] w = dequantized(f, t);
            for (int rows : new int[] {1, 1, 3}) {
                float[] x = TestTensors.random(rnd, rows * COLS, 2f);
                CpuActivations out = backend.allocate(rows, OUT);
                backend.matmul(out, TestTensors.activations(backend, rows, COLS, x), weight, rows);
                for (int r = 0; r < rows; r++) {
                    for (int o = 0; o < OUT; o++) {
                        double sum = 0;
                        double abs = 0;
                        for (int i = 0; i < COLS; i++) {
                            // single rows see the activations rounded to integers, batches see them as they are
                            double xi = rows == 1 ? Math.round(x[r * COLS + i]) : x[r * COLS + i];
                            sum += xi * w[o * COLS + i];
                            abs += Math.abs(xi * w[o * COLS + i]);
                        }
                        assertEquals(sum, out.data()[r * OUT + o], 1e-5 * abs, "rows=" + rows);
                    }
                }
            }
            assertEquals(1, f.buffersCreated, "one activation buffer per format, reused");
        }
    }

    @Test
    void quantizedEmbeddingAndVectorAreDequantized() {
        ScaledInt8Format f = new ScaledInt8Format(false);
        Random rnd = new Random(13);
        try (Arena arena = Arena.ofShared(); CpuBackend backend = new CpuBackend(1)) {
            Tensor table = Tensor.quantized("embed", f, new long[] {OUT, COLS},
                    f.encode(arena, TestTensors.random(rnd, OUT * COLS, 1f), OUT, COLS));
            float[] rows = dequantized(f, table);
            CpuActivations out = backend.allocate(2, COLS);
            backend.embed(out, backend.weight(table), new int[] {5, 2}, 2);
            for (int i = 0; i < COLS; i++) {
                assertEquals(rows[5 * COLS + i], out.data()[i]);
                assertEquals(rows[2 * COLS + i], out.data()[COLS + i]);
            }
            Tensor bias = Tensor.quantized("bias", f, new long[] {COLS},
                    f.encode(arena, TestTensors.random(rnd, COLS, 1f), 1, COLS));
            float[] b = dequantized(f, bias);
            float[] before = out.data().clone();
            backend.addBias(out, backend.weight(bias), 2);
            for (int i = 0; i < 2 * COLS; i++) assertEquals(before[i] + b[i % COLS], out.data()[i]);
        }
    }

    @Test
    void rowsNotAMultipleOfTheBlockAndWrongSizesAreRefused() {
        ScaledInt8Format f = new ScaledInt8Format(false);
        try (CpuBackend backend = new CpuBackend(1)) {
            CanalException ragged = assertThrows(CanalException.class, () -> backend.weight(Tensor.quantized(
                    "layers.0.q", f, new long[] {2, 12}, MemorySegment.ofArray(new byte[2 * ScaledInt8Format.BYTES]))));
            assertTrue(ragged.getMessage().contains("layers.0.q") && ragged.getMessage().contains("block size 8"),
                    ragged.getMessage());
            CanalException size = assertThrows(CanalException.class, () -> backend.weight(Tensor.quantized(
                    "layers.0.k", f, new long[] {2, 16}, MemorySegment.ofArray(new byte[3 * ScaledInt8Format.BYTES]))));
            assertTrue(size.getMessage().contains("layers.0.k") && size.getMessage().contains("expected "
                    + 4 * ScaledInt8Format.BYTES), size.getMessage());
            assertThrows(CanalException.class, () -> backend.weight(Tensor.quantized(
                    "cube", f, new long[] {2, 2, 8}, MemorySegment.ofArray(new byte[4 * ScaledInt8Format.BYTES]))));
        }
    }

    private static float[] dequantized(ScaledInt8Format f, Tensor t) {
        int rows = t.rank() == 1 ? 1 : (int) t.dim(0);
        int cols = (int) t.dim(t.rank() - 1);
        float[] out = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            f.dequantizeRow(t.data(), (long) r * cols / ScaledInt8Format.BLOCK * ScaledInt8Format.BYTES, out,
                    r * cols, cols);
        }
        return out;
    }
}
