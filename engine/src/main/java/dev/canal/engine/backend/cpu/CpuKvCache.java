package dev.canal.engine.backend.cpu;

import dev.canal.engine.backend.KvCache;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Keys and values as float32, per layer laid out [position][kvHead][headDim] so one token's keys (or values) are one
 * contiguous store. Off-heap (freed by the GC when the cache is unreachable) so long contexts don't need a large Java
 * heap.
 */
final class CpuKvCache implements KvCache {
    private final int layers;
    private final int kvHeads;
    private final int headDim;
    private final int capacity;
    private final MemorySegment[] keys;
    private final MemorySegment[] values;

    CpuKvCache(int layers, int kvHeads, int headDim, int capacity) {
        if (layers <= 0 || kvHeads <= 0 || headDim <= 0 || capacity <= 0) {
            throw new IllegalArgumentException("bad kv cache shape: layers=" + layers + " kvHeads=" + kvHeads
                    + " headDim=" + headDim + " capacity=" + capacity);
        }
        this.layers = layers;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.capacity = capacity;
        long bytes = (long) capacity * kvHeads * headDim * Float.BYTES;
        Arena arena = Arena.ofAuto();
        keys = new MemorySegment[layers];
        values = new MemorySegment[layers];
        for (int l = 0; l < layers; l++) {
            keys[l] = arena.allocate(bytes, 64);
            values[l] = arena.allocate(bytes, 64);
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

    /** Copies one token's rows of k and v (kvHeads · headDim floats each) to {@code position} of {@code layer}. */
    void store(int layer, int position, float[] k, float[] v, int srcOffset) {
        int n = kvHeads * headDim;
        MemorySegment.copy(k, srcOffset, keys[layer], ValueLayout.JAVA_FLOAT, offset(position, 0), n);
        MemorySegment.copy(v, srcOffset, values[layer], ValueLayout.JAVA_FLOAT, offset(position, 0), n);
    }
}
