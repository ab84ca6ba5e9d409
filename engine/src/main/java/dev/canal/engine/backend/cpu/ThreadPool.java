package dev.canal.engine.backend.cpu;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of daemon workers that split a range of items into contiguous chunks. The calling thread works too, so
 * {@code threads = 1} never leaves the caller. Workers spin briefly and then park between jobs: a decode step issues
 * hundreds of small jobs per token, too many for a hand-off through a queue, while parked workers cost nothing when
 * the engine is idle. One job runs at a time (a backend is driven by one thread).
 *
 * <p>Chunks are claimed, not assigned: each job is cut into about {@link #CHUNKS_PER_THREAD} chunks per thread, and
 * every thread takes the next unclaimed one until none is left (llama.cpp's mul_mat does the same). With a fixed
 * share each, the faster core idled whenever the other was slowed (a shared host's steal time, a late wake-up):
 * claiming raised 2-thread decode of the 1B model from 9.2 to 10.1 t/s in Q4_0 and 5.8 to 7.2 in Q8_0 (interleaved
 * runs on the 2-core development VM). Kernels that want one wide range per thread ask for it.
 */
final class ThreadPool implements AutoCloseable {

    /** Work on items [start, end) by worker {@code worker} (0 is the caller), for per-worker scratch buffers. */
    @FunctionalInterface
    interface Chunk {
        void run(int worker, int start, int end);
    }

    /** Polls before parking: long enough to catch the next op of a forward pass, short enough not to burn a core. */
    private static final int SPINS = 20_000;
    /** Enough chunks to even out threads of unequal speed, few enough that claiming one stays negligible. */
    static final int CHUNKS_PER_THREAD = 8;

    private final int threads;
    private final Worker[] workers;
    private final AtomicInteger remaining = new AtomicInteger();
    /** The next unclaimed chunk of the running job. */
    private final AtomicInteger nextChunk = new AtomicInteger();
    private volatile boolean closed;
    private volatile Thread caller;
    private volatile Throwable failure;
    private long generation;

    ThreadPool(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
            workers[i].thread = Thread.ofPlatform().daemon().name("canal-cpu-" + (i + 1)).unstarted(workers[i]);
            workers[i].thread.start();
        }
    }

    int threads() {
        return threads;
    }

    /** Whether every worker may read {@code segment} (not so for a segment of another thread's confined arena). */
    boolean readableByWorkers(MemorySegment segment) {
        for (Worker w : workers) {
            if (!segment.isAccessibleBy(w.thread)) return false;
        }
        return true;
    }

    /**
     * Runs {@code chunk} over items [0, count) split into contiguous chunks whose bounds are multiples of
     * {@code grain} (except the last end), and returns when all are done. Which thread runs which chunk varies from
     * call to call; each item runs exactly once. A worker's exception is rethrown here.
     */
    void parallelFor(int count, int grain, Chunk chunk) {
        parallelFor(count, grain, CHUNKS_PER_THREAD, chunk);
    }

    /**
     * As {@link #parallelFor(int, int, Chunk)} with about {@code chunksPerThread} chunks per thread; 1 gives each
     * thread one contiguous range, for kernels whose cost grows as ranges narrow.
     */
    void parallelFor(int count, int grain, int chunksPerThread, Chunk chunk) {
        if (closed) throw new IllegalStateException("cpu backend is closed");
        if (count <= 0) return;
        int units = (count + grain - 1) / grain;
        int chunkUnits = Math.max(1, units / (threads * chunksPerThread));
        int chunks = (units + chunkUnits - 1) / chunkUnits;
        if (threads == 1 || chunks <= 1) {
            chunk.run(0, 0, count);
            return;
        }
        int helpers = Math.min(threads, chunks) - 1;
        int span = chunkUnits * grain;
        failure = null;
        caller = Thread.currentThread();
        nextChunk.set(0);
        remaining.set(helpers);
        long g = ++generation;
        for (int i = 0; i < helpers; i++) {
            Worker w = workers[i];
            w.job = chunk;
            w.count = count;
            w.span = span;
            w.chunks = chunks;
            w.ticket = g; // volatile write: publishes the plain fields above to this worker
            if (w.parked) LockSupport.unpark(w.thread);
        }
        try {
            claimChunks(0, chunk, count, span, chunks);
        } finally {
            awaitWorkers();
        }
        Throwable t = failure;
        if (t != null) {
            failure = null;
            if (t instanceof RuntimeException r) throw r;
            if (t instanceof Error e) throw e;
            throw new IllegalStateException(t);
        }
    }

    /** Runs unclaimed chunks until none is left or some thread failed. */
    private void claimChunks(int worker, Chunk chunk, int count, int span, int chunks) {
        for (int c; failure == null && (c = nextChunk.getAndIncrement()) < chunks; ) {
            int start = c * span;
            try {
                chunk.run(worker, start, Math.min(count, start + span));
            } catch (Throwable t) {
                if (failure == null) failure = t; // racy but harmless: some failure is reported
                return;
            }
        }
    }

    private void awaitWorkers() {
        for (int spin = 0; remaining.get() != 0; spin++) {
            if (spin < SPINS) {
                Thread.onSpinWait();
            } else {
                LockSupport.park(this);
            }
        }
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        for (Worker w : workers) LockSupport.unpark(w.thread);
        for (Worker w : workers) {
            try {
                w.thread.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * One worker's mailbox. The caller writes job/count/span/chunks only after this worker finished its previous job
     * (counted down {@code remaining}), and publishes them with the volatile {@code ticket}; so the plain fields
     * are never read while being written.
     */
    private final class Worker implements Runnable {
        final int index;
        Thread thread;
        Chunk job;
        int count;
        int span;
        int chunks;
        volatile long ticket;
        /** Set before parking; the caller unparks only parked workers (Dekker-style with {@code ticket}). */
        volatile boolean parked;

        Worker(int index) {
            this.index = index;
        }

        @Override
        public void run() {
            long seen = 0;
            while (awaitTicket(seen)) {
                seen = ticket;
                claimChunks(index, job, count, span, chunks);
                job = null;
                if (remaining.decrementAndGet() == 0) LockSupport.unpark(caller);
            }
        }

        /** Waits for a ticket other than {@code seen}; false once the pool is closed. */
        private boolean awaitTicket(long seen) {
            for (int spin = 0; ; spin++) {
                if (closed) return false;
                if (ticket != seen) return true;
                if (spin < SPINS) {
                    Thread.onSpinWait();
                } else {
                    parked = true;
                    if (ticket == seen && !closed) LockSupport.park(this);
                    parked = false;
                }
            }
        }
    }
}
