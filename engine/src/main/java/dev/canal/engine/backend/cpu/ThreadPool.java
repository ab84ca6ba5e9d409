package dev.canal.engine.backend.cpu;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of daemon workers that split a range of items into contiguous chunks. The calling thread runs the
 * first chunk itself, so {@code threads = 1} never leaves the caller. Workers spin briefly and then park between
 * jobs: a decode step issues hundreds of small jobs per token, too many for a hand-off through a queue, while parked
 * workers cost nothing when the engine is idle. One job runs at a time (a backend is driven by one thread).
 */
final class ThreadPool implements AutoCloseable {

    /** Work on items [start, end) by worker {@code worker} (0 is the caller), for per-worker scratch buffers. */
    @FunctionalInterface
    interface Chunk {
        void run(int worker, int start, int end);
    }

    /** Polls before parking: long enough to catch the next op of a forward pass, short enough not to burn a core. */
    private static final int SPINS = 20_000;

    private final int threads;
    private final Worker[] workers;
    private final AtomicInteger remaining = new AtomicInteger();
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
     * Runs {@code chunk} over items [0, count) split into at most {@code threads} contiguous ranges whose bounds are
     * multiples of {@code grain} (except the last end), and returns when all are done. A worker's exception is
     * rethrown here.
     */
    void parallelFor(int count, int grain, Chunk chunk) {
        if (closed) throw new IllegalStateException("cpu backend is closed");
        if (count <= 0) return;
        int units = (count + grain - 1) / grain;
        int span = ((units + threads - 1) / threads) * grain;
        int used = (count + span - 1) / span;
        if (used <= 1) {
            chunk.run(0, 0, count);
            return;
        }
        failure = null;
        caller = Thread.currentThread();
        remaining.set(used - 1);
        long g = ++generation;
        for (int i = 0; i < used - 1; i++) {
            Worker w = workers[i];
            w.job = chunk;
            w.start = (i + 1) * span;
            w.end = Math.min(count, w.start + span);
            w.ticket = g; // volatile write: publishes the plain fields above to this worker
            if (w.parked) LockSupport.unpark(w.thread);
        }
        try {
            chunk.run(0, 0, span);
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
     * One worker's mailbox. The caller writes job/start/end only after this worker finished its previous job
     * (counted down {@code remaining}), and publishes them with the volatile {@code ticket}; so the plain fields
     * are never read while being written.
     */
    private final class Worker implements Runnable {
        final int index;
        Thread thread;
        Chunk job;
        int start;
        int end;
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
                try {
                    job.run(index, start, end);
                } catch (Throwable t) {
                    failure = t;
                }
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
