package dev.canal.engine.backend;

import java.util.Arrays;

/**
 * The order sampling ranks logits in, and a host selection of the best k in that order. Every backend's
 * {@link Backend#topK} and the sampler use this one order, so that k candidates selected on a GPU and a selection
 * over the whole row on the host are the same list, token for token:
 * <ul>
 *   <li>the larger logit first; -0 and +0 are equal; -inf is an ordinary value, below every finite one;</li>
 *   <li>NaN below every number, -inf included: a NaN logit is chosen only where every logit is NaN;</li>
 *   <li>among equal logits (NaNs among themselves too) the lower token id first, as an argmax scanning upwards keeps
 *       the first maximum it meets.</li>
 * </ul>
 * {@link #rank} turns (logit, id) into a long whose signed order is this order; ids are distinct, so no two ranks are
 * equal and the best k are one well-defined, sorted list. The GPU kernels (topk.cuh) build the same key as an
 * unsigned 64-bit integer (this rank with its top bit flipped).
 */
public final class TopK {
    private TopK() {
    }

    /**
     * The rank of {@code logit} at {@code id}: larger is better. High 32 bits: the float's bits mapped so that signed
     * integer order is numeric order (negative floats' magnitude bits flipped), NaN the smallest int, -0 as +0. Low
     * 32 bits: ~id, so that the lower id of two equal logits ranks higher.
     */
    public static long rank(float logit, int id) {
        int key;
        if (logit != logit) {
            key = Integer.MIN_VALUE;
        } else if (logit == 0f) {
            key = 0;
        } else {
            int bits = Float.floatToRawIntBits(logit);
            key = bits >= 0 ? bits : bits ^ 0x7fffffff;
        }
        return ((long) key << 32) | (~id & 0xffffffffL);
    }

    /** The token id a {@link #rank} was made for. */
    public static int id(long rank) {
        return ~(int) rank;
    }

    /**
     * Puts the {@code k} best of {@code logits[offset, offset + n)} (ids counted from {@code offset}) into
     * {@code values[0..k)} and {@code ids[0..k)}, best first. A heap of k ranks where k is small next to n (decode's
     * top-k: no sort of the vocabulary), one sort of all n ranks otherwise.
     */
    public static void select(float[] logits, int offset, int n, int k, float[] values, int[] ids) {
        select(logits, offset, n, k, values, ids, new long[scratch(n, k)]);
    }

    /** As {@link #select(float[], int, int, int, float[], int[])} in a caller's buffer of at least n longs. */
    public static void select(float[] logits, int offset, int n, int k, float[] values, int[] ids, long[] scratch) {
        check(k, n, values, ids);
        int kept;
        if (scratch(n, k) == k) {
            int size = 0;
            for (int id = 0; id < n; id++) {
                long r = rank(logits[offset + id], id);
                if (size < k) {
                    scratch[size] = r;
                    siftUp(scratch, size++);
                } else if (r > scratch[0]) {
                    scratch[0] = r;
                    siftDown(scratch, k);
                }
            }
            kept = k;
        } else {
            for (int id = 0; id < n; id++) scratch[id] = rank(logits[offset + id], id);
            kept = n;
        }
        Arrays.sort(scratch, 0, kept);
        for (int i = 0; i < k; i++) {
            int id = id(scratch[kept - 1 - i]);
            ids[i] = id;
            values[i] = logits[offset + id];
        }
    }

    /** The longs {@link #select} works in: a k-heap where k is small next to n, else all n ranks. */
    private static int scratch(int n, int k) {
        return (long) k * 8 < n ? k : n;
    }

    /** The arguments every {@link Backend#topK} takes: 1 ≤ k ≤ cols, and room for k results. */
    public static void check(int k, int cols, float[] values, int[] ids) {
        if (k < 1 || k > cols || values.length < k || ids.length < k) {
            throw new IllegalArgumentException("topK: k = " + k + " of " + cols + " columns into " + values.length
                    + " values and " + ids.length + " ids (need 1 ≤ k ≤ columns and room for k)");
        }
    }

    // A min-heap: best[0] is the worst of the k kept, the one a better rank replaces.
    private static void siftUp(long[] heap, int i) {
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (heap[i] >= heap[parent]) return;
            long t = heap[i];
            heap[i] = heap[parent];
            heap[parent] = t;
            i = parent;
        }
    }

    private static void siftDown(long[] heap, int size) {
        int i = 0;
        while (true) {
            int l = 2 * i + 1, r = l + 1, m = i;
            if (l < size && heap[l] < heap[m]) m = l;
            if (r < size && heap[r] < heap[m]) m = r;
            if (m == i) return;
            long t = heap[i];
            heap[i] = heap[m];
            heap[m] = t;
            i = m;
        }
    }
}
