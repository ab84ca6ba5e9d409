package dev.canal.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The BPE model of tokenizer.json: a word's characters are merged pairwise, lowest merge rank first (leftmost on
 * ties), until no ranked pair is left. Characters missing from the vocabulary become byte-fallback tokens
 * (&lt;0xNN&gt;) when the model has them, else the unknown token. Results are cached per word because natural text
 * repeats words all the time.
 */
final class BpeModel {
    private static final int CACHE_LIMIT = 200_000;
    private static final int MAX_CACHED_WORD = 256;

    private final Map<String, Integer> vocab;
    /** (left id, right id) packed in a long → rank in the high 32 bits, merged id in the low 32 bits. */
    private final Map<Long, Long> merges;
    private final int unkId;
    private final boolean fuseUnk;
    private final boolean byteFallback;
    private final boolean ignoreMerges;
    private final int[] byteTokenIds;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    BpeModel(Map<String, Integer> vocab, Map<Long, Long> merges, int unkId, boolean fuseUnk, boolean byteFallback,
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

    static long pair(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    /** Appends the ids of one pre-tokenized word. */
    void encodeWord(String word, IntList out) {
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
        // Queue entries: rank, position of the left symbol, left id, right id (to detect stale entries).
        PriorityQueue<long[]> queue = new PriorityQueue<>((a, b) -> a[0] != b[0]
                ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        for (int i = 0; i + 1 < n; i++) {
            offer(queue, ids, i, i + 1);
        }
        while (!queue.isEmpty()) {
            long[] top = queue.poll();
            int left = (int) top[1];
            int right = next[left];
            if (ids[left] != (int) top[2] || right < 0 || ids[right] != (int) top[3]) {
                continue;
            }
            ids[left] = (int) top[4];
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

    private void offer(PriorityQueue<long[]> queue, int[] ids, int left, int right) {
        Long m = merges.get(pair(ids[left], ids[right]));
        if (m != null) {
            queue.add(new long[] {m >>> 32, left, ids[left], ids[right], m & 0xFFFFFFFFL});
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
                throw new IllegalStateException("character U+" + Integer.toHexString(cp).toUpperCase()
                        + " is not in the vocabulary and the model has no unk_token");
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

    /** Parses merges given as "a b" strings or as ["a", "b"] pairs; pieces must be in the vocabulary. */
    static Map<Long, Long> newMergeTable(int expected) {
        return new HashMap<>(Math.max(16, expected * 4 / 3 + 1));
    }
}
