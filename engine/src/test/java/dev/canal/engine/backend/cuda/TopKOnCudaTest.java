package dev.canal.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.canal.engine.backend.Activations;
import dev.canal.engine.backend.cpu.CpuBackend;
import dev.canal.engine.testing.GpuForTests;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

/**
 * CudaBackend.topK (canal_argmax_f32 for k = 1, canal_topk_f32 + canal_topk_merge_f32 up to 256) against the CPU
 * backend's selection on the same rows: vocabularies that are not multiples of the kernels' tile or block (1, 37,
 * 2049, 32000, Qwen's 151936), k = 1, 2, 40 and the maximum, many ties, NaN and infinities. Needs a GPU (the build
 * runs it on the CUDA emulator); skipped with the reason elsewhere.
 */
class TopKOnCudaTest {
    private final Random random = new Random(17);

    @Test
    void selectsWhatTheCpuSelectsForEveryVocabularyAndK() {
        CudaDevice d = GpuForTests.require();
        try (CpuBackend cpu = new CpuBackend(1); CudaBackend gpu = CudaBackend.open(d.ordinal(), false)) {
            for (int vocab : new int[] {1, 37, 2049, 32000, 151936}) {
                float[] row = new float[vocab];
                // Quarter steps over a small range: every value recurs, so ties straddle the k-th place.
                for (int i = 0; i < vocab; i++) row[i] = random.nextInt(Math.max(2, vocab / 64)) * 0.25f - 3f;
                for (int k : new int[] {1, 2, 40, CudaTopK.MAX_K}) {
                    if (k <= vocab) compare(cpu, gpu, row, k, 1);
                }
            }
        }
    }

    /** Row 1 of three: the kernels read the row asked for, not the first. Distinct values: one right answer. */
    @Test
    void selectsFromTheRowAskedFor() {
        CudaDevice d = GpuForTests.require();
        try (CpuBackend cpu = new CpuBackend(1); CudaBackend gpu = CudaBackend.open(d.ordinal(), false)) {
            float[] row = new float[5000];
            for (int i = 0; i < row.length; i++) row[i] = (float) random.nextGaussian();
            compare(cpu, gpu, row, 40, 1);
            compare(cpu, gpu, row, 1, 2);
        }
    }

    /**
     * NaN ranks below -inf and the lowest id wins ties: all NaN answers id 0, and a row of -inf with NaN among it
     * answers its first -inf; +inf beats everything; -0 ties +0.
     */
    @Test
    void nanAndInfinitiesRankAsOnTheCpu() {
        CudaDevice d = GpuForTests.require();
        float nan = Float.NaN, inf = Float.POSITIVE_INFINITY;
        try (CpuBackend cpu = new CpuBackend(1); CudaBackend gpu = CudaBackend.open(d.ordinal(), false)) {
            float[] nans = new float[300];
            Arrays.fill(nans, nan);
            float[] minusInfs = new float[300];
            Arrays.fill(minusInfs, -inf);
            for (int i = 0; i < 100; i++) minusInfs[i] = nan;
            float[] mixed = new float[4100];
            for (int i = 0; i < mixed.length; i++) mixed[i] = (i % 5 == 0) ? nan : (i % 7 == 0) ? -0f : -inf;
            mixed[3000] = inf;
            mixed[4099] = 0f;
            mixed[17] = Float.MIN_VALUE;
            for (float[] row : new float[][] {nans, minusInfs, mixed}) {
                for (int k : new int[] {1, 2, 40, CudaTopK.MAX_K}) compare(cpu, gpu, row, k, 0);
            }
            assertEquals(0, topIds(gpu, nans, 1)[0]);
            assertEquals(100, topIds(gpu, minusInfs, 1)[0]);
            assertArrayEquals(new int[] {3000, 17, 7, 14}, Arrays.copyOf(topIds(gpu, mixed, 4), 4));
        }
    }

    /** Above the kernels' maximum the backend reads the row and selects on the host; the counter shows which ran. */
    @Test
    void aboveTheMaximumTheRowIsReadInFull() {
        CudaDevice d = GpuForTests.require();
        try (CpuBackend cpu = new CpuBackend(1); CudaBackend gpu = CudaBackend.open(d.ordinal(), false)) {
            float[] row = new float[3000];
            for (int i = 0; i < row.length; i++) row[i] = random.nextInt(100);
            long before = CudaBackend.topKSelections();
            compare(cpu, gpu, row, CudaTopK.MAX_K + 1, 0);
            compare(cpu, gpu, row, row.length, 0);
            assertEquals(before, CudaBackend.topKSelections(), "k > MAX_K must not launch the kernels");
            compare(cpu, gpu, row, CudaTopK.MAX_K, 0);
            compare(cpu, gpu, row, 1, 0);
            assertEquals(before + 2, CudaBackend.topKSelections());
            Activations x = gpu.allocate(1, row.length);
            assertThrows(IllegalArgumentException.class, () -> gpu.topK(x, 0, 0, new float[1], new int[1]));
            assertThrows(IllegalArgumentException.class, () -> gpu.topK(x, 0, 3001, new float[3001], new int[3001]));
            assertThrows(IllegalArgumentException.class, () -> gpu.topK(x, 1, 1, new float[1], new int[1]));
        }
    }

    @Test
    void chunksAreWholeTilesAndAtMostTheMaximumInNumber() {
        assertEquals(2048, CudaTopK.chunk(1));
        assertEquals(2048, CudaTopK.chunk(151936)); // 75 tiles, 75 chunks
        assertEquals(4096, CudaTopK.chunk(262145)); // 129 tiles: two per chunk, 65 chunks
        int cols = 1 << 24;
        assertTrue((cols + CudaTopK.chunk(cols) - 1) / CudaTopK.chunk(cols) <= CudaTopK.MAX_CHUNKS);
    }

    /** The row at index {@code row} of {@code row + 1} rows on both backends; their top k must agree exactly. */
    private static void compare(CpuBackend cpu, CudaBackend gpu, float[] values, int k, int row) {
        float[] a = new float[k], b = new float[k];
        int[] ia = new int[k], ib = new int[k];
        Activations xc = cpu.allocate(row + 1, values.length), xg = gpu.allocate(row + 1, values.length);
        float[] other = new float[values.length];
        Arrays.fill(other, 1e30f); // the other rows would win everything if read by mistake
        for (int r = 0; r <= row; r++) {
            cpu.write(xc, r, r == row ? values : other);
            gpu.write(xg, r, r == row ? values : other);
        }
        cpu.topK(xc, row, k, a, ia);
        gpu.topK(xg, row, k, b, ib);
        String where = "vocab " + values.length + ", k " + k;
        assertArrayEquals(ia, ib, where + ": ids");
        for (int i = 0; i < k; i++) {
            assertEquals(Float.floatToRawIntBits(a[i]), Float.floatToRawIntBits(b[i]), where + ": value " + i);
        }
    }

    private static int[] topIds(CudaBackend gpu, float[] values, int k) {
        Activations x = gpu.allocate(1, values.length);
        gpu.write(x, 0, values);
        int[] ids = new int[k];
        gpu.topK(x, 0, k, new float[k], ids);
        return ids;
    }
}
