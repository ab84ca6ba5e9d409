package dev.canal.engine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.backend.Rope;
import dev.canal.engine.backend.Weight;
import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.Tensor;

import java.lang.foreign.Arena;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Element-wise ops, embed, rope and read against double-precision references. Tolerances: 1e-6 relative (plus 1e-6
 * absolute) for single float operations (add, bias, embed copies are exact); 2e-6 relative for rmsNorm (a float
 * sum of squares over ≤ 257 values, rsqrt, two products) and swiglu (exp and a division); 1e-5 absolute for rope,
 * whose float32 angle p·invFreq is rounded before cos/sin as in Hugging Face (positions below 64 here).
 */
class CpuElementWiseTest {
    private static final int[] COLS = {72, 100, 257};
    private static final int[] ROWS = {1, 3, 17};

    private static void close(double want, float got, double rel, double abs, String what) {
        assertTrue(Math.abs(got - want) <= abs + rel * Math.abs(want), () -> what + ": got " + got + " want " + want);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16"})
    void rmsNormPerTokenAndPerHead(DType dtype) {
        Random rnd = new Random(11);
        try (Arena arena = Arena.ofShared(); CpuBackend backend = new CpuBackend(2)) {
            for (int cols : COLS) {
                for (int rows : ROWS) {
                    // group = cols (per token), and group = a divisor (per head, Qwen3's q/k norm)
                    for (int group : new int[] {cols, cols % 2 == 0 ? cols / 2 : cols}) {
                        TestTensors.Built w = TestTensors.tensor(arena, "norm", dtype,
                                TestTensors.random(rnd, group, 1f), group);
                        float[] x = TestTensors.random(rnd, rows * cols, 3f);
                        CpuActivations in = TestTensors.activations(backend, rows, cols, x);
                        CpuActivations out = backend.allocate(rows, cols);
                        backend.rmsNorm(out, in, backend.weight(w.tensor()), 1e-5f, rows);
                        backend.rmsNorm(in, in, backend.weight(w.tensor()), 1e-5f, rows); // aliased
                        assertArrayEquals(out.data(), in.data(), "aliased out must equal separate out");
                        for (int base = 0; base < rows * cols; base += group) {
                            double ss = 0;
                            for (int i = 0; i < group; i++) ss += (double) x[base + i] * x[base + i];
                            double inv = 1 / Math.sqrt(ss / group + 1e-5);
                            for (int i = 0; i < group; i++) {
                                close(x[base + i] * inv * w.values()[i], out.data()[base + i], 2e-6, 1e-6,
                                        dtype + " cols=" + cols + " group=" + group + " at " + (base + i));
                            }
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16"})
    void addBias(DType dtype) {
        Random rnd = new Random(12);
        try (Arena arena = Arena.ofShared(); CpuBackend backend = new CpuBackend(2)) {
            for (int cols : COLS) {
                for (int rows : ROWS) {
                    TestTensors.Built b = TestTensors.tensor(arena, "bias", dtype, TestTensors.random(rnd, cols, 1f),
                            cols);
                    float[] x = TestTensors.random(rnd, (rows + 1) * cols, 1f);
                    CpuActivations a = TestTensors.activations(backend, rows + 1, cols, x);
                    backend.addBias(a, backend.weight(b.tensor()), rows);
                    for (int i = 0; i < (rows + 1) * cols; i++) {
                        float want = i < rows * cols ? x[i] + b.values()[i % cols] : x[i];
                        assertEquals(want, a.data()[i], dtype + " at " + i);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16"})
    void embedCopiesTableRows(DType dtype) {
        Random rnd = new Random(13);
        try (Arena arena = Arena.ofShared(); CpuBackend backend = new CpuBackend(2)) {
            for (int cols : COLS) {
                int vocab = 11;
                TestTensors.Built table = TestTensors.tensor(arena, "embed_tokens", dtype,
                        TestTensors.random(rnd, vocab * cols, 1f), vocab, cols);
                int[] tokens = {3, 0, 10, 3, 7};
                CpuActivations out = backend.allocate(tokens.length, cols);
                backend.embed(out, backend.weight(table.tensor()), tokens, tokens.length);
                for (int r = 0; r < tokens.length; r++) {
                    for (int i = 0; i < cols; i++) {
                        assertEquals(table.values()[tokens[r] * cols + i], out.data()[r * cols + i]);
                    }
                }
                CanalException e = org.junit.jupiter.api.Assertions.assertThrows(CanalException.class,
                        () -> backend.embed(out, backend.weight(table.tensor()), new int[] {vocab}, 1));
                assertTrue(e.getMessage().contains("embed_tokens"), e.getMessage());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {72, 100, 257})
    void swigluAddAndRead(int cols) {
        Random rnd = new Random(14);
        try (CpuBackend backend = new CpuBackend(2)) {
            for (int rows : new int[] {1, 3, 17, 400}) { // 400 rows: the parallel path
                float[] g = TestTensors.random(rnd, rows * cols, 4f);
                float[] u = TestTensors.random(rnd, rows * cols, 1f);
                CpuActivations gate = TestTensors.activations(backend, rows, cols, g);
                CpuActivations up = TestTensors.activations(backend, rows, cols, u);
                backend.swiglu(gate, up, rows);
                for (int i = 0; i < rows * cols; i++) {
                    double want = g[i] / (1 + Math.exp(-(double) g[i])) * u[i];
                    close(want, gate.data()[i], 2e-6, 1e-7, "swiglu at " + i);
                }
                float[] before = gate.data().clone();
                backend.add(gate, up, rows);
                for (int i = 0; i < rows * cols; i++) assertEquals(before[i] + u[i], gate.data()[i]);
                float[] row = new float[cols + 2];
                backend.read(gate, rows - 1, row);
                for (int i = 0; i < cols; i++) assertEquals(gate.data()[(rows - 1) * cols + i], row[i]);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void ropeRotatesPairsAndLeavesTheRestAlone(boolean neox) {
        Random rnd = new Random(15);
        int heads = 3;
        int headDim = 20;
        int rotaryDim = 12; // partial rotary: the last 8 dims of each head stay as they are
        float[] invFreq = new float[rotaryDim / 2];
        for (int i = 0; i < invFreq.length; i++) invFreq[i] = (float) (1 / Math.pow(10000, 2.0 * i / rotaryDim));
        Rope rope = new Rope(headDim, rotaryDim, invFreq, 1.25f, neox);
        try (CpuBackend backend = new CpuBackend(2)) {
            for (int rows : ROWS) {
                int start = 40;
                float[] x = TestTensors.random(rnd, rows * heads * headDim, 1f);
                CpuActivations a = TestTensors.activations(backend, rows, heads * headDim, x);
                backend.rope(a, heads, rope, start, rows);
                for (int r = 0; r < rows; r++) {
                    for (int h = 0; h < heads; h++) {
                        int base = (r * heads + h) * headDim;
                        float[] want = new float[headDim];
                        for (int i = 0; i < headDim; i++) want[i] = x[base + i];
                        for (int i = 0; i < rotaryDim / 2; i++) {
                            int p = neox ? i : 2 * i;
                            int q = neox ? i + rotaryDim / 2 : 2 * i + 1;
                            double angle = (double) (start + r) * invFreq[i];
                            double c = Math.cos(angle) * 1.25;
                            double s = Math.sin(angle) * 1.25;
                            want[p] = (float) (x[base + p] * c - x[base + q] * s);
                            want[q] = (float) (x[base + q] * c + x[base + p] * s);
                        }
                        for (int i = 0; i < headDim; i++) {
                            float got = a.data()[base + i];
                            if (i >= rotaryDim) {
                                assertEquals(x[base + i], got, "unrotated dim " + i);
                            } else {
                                close(want[i], got, 0, 1e-5, "row " + r + " head " + h + " dim " + i);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void refusesUnsupportedDtypesAndShapesNamingTheTensor() {
        try (Arena arena = Arena.ofShared(); CpuBackend backend = new CpuBackend(1)) {
            Tensor ints = new Tensor("model.layers.0.mlp.scales", DType.I32, new long[] {4, 8}, arena.allocate(128));
            CanalException e = org.junit.jupiter.api.Assertions.assertThrows(CanalException.class,
                    () -> backend.weight(ints));
            assertTrue(e.getMessage().contains("model.layers.0.mlp.scales") && e.getMessage().contains("I32"),
                    e.getMessage());
            Tensor cube = new Tensor("cube", DType.F32, new long[] {2, 2, 2}, arena.allocate(32));
            e = org.junit.jupiter.api.Assertions.assertThrows(CanalException.class, () -> backend.weight(cube));
            assertTrue(e.getMessage().contains("cube"), e.getMessage());
            Tensor truncated = new Tensor("short", DType.F16, new long[] {4, 8}, arena.allocate(60));
            e = org.junit.jupiter.api.Assertions.assertThrows(CanalException.class, () -> backend.weight(truncated));
            assertTrue(e.getMessage().contains("short"), e.getMessage());
            Weight ok = backend.weight(new Tensor("w", DType.BF16, new long[] {4, 8}, arena.allocate(64)));
            assertEquals(4, ok.rows());
            assertEquals(8, ok.cols());
        }
    }
}
