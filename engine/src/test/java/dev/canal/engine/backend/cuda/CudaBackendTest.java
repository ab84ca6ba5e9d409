package dev.canal.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.canal.engine.backend.Activations;
import dev.canal.engine.backend.AttentionShape;
import dev.canal.engine.backend.Backend;
import dev.canal.engine.backend.KvCache;
import dev.canal.engine.backend.Rope;
import dev.canal.engine.backend.Weight;
import dev.canal.engine.backend.cpu.CpuBackend;
import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.testing.GpuForTests;
import dev.canal.engine.testing.RandomTensors;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.Random;

/**
 * The CUDA backend against the CPU backend, op by op on the same inputs (one decoder layer's worth of calls): on
 * canal's GEMV kernels alone to the CPU's float products, and with cuBLAS prefill (where it is there) to the
 * rounding of F16/BF16 activations to 16 bits that cublasGemmEx needs. Needs a GPU with kernels; skipped with the
 * reason elsewhere.
 */
class CudaBackendTest {
    private final Random random = new Random(7);
    private final Arena arena = Arena.ofAuto();

    /** cuBLAS off: every matmul on the GEMV kernels, which take the activations in float as the CPU does. */
    @Test
    void everyOpMatchesTheCpuBackend() {
        compareLayer(false);
    }

    /**
     * cuBLAS on: the prefill's BF16 matmuls see activations rounded to 8 significant bits (a relative 2⁻⁸ each),
     * which carries through the layer into the prefill rows, the cached keys and values and so the decode row. An
     * output that cancels its terms can lose that much of the terms' size, not its own: the tolerance is 4 · 2⁻⁸
     * of the largest output of its row (seen: about 0.6 · 2⁻⁸ on the emulator).
     */
    @Test
    void withCublasPrefillEveryOpMatchesTheCpuBackendToSixteenBitActivations() {
        compareLayer(true);
    }

    private void compareLayer(boolean cublas) {
        CudaDevice d = GpuForTests.require();

        int vocab = 50, dim = 128, heads = 4, kvHeads = 2, headDim = 32, hidden = 96, rows = 3;
        Tensor table = tensor("embed", DType.F16, vocab, dim);
        Tensor norm = tensor("norm", DType.BF16, dim);
        Tensor qNorm = tensor("q_norm", DType.F32, headDim);
        Tensor wq = tensor("wq", DType.BF16, heads * headDim, dim);
        Tensor wk = tensor("wk", DType.F16, kvHeads * headDim, dim);
        Tensor wv = tensor("wv", DType.F32, kvHeads * headDim, dim);
        Tensor bq = tensor("bq", DType.BF16, heads * headDim);
        Tensor wg = tensor("wg", DType.BF16, hidden, dim);
        Tensor wu = tensor("wu", DType.BF16, hidden, dim);
        Tensor wd = tensor("wd", DType.F16, dim, hidden);
        float[] inv = new float[headDim / 2];
        for (int i = 0; i < inv.length; i++) inv[i] = (float) Math.pow(10000, -2.0 * i / headDim);
        Rope rope = new Rope(headDim, headDim, inv, 1f, true);
        AttentionShape shape = new AttentionShape(heads, kvHeads, headDim, (float) (1 / Math.sqrt(headDim)), 0);

        try (CpuBackend cpu = new CpuBackend(1); CudaBackend gpu = CudaBackend.open(d.ordinal(), cublas)) {
            float[][] a = layer(cpu, rows, table, norm, qNorm, wq, wk, wv, bq, wg, wu, wd, rope, shape, dim, hidden);
            float[][] b = layer(gpu, rows, table, norm, qNorm, wq, wk, wv, bq, wg, wu, wd, rope, shape, dim, hidden);
            for (int i = 0; i < a.length; i++) {
                float scale = 1;
                for (float v : a[i]) scale = Math.max(scale, Math.abs(v));
                for (int j = 0; j < a[i].length; j++) {
                    float tol = cublas ? 4 * 0x1p-8f * scale : 1e-4f * Math.max(1, Math.abs(a[i][j]));
                    assertTrue(Math.abs(a[i][j] - b[i][j]) <= tol,
                            "output " + i + "[" + j + "]: cpu " + a[i][j] + ", cuda " + b[i][j]);
                }
            }
            if (gpu.prefillMatmuls().startsWith("cublasGemmEx")) {
                assertEquals(6, gpu.cublasGemms(), "the prefill's six matmuls (q, k, v, gate, up, down)");
            }
        }
    }

    /** A prefill of rows tokens then one decode step; returns every row of the residual stream after each. */
    private float[][] layer(Backend be, int rows, Tensor tableT, Tensor normT, Tensor qNormT, Tensor wqT, Tensor wkT,
                            Tensor wvT, Tensor bqT, Tensor wgT, Tensor wuT, Tensor wdT, Rope rope, AttentionShape shape, int dim,
                            int hidden) {
        Weight table = be.weight(tableT), norm = be.weight(normT), qNorm = be.weight(qNormT), wq = be.weight(wqT),
                wk = be.weight(wkT), wv = be.weight(wvT), bq = be.weight(bqT), wg = be.weight(wgT), wu = be.weight(wuT), wd = be.weight(wdT);
        KvCache cache = be.allocateKvCache(1, shape.kvHeads(), shape.headDim(), 16);
        Activations x = be.allocate(rows, dim), h = be.allocate(rows, dim), q = be.allocate(rows, (int) wqT.dim(0)), k = be.allocate(rows, (int) wkT.dim(0)), v = be.allocate(rows, (int) wvT.dim(0)),
                att = be.allocate(rows, (int) wqT.dim(0)), g = be.allocate(rows, hidden), u = be.allocate(rows, hidden),
                last = be.allocate(1, dim);
        float[][] out = new float[rows + 1][dim];
        int[][] steps = {{3, 17, 42}, {9}};
        int start = 0;
        int o = 0;
        for (int[] tokens : steps) {
            int n = tokens.length;
            be.embed(x, table, tokens, n);
            be.rmsNorm(h, x, norm, 1e-5f, n);
            be.matmul(q, h, wq, n);
            be.addBias(q, bq, n);
            be.rmsNorm(q, q, qNorm, 1e-6f, n); // per head
            be.matmul(k, h, wk, n);
            be.matmul(v, h, wv, n);
            be.rope(q, shape.heads(), rope, start, n);
            be.rope(k, shape.kvHeads(), rope, start, n);
            be.attention(att, q, k, v, cache, 0, start, n, shape);
            be.add(x, att, n); // heads · headDim = dim here, so no output projection is needed
            be.matmul(g, x, wg, n);
            be.matmul(u, x, wu, n);
            be.swiglu(g, u, n);
            be.matmul(h, g, wd, n);
            be.add(x, h, n);
            for (int r = 0; r < n; r++) be.read(x, r, out[o++]);
            be.copyRow(last, 0, x, n - 1);
            start += n;
        }
        float[] lastRow = new float[dim];
        be.read(last, 0, lastRow);
        float[][] all = new float[out.length + 1][];
        System.arraycopy(out, 0, all, 0, out.length);
        all[out.length] = lastRow;
        return all;
    }

    private Tensor tensor(String name, DType dtype, long... shape) {
        return RandomTensors.gaussian(random, arena, name, dtype, 0.3f, shape);
    }
}
