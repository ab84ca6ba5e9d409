package dev.canal.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The BPE model of tokenizer.json: a word's characters are merged pairwise, lowest merge rank first (leftmost on
 * ties), until no ranked pair is left. Characters missing from the vocabulary become byte-fallback tokens
 * (&lt;0xNN&gt;) when the model has them, else the unknown token. Results are cached per word because natural text
 * repeats words all the time.
 */
final class BpeModel implements WordModel {
    private static final int CACHE_LIMIT = 200_000;
    private static final int MAX_CACHED_WORD = 256;

    private final Map<String, Integer> vocab;
    private final MergeTable merges;
    private final int unkId;
    private final boolean fuseUnk;
    private final boolean byteFallback;
    private final boolean ignoreMerges;
    private final int[] byteTokenIds;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    BpeModel(Map<String, Integer> vocab, MergeTable merges, int unkId, boolean fuseUnk, boolean byteFallback,
             boolean ignoreMerges) {
        this.vocab = vocab;
        this.merges = merges;
        this.unkId = unkId;
        this.fuseUnk = fuseUnk;
        this.byteFallback = byteFallback;
        this.ignoreMerges = ignoreMerges;
        this.byteTokenIds = new int[256];
        for (int b = 0; b < 256; b++) {
            byteTokenIds[b] = vocab.getOrDefault(String.format("<0x%02X>", b), -1);
        }
    }

    @Override
    public void encodeWord(String word, IntList out) {
        if (word.isEmpty()) {
            return;
        }
        if (ignoreMerges) {
            Integer whole = vocab.get(word);
            if (whole != null) {
                out.add(whole);
                return;
            }
        }
        int[] cached = cache.get(word);
        if (cached == null) {
            cached = merge(word);
            if (word.length() <= MAX_CACHED_WORD) {
                if (cache.size() >= CACHE_LIMIT) {
                    cache.clear();
                }
                cache.put(word, cached);
            }
        }
        out.addAll(cached);
    }

    private int[] merge(String word) {
        int[] ids = initialSymbols(word);
        int n = ids.length;
        if (n < 2) {
            return ids;
        }
        // Doubly linked list over the symbols; a merge keeps the left slot and unlinks the right one.
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        // Candidate merges as (rank << 32 | left position): lowest rank first, leftmost on ties. An entry is
        // stale when its slots have changed since; the pair found there then no longer has that rank.
        LongHeap queue = new LongHeap(n);
        for (int i = 0; i + 1 < n; i++) {
            offer(queue, ids, i, i + 1);
        }
        while (!queue.isEmpty()) {
            long top = queue.poll();
            int rank = (int) (top >>> 32);
            int left = (int) top;
            int right = ids[left] < 0 ? -1 : next[left];
            if (right < 0) {
                continue;
            }
            long m = merges.get(MergeTable.pair(ids[left], ids[right]));
            if (m == MergeTable.ABSENT || MergeTable.rank(m) != rank) {
                continue;
            }
            ids[left] = MergeTable.mergedId(m);
            ids[right] = -1;
            next[left] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = left;
            }
            if (prev[left] >= 0) {
                offer(queue, ids, prev[left], left);
            }
            if (next[left] >= 0) {
                offer(queue, ids, left, next[left]);
            }
        }
        IntList result = new IntList(n);
        for (int i = 0; i >= 0; i = next[i]) {
            result.add(ids[i]);
        }
        return result.toArray();
    }

    private void offer(LongHeap queue, int[] ids, int left, int right) {
        long m = merges.get(MergeTable.pair(ids[left], ids[right]));
        if (m != MergeTable.ABSENT) {
            queue.add(((long) MergeTable.rank(m) << 32) | left);
        }
    }

    /** A binary min-heap of longs. */
    private static final class LongHeap {
        private long[] heap;
        private int size;

        LongHeap(int capacity) {
            heap = new long[Math.max(4, capacity)];
        }

        boolean isEmpty() {
            return size == 0;
        }

        void add(long v) {
            if (size == heap.length) {
                heap = Arrays.copyOf(heap, size * 2);
            }
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (heap[parent] <= v) {
                    break;
                }
                heap[i] = heap[parent];
                i = parent;
            }
            heap[i] = v;
        }

        long poll() {
            long top = heap[0];
            long last = heap[--size];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= size) {
                    break;
                }
                if (child + 1 < size && heap[child + 1] < heap[child]) {
                    child++;
                }
                if (heap[child] >= last) {
                    break;
                }
                heap[i] = heap[child];
                i = child;
            }
            heap[i] = last;
            return top;
        }
    }

    /** One id per character; unknown characters become byte tokens or (fused) unknown tokens. */
    private int[] initialSymbols(String word) {
        IntList ids = new IntList(word.length());
        boolean lastWasUnk = false;
        for (int i = 0; i < word.length(); ) {
            int cp = word.codePointAt(i);
            int len = Character.charCount(cp);
            String ch = word.substring(i, i + len);
            i += len;
            Integer id = vocab.get(ch);
            if (id != null) {
                ids.add(id);
                lastWasUnk = false;
                continue;
            }
            if (byteFallback && addBytes(ch, ids)) {
                lastWasUnk = false;
                continue;
            }
            if (unkId < 0) {
                // No way to represent it: dropped, as Hugging Face tokenizers and llama.cpp do.
                continue;
            }
            if (!(fuseUnk && lastWasUnk)) {
                ids.add(unkId);
            }
            lastWasUnk = true;
        }
        return ids.toArray();
    }

    private boolean addBytes(String ch, IntList ids) {
        byte[] bytes = ch.getBytes(StandardCharsets.UTF_8);
        for (byte b : bytes) {
            if (byteTokenIds[b & 0xFF] < 0) {
                return false;
            }
        }
        for (byte b : bytes) {
            ids.add(byteTokenIds[b & 0xFF]);
        }
        return true;
    }

    /** A growable int array, to avoid boxing on the hot path. */
    static final class IntList {
        private int[] data;
        private int size;

        IntList(int capacity) {
            data = new int[Math.max(4, capacity)];
        }

        void add(int v) {
            if (size == data.length) {
                data = Arrays.copyOf(data, size * 2);
            }
            data[size++] = v;
        }

        void addAll(int[] vs) {
            if (size + vs.length > data.length) {
                data = Arrays.copyOf(data, Math.max(size * 2, size + vs.length));
            }
            System.arraycopy(vs, 0, data, size, vs.length);
            size += vs.length;
        }

        int size() {
            return size;
        }

        int get(int i) {
            return data[i];
        }

        int[] toArray() {
            return Arrays.copyOf(data, size);
        }
    }
}
