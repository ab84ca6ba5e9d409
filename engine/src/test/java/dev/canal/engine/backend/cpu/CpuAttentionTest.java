package dev.canal.engine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.backend.AttentionShape;
import dev.canal.engine.backend.KvCache;

import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Grouped-query causal attention, with and without a sliding window, against a naive double-precision reference
 * over the full key/value history: a prefill of several rows, a decode step continuing from the cache, then a
 * second multi-row chunk. Tolerance 2e-6 absolute plus 1e-5 relative: float dot products of headDim = 24 terms,
 * a float softmax and a float weighted sum.
 */
class CpuAttentionTest {
    private static final int HEADS = 6;
    private static final int KV_HEADS = 2;
    private static final int HEAD_DIM = 24; // not a multiple of the vector length: exercises the tails
    private static final int LAYERS = 2;

    @ParameterizedTest
    @ValueSource(ints = {0, 4})
    void prefillThenDecodeMatchesReference(int window) {
        // positions [0, 7) prefill, 7 decode, [8, 12) a second chunk
        attendInStepsAndCompare(window, 16, new int[][] {{0, 7}, {7, 1}, {8, 4}});
    }

    /** The cache's memory grows past 256 and 512 positions (in a prefill chunk, then in a decode step). */
    @ParameterizedTest
    @ValueSource(ints = {0, 100})
    void attentionAcrossTheCachesGrowthMatchesReference(int window) {
        attendInStepsAndCompare(window, 1000, new int[][] {{0, 250}, {250, 100}, {350, 1}, {351, 161}, {512, 1},
                {513, 1}});
    }

    private static void attendInStepsAndCompare(int window, int capacity, int[][] steps) {
        Random rnd = new Random(21 + window);
        float scale = (float) (1 / Math.sqrt(HEAD_DIM));
        AttentionShape shape = new AttentionShape(HEADS, KV_HEADS, HEAD_DIM, scale, window);
        int[] lastStep = steps[steps.length - 1];
        int total = lastStep[0] + lastStep[1];
        float[] q = TestTensors.random(rnd, total * HEADS * HEAD_DIM, 1.5f);
        float[] k = TestTensors.random(rnd, total * KV_HEADS * HEAD_DIM, 1.5f);
        float[] v = TestTensors.random(rnd, total * KV_HEADS * HEAD_DIM, 1f);
        for (int threads : new int[] {1, 2}) {
            try (CpuBackend backend = new CpuBackend(threads)) {
                KvCache cache = backend.allocateKvCache(LAYERS, KV_HEADS, HEAD_DIM, capacity);
                // all in layer 1 (layer 0 untouched)
                for (int[] step : steps) {
                    int start = step[0];
                    int rows = step[1];
                    CpuActivations out = backend.allocate(rows, HEADS * HEAD_DIM);
                    backend.attention(out, slice(backend, q, start, rows, HEADS),
                            slice(backend, k, start, rows, KV_HEADS), slice(backend, v, start, rows, KV_HEADS),
                            cache, 1, start, rows, shape);
                    float[] want = reference(q, k, v, start, rows, shape);
                    for (int i = 0; i < want.length; i++) {
                        float got = out.data()[i];
                        double tol = 2e-6 + 1e-5 * Math.abs(want[i]);
                        int at = i;
                        assertTrue(Math.abs(got - want[i]) <= tol, () -> "threads=" + threads + " window=" + window
                                + " start=" + start + " element " + at + ": got " + got + " want " + want[at]);
                    }
                }
                // layer 0 was never written: attending there with a fresh query must see only its own key
                CpuActivations out = backend.allocate(1, HEADS * HEAD_DIM);
                backend.attention(out, slice(backend, q, 0, 1, HEADS), slice(backend, k, 0, 1, KV_HEADS),
                        slice(backend, v, 0, 1, KV_HEADS), cache, 0, 0, 1, shape);
                assertArrayEquals(reference(q, k, v, 0, 1, shape), out.data(), 1e-6f);
            }
        }
    }

    @Test
    void refusesPositionsBeyondTheCache() {
        AttentionShape shape = new AttentionShape(2, 1, 8, 0.35f, 0);
        try (CpuBackend backend = new CpuBackend(1)) {
            KvCache cache = backend.allocateKvCache(1, 1, 8, 4);
            CpuActivations q = backend.allocate(2, 16);
            CpuActivations kv = backend.allocate(2, 8);
            CanalException e = assertThrows(CanalException.class,
                    () -> backend.attention(backend.allocate(2, 16), q, kv, kv, cache, 0, 3, 2, shape));
            assertTrue(e.getMessage().contains("4"), e.getMessage());
        }
    }

    private static CpuActivations slice(CpuBackend backend, float[] all, int start, int rows, int heads) {
        int cols = heads * HEAD_DIM;
        CpuActivations a = backend.allocate(rows, cols);
        System.arraycopy(all, start * cols, a.data(), 0, rows * cols);
        return a;
    }

    /** Naive attention in double for query rows at positions [start, start + rows) over keys [0, position]. */
    private static float[] reference(float[] q, float[] k, float[] v, int start, int rows, AttentionShape shape) {
        int group = HEADS / KV_HEADS;
        float[] out = new float[rows * HEADS * HEAD_DIM];
        for (int r = 0; r < rows; r++) {
            int p = start + r;
            for (int h = 0; h < HEADS; h++) {
                int kvh = h / group;
                int first = shape.slidingWindow() > 0 ? Math.max(0, p - shape.slidingWindow() + 1) : 0;
                double[] scores = new double[p - first + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = first; j <= p; j++) {
                    double dot = 0;
                    for (int d = 0; d < HEAD_DIM; d++) {
                        dot += (double) q[(p * HEADS + h) * HEAD_DIM + d] * k[(j * KV_HEADS + kvh) * HEAD_DIM + d];
                    }
                    scores[j - first] = dot * shape.scale();
                    max = Math.max(max, scores[j - first]);
                }
                double sum = 0;
                for (int j = 0; j < scores.length; j++) {
                    scores[j] = Math.exp(scores[j] - max);
                    sum += scores[j];
                }
                for (int d = 0; d < HEAD_DIM; d++) {
                    double acc = 0;
                    for (int j = first; j <= p; j++) {
                        acc += scores[j - first] / sum * v[(j * KV_HEADS + kvh) * HEAD_DIM + d];
                    }
                    out[(r * HEADS + h) * HEAD_DIM + d] = (float) acc;
                }
            }
        }
        return out;
    }
}
