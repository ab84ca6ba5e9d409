package dev.canal.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.canal.engine.backend.Activations;
import dev.canal.engine.backend.AttentionShape;
import dev.canal.engine.backend.Backend;
import dev.canal.engine.backend.KvCache;
import dev.canal.engine.backend.cpu.CpuBackend;
import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.testing.GpuForTests;
import dev.canal.engine.testing.RandomTensors;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.Random;

/**
 * The CUDA backend's three attention paths against the CPU backend's attention: tiled prefill (head sizes up to
 * 128), split-K decoding over a context of several 256-key tiles, the one-block-per-row kernel for short decode
 * contexts and for larger heads, each with and without a sliding window and with grouped kv heads.
 */
class AttentionOnCudaTest {
    private final Random random = new Random(11);
    private final Arena arena = Arena.ofAuto();

    @Test
    void splitKDecodingChoosesEnoughBlocksAndWholeTiles() {
        assertEquals(1, CudaBackend.decodeSplits(256, 32, 132), "one tile of keys: no split");
        assertEquals(2, CudaBackend.decodeSplits(257, 32, 132));
        assertEquals(9, CudaBackend.decodeSplits(4096, 32, 132), "about two blocks per SM");
        assertEquals(CudaBackend.MAX_SPLITS, CudaBackend.decodeSplits(1 << 20, 1, 132));
        assertEquals(1, CudaBackend.decodeSplits(4096, 512, 132), "enough heads to fill the GPU");
    }

    @Test
    void prefillThenDecodeMatchTheCpu() {
        // 520 prefill rows: tiled prefill; the decode rows then see 521+ keys, 3 tiles: split-K.
        compare(new AttentionShape(4, 2, 64, 0.125f, 0), 520, 3);
    }

    @Test
    void aSlidingWindowLimitsEveryPath() {
        // window 300: prefill rows see at most 300 keys (crossing tile boundaries), decode splits them in 2.
        compare(new AttentionShape(4, 1, 64, 0.125f, 300), 400, 2);
        // window 100: a decode context of one tile stays on the one-block kernel.
        compare(new AttentionShape(2, 2, 64, 0.125f, 100), 200, 2);
    }

    @Test
    void oddAndLargeHeadSizes() {
        compare(new AttentionShape(2, 1, 80, 0.11f, 0), 45, 2);   // 80: lanes with 3 dimensions, not 4
        compare(new AttentionShape(2, 2, 160, 0.08f, 0), 40, 2);  // above 128: prefill falls back to one block per row
    }

    /** A prefill of {@code prompt} rows then {@code decodes} single-row steps, on both backends. */
    private void compare(AttentionShape shape, int prompt, int decodes) {
        CudaDevice d = GpuForTests.require();
        int qCols = shape.heads() * shape.headDim(), kvCols = shape.kvHeads() * shape.headDim();
        int positions = prompt + decodes;
        Tensor q = tensor(positions, qCols), k = tensor(positions, kvCols), v = tensor(positions, kvCols);
        try (CpuBackend cpu = new CpuBackend(1); CudaBackend gpu = CudaBackend.open(d.ordinal())) {
            float[][] expected = run(cpu, shape, q, k, v, prompt, decodes);
            float[][] actual = run(gpu, shape, q, k, v, prompt, decodes);
            for (int r = 0; r < positions; r++) {
                for (int c = 0; c < qCols; c++) {
                    float e = expected[r][c], a = actual[r][c];
                    assertTrue(Math.abs(e - a) <= 2e-5f * Math.max(1, Math.abs(e)),
                            shape + ", position " + r + ", column " + c + ": cpu " + e + ", cuda " + a);
                }
            }
        }
    }

    private static float[][] run(Backend be, AttentionShape shape, Tensor qT, Tensor kT, Tensor vT, int prompt,
                                 int decodes) {
        int positions = prompt + decodes;
        int qCols = (int) qT.dim(1), kvCols = (int) kT.dim(1);
        KvCache cache = be.allocateKvCache(1, shape.kvHeads(), shape.headDim(), positions);
        Activations q = be.allocate(prompt, qCols), k = be.allocate(prompt, kvCols), v = be.allocate(prompt, kvCols);
        Activations out = be.allocate(prompt, qCols);
        float[][] rows = new float[positions][qCols];
        int start = 0;
        for (int step = 0; step <= decodes; step++) {
            int n = step == 0 ? prompt : 1;
            int[] ids = new int[n];
            for (int i = 0; i < n; i++) ids[i] = start + i; // row p of each table is position p's vector
            be.embed(q, be.weight(qT), ids, n);
            be.embed(k, be.weight(kT), ids, n);
            be.embed(v, be.weight(vT), ids, n);
            be.attention(out, q, k, v, cache, 0, start, n, shape);
            for (int r = 0; r < n; r++) be.read(out, r, rows[start + r]);
            start += n;
        }
        return rows;
    }

    private Tensor tensor(int rows, int cols) {
        return RandomTensors.gaussian(random, arena, "t", DType.F32, 1f, rows, cols);
    }
}
