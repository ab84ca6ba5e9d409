package dev.canal.engine.backend.cpu;

import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CpuKvCacheTest {
    private static final int LAYERS = 2;
    private static final int KV_HEADS = 2;
    private static final int HEAD_DIM = 8;

    @Test
    void growsWithThePositionsUsedAndKeepsWhatItHolds() {
        CpuKvCache cache = new CpuKvCache(LAYERS, KV_HEADS, HEAD_DIM, 1000);
        assertEquals(CpuKvCache.INITIAL_POSITIONS, cache.allocated());
        int n = KV_HEADS * HEAD_DIM;
        for (int pos = 0; pos < 700; pos++) {
            cache.reserve(pos + 1);
            for (int l = 0; l < LAYERS; l++) {
                cache.store(l, pos, row(l, pos, 0, n), row(l, pos, 1, n), 0);
            }
        }
        assertEquals(1000, cache.allocated(), "doubled from 256 to 512, then to the capacity");
        for (int pos = 0; pos < 700; pos++) {
            for (int l = 0; l < LAYERS; l++) {
                for (int i = 0; i < n; i++) {
                    long at = cache.offset(pos, 0) + (long) i * Float.BYTES;
                    assertEquals(value(l, pos, 0, i), cache.keys(l).get(ValueLayout.JAVA_FLOAT, at));
                    assertEquals(value(l, pos, 1, i), cache.values(l).get(ValueLayout.JAVA_FLOAT, at));
                }
            }
        }
    }

    @Test
    void aPromptLongerThanTwiceTheMemoryGrowsToItAtOnce() {
        CpuKvCache cache = new CpuKvCache(LAYERS, KV_HEADS, HEAD_DIM, 4096);
        cache.reserve(3000);
        assertEquals(3000, cache.allocated());
    }

    @Test
    void smallCapacitiesAreAllocatedWhole() {
        assertEquals(100, new CpuKvCache(LAYERS, KV_HEADS, HEAD_DIM, 100).allocated());
    }

    @Test
    void reservingPastTheCapacityIsRefused() {
        CpuKvCache cache = new CpuKvCache(LAYERS, KV_HEADS, HEAD_DIM, 300);
        assertThrows(IllegalArgumentException.class, () -> cache.reserve(301));
    }

    private static float[] row(int layer, int pos, int kind, int n) {
        float[] r = new float[n];
        for (int i = 0; i < n; i++) r[i] = value(layer, pos, kind, i);
        return r;
    }

    private static float value(int layer, int pos, int kind, int i) {
        return layer * 1_000_000 + pos * 100 + kind * 50 + i;
    }
}
