package dev.canal.engine.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.canal.engine.backend.cpu.CpuActivations;
import dev.canal.engine.backend.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * The host selection and the CPU backend's topK against a sort of the whole row by the order written out here on
 * its own: larger value first, NaN below everything, -0 equal to +0, the lower id first among equals.
 */
class TopKTest {
    /** The expected order, independent of {@link TopK#rank}: a comparator on (value, id). */
    private static Comparator<Integer> byOrder(float[] row) {
        return (a, b) -> {
            float x = row[a], y = row[b];
            boolean nx = Float.isNaN(x), ny = Float.isNaN(y);
            if (nx != ny) return nx ? 1 : -1;           // NaN last
            if (!nx && x != y) return x > y ? -1 : 1;   // larger first; -0 == +0 falls through
            return Integer.compare(a, b);               // ties: lower id first
        };
    }

    private static int[] expectedIds(float[] row, int k) {
        return IntStream.range(0, row.length).boxed().sorted(byOrder(row)).limit(k).mapToInt(Integer::intValue)
                .toArray();
    }

    private static void assertSelects(float[] row, int k) {
        float[] values = new float[k];
        int[] ids = new int[k];
        TopK.select(row, 0, row.length, k, values, ids);
        int[] expected = expectedIds(row, k);
        assertArrayEquals(expected, ids, "k = " + k + " of " + row.length);
        for (int i = 0; i < k; i++) {
            assertEquals(Float.floatToRawIntBits(row[expected[i]]), Float.floatToRawIntBits(values[i]), "value " + i);
        }
    }

    /** Few distinct values, so most positions tie with others, including at the k-th place. */
    private static float[] tied(Random random, int n, int levels) {
        float[] row = new float[n];
        for (int i = 0; i < n; i++) row[i] = random.nextInt(levels) * 0.25f - 2f;
        return row;
    }

    @Test
    void selectsTheSortedRowsPrefixWithTiesToTheLowerId() {
        Random random = new Random(11);
        for (int n : new int[] {1, 2, 37, 512, 5000}) {
            float[] distinct = new float[n];
            for (int i = 0; i < n; i++) distinct[i] = (float) random.nextGaussian();
            float[] ties = tied(random, n, 7);
            for (int k : new int[] {1, 2, 3, 40, 256, n - 1, n}) {
                if (k < 1 || k > n) continue;
                assertSelects(distinct, k);
                assertSelects(ties, k); // k·8 < n takes the heap, the rest the full sort: both here
            }
        }
    }

    @Test
    void nanRanksBelowMinusInfinityAndZerosOfBothSignsTie() {
        float nan = Float.NaN, inf = Float.POSITIVE_INFINITY;
        float[] row = {nan, -inf, 0f, -0f, 1f, nan, inf, -0f, -1e-45f, 1e-45f, -inf};
        for (int k = 1; k <= row.length; k++) assertSelects(row, k);
        int[] ids = new int[row.length];
        TopK.select(row, 0, row.length, row.length, new float[row.length], ids);
        // +inf, 1, the tiniest positive, then the zeros by id (0f at 2, -0f at 3 and 7), the tiniest negative,
        // -inf by id, NaN by id.
        assertArrayEquals(new int[] {6, 4, 9, 2, 3, 7, 8, 1, 10, 0, 5}, ids);
    }

    @Test
    void aRowOfNanOrMinusInfinityAnswersItsLowestId() {
        float[] nans = new float[9];
        Arrays.fill(nans, Float.NaN);
        float[] values = new float[2];
        int[] ids = new int[2];
        TopK.select(nans, 0, nans.length, 2, values, ids);
        assertArrayEquals(new int[] {0, 1}, ids);
        assertTrue(Float.isNaN(values[0]));
        float[] infs = new float[9];
        Arrays.fill(infs, Float.NEGATIVE_INFINITY);
        infs[4] = Float.NaN;
        TopK.select(infs, 0, infs.length, 1, values, ids);
        assertEquals(0, ids[0]);
        assertEquals(Float.NEGATIVE_INFINITY, values[0]);
    }

    @Test
    void rankOrdersAsTheComparatorAndGivesBackTheId() {
        Random random = new Random(3);
        float[] specials = {Float.NaN, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, 0f, -0f, Float.MIN_VALUE,
                -Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE, 1f, -1f};
        float[] row = new float[200];
        for (int i = 0; i < row.length; i++) {
            row[i] = i < specials.length ? specials[i] : Float.intBitsToFloat(random.nextInt());
        }
        Comparator<Integer> order = byOrder(row);
        for (int a = 0; a < row.length; a++) {
            assertEquals(a, TopK.id(TopK.rank(row[a], a)));
            for (int b = 0; b < row.length; b++) {
                int expected = Integer.signum(order.compare(a, b));
                int actual = -Long.signum(Long.compare(TopK.rank(row[a], a), TopK.rank(row[b], b)));
                assertEquals(expected, actual, row[a] + "@" + a + " vs " + row[b] + "@" + b);
            }
        }
    }

    @Test
    void cpuBackendSelectsFromTheRowAskedFor() {
        Random random = new Random(5);
        int cols = 1000;
        try (CpuBackend cpu = new CpuBackend(1)) {
            CpuActivations x = cpu.allocate(3, cols);
            for (int i = 0; i < x.data().length; i++) x.data()[i] = random.nextInt(50);
            for (int row = 0; row < 3; row++) {
                float[] expectedRow = Arrays.copyOfRange(x.data(), row * cols, (row + 1) * cols);
                for (int k : new int[] {1, 40, cols}) {
                    float[] values = new float[k];
                    int[] ids = new int[k];
                    cpu.topK(x, row, k, values, ids);
                    assertArrayEquals(expectedIds(expectedRow, k), ids, "row " + row + ", k " + k);
                    for (int i = 0; i < k; i++) assertEquals(expectedRow[ids[i]], values[i]);
                }
            }
            assertThrows(IllegalArgumentException.class, () -> cpu.topK(x, 0, 0, new float[1], new int[1]));
            assertThrows(IllegalArgumentException.class,
                    () -> cpu.topK(x, 0, cols + 1, new float[cols + 1], new int[cols + 1]));
            assertThrows(IllegalArgumentException.class, () -> cpu.topK(x, 0, 5, new float[4], new int[5]));
            assertThrows(IllegalArgumentException.class, () -> cpu.topK(x, 3, 1, new float[1], new int[1]));
        }
    }
}
