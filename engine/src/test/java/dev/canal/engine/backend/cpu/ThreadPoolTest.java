package dev.canal.engine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import org.junit.jupiter.api.Test;

class ThreadPoolTest {

    @Test
    void everyItemRunsExactlyOnceInGrainAlignedChunks() {
        for (int threads : new int[] {1, 2, 3}) {
            try (ThreadPool pool = new ThreadPool(threads)) {
                for (int job = 0; job < 2000; job++) { // many small jobs: the hand-off must not lose or repeat one
                    int count = 1 + job % 53;
                    int grain = 1 + job % 5;
                    AtomicIntegerArray hits = new AtomicIntegerArray(count);
                    pool.parallelFor(count, grain, (worker, start, end) -> {
                        assertTrue(worker >= 0 && worker < threads);
                        assertEquals(0, start % grain);
                        for (int i = start; i < end; i++) hits.incrementAndGet(i);
                    });
                    for (int i = 0; i < count; i++) assertEquals(1, hits.get(i), "item " + i + " of job " + job);
                }
            }
        }
    }

    @Test
    void aWorkersExceptionReachesTheCaller() {
        try (ThreadPool pool = new ThreadPool(2)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.parallelFor(8, 1,
                    (worker, start, end) -> {
                        if (start >= 4) throw new IllegalStateException("boom in " + start);
                    }));
            assertTrue(e.getMessage().matches("boom in [4-7]"), e.getMessage());
            int[] ran = new int[1];
            pool.parallelFor(1, 1, (worker, start, end) -> ran[0]++); // still usable afterwards
            assertEquals(1, ran[0]);
        }
    }

    @Test
    void aStalledThreadsShareIsTakenByTheOthers() {
        try (ThreadPool pool = new ThreadPool(2)) {
            int count = 64;
            AtomicInteger done = new AtomicInteger();
            boolean[] released = new boolean[1];
            pool.parallelFor(count, 1, (worker, start, end) -> {
                if (start == 0) {
                    // whichever thread holds the first chunk stalls until every other item is done, which needs
                    // the other thread to take more than its half (a fixed half per thread would leave the stalled
                    // thread's remaining items waiting for it)
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                    while (done.get() < count - end && System.nanoTime() < deadline) Thread.onSpinWait();
                    released[0] = done.get() == count - end && end < count / 2;
                }
                done.addAndGet(end - start);
            });
            assertTrue(released[0], "the other thread did not take the stalled thread's chunks");
            assertEquals(count, done.get());
        }
    }

    @Test
    void oneChunkPerThreadGivesEachThreadOneContiguousRange() {
        try (ThreadPool pool = new ThreadPool(2)) {
            for (int job = 0; job < 200; job++) {
                AtomicInteger calls = new AtomicInteger();
                AtomicIntegerArray hits = new AtomicIntegerArray(64);
                pool.parallelFor(64, 4, 1, (worker, start, end) -> {
                    calls.incrementAndGet();
                    assertEquals(32, end - start);
                    for (int i = start; i < end; i++) hits.incrementAndGet(i);
                });
                assertEquals(2, calls.get());
                for (int i = 0; i < 64; i++) assertEquals(1, hits.get(i));
            }
        }
    }

    @Test
    void closedPoolRefusesWork() {
        ThreadPool pool = new ThreadPool(2);
        pool.close();
        assertThrows(IllegalStateException.class, () -> pool.parallelFor(4, 1, (worker, start, end) -> { }));
    }
}
