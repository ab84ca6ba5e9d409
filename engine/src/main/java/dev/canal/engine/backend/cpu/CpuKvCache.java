package dev.canal.engine.backend.cpu;

import dev.canal.engine.backend.KvCache;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Cleaner;

/**
 * Keys and values as float32, per layer laid out [position][kvHead][headDim] so one token's keys (or values) are one
 * contiguous store. Off-heap so long contexts don't need a large Java heap. The memory grows with the positions
 * used, doubling up to the capacity: allocating (and so zeroing and faulting in) the whole 4096-position cache of a
 * 1B model up front cost ~0.25 s of the time to first token, for positions a short chat never reaches.
 */
final class CpuKvCache implements KvCache {
    /** Positions allocated at first; enough for a prompt and its answer in most one-shot uses. */
    static final int INITIAL_POSITIONS = 256;
    private static final Cleaner CLEANER = Cleaner.create();

    private final int layers;
    private final int kvHeads;
    private final int headDim;
    private final int capacity;
    private final MemorySegment[] keys;
    private final MemorySegment[] values;
    /** Owns the current segments; closed when they are replaced by larger ones, or when this cache is collected. */
    private final Memory memory = new Memory();
    private int allocated;

    CpuKvCache(int layers, int kvHeads, int headDim, int capacity) {
        if (layers <= 0 || kvHeads <= 0 || headDim <= 0 || capacity <= 0) {
            throw new IllegalArgumentException("bad kv cache shape: layers=" + layers + " kvHeads=" + kvHeads
                    + " headDim=" + headDim + " capacity=" + capacity);
        }
        this.layers = layers;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.capacity = capacity;
        keys = new MemorySegment[layers];
        values = new MemorySegment[layers];
        CLEANER.register(this, memory);
        grow(Math.min(capacity, INITIAL_POSITIONS));
    }

    /** Makes positions [0, positions) storable, growing the memory (and copying what it holds) if needed. */
    void reserve(int positions) {
        if (positions > capacity) {
            throw new IllegalArgumentException("kv cache holds " + capacity + " positions, " + positions + " asked");
        }
        if (positions > allocated) grow(Math.min(capacity, Math.max(positions, 2 * allocated)));
    }

    /** Positions the memory holds now (at most {@link #capacity()}). */
    int allocated() {
        return allocated;
    }

    private void grow(int positions) {
        long bytes = (long) positions * kvHeads * headDim * Float.BYTES;
        long kept = (long) allocated * kvHeads * headDim * Float.BYTES;
        Arena arena = Arena.ofShared();
        for (int l = 0; l < layers; l++) {
            MemorySegment k = arena.allocate(bytes, 64);
            MemorySegment v = arena.allocate(bytes, 64);
            if (kept > 0) {
                MemorySegment.copy(keys[l], 0, k, 0, kept);
                MemorySegment.copy(values[l], 0, v, 0, kept);
            }
            keys[l] = k;
            values[l] = v;
        }
        memory.replace(arena);
        allocated = positions;
    }

    /** The arena of the current segments; as the cleaning action it must not refer to the cache itself. */
    private static final class Memory implements Runnable {
        private volatile Arena arena;

        void replace(Arena next) {
            if (arena != null) arena.close();
            arena = next;
        }

        @Override
        public void run() {
            if (arena != null) arena.close();
        }
    }

    @Override
    public int layers() {
        return layers;
    }

    @Override
    public int kvHeads() {
        return kvHeads;
    }

    @Override
    public int headDim() {
        return headDim;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    MemorySegment keys(int layer) {
        return keys[layer];
    }

    MemorySegment values(int layer) {
        return values[layer];
    }

    /** Byte offset of (position, kvHead, 0) within a layer's keys or values. */
    long offset(int position, int kvHead) {
        return (((long) position * kvHeads + kvHead) * headDim) * Float.BYTES;
    }

    /**
     * Copies one token's rows of k and v (kvHeads · headDim floats each) to {@code position} of {@code layer}, which
     * must be {@link #reserve reserved}.
     */
    void store(int layer, int position, float[] k, float[] v, int srcOffset) {
        int n = kvHeads * headDim;
        MemorySegment.copy(k, srcOffset, keys[layer], ValueLayout.JAVA_FLOAT, offset(position, 0), n);
        MemorySegment.copy(v, srcOffset, values[layer], ValueLayout.JAVA_FLOAT, offset(position, 0), n);
    }
}
