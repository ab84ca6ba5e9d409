package dev.canal.engine.tokenizer;

/**
 * BPE merges as an open-addressing hash table from a packed (left id, right id) pair to a packed (rank, merged
 * id): the merge loop looks pairs up constantly, and boxed HashMap keys would allocate on every lookup.
 */
final class MergeTable {
    static final long ABSENT = -1;

    private final long[] keys;
    private final long[] values;
    private final int mask;

    MergeTable(int expected) {
        int capacity = Integer.highestOneBit(Math.max(4, expected) * 2) * 2;
        keys = new long[capacity];
        values = new long[capacity];
        java.util.Arrays.fill(keys, ABSENT);
        mask = capacity - 1;
    }

    static long pair(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    static long entry(int rank, int mergedId) {
        return ((long) rank << 32) | (mergedId & 0xFFFFFFFFL);
    }

    static int rank(long entry) {
        return (int) (entry >>> 32);
    }

    static int mergedId(long entry) {
        return (int) entry;
    }

    /** Keeps the first (lowest-rank) merge of a pair listed twice, as HF does. Ids must be non-negative. */
    void putIfAbsent(long pair, long entry) {
        int i = slot(pair);
        while (keys[i] != ABSENT) {
            if (keys[i] == pair) {
                return;
            }
            i = (i + 1) & mask;
        }
        keys[i] = pair;
        values[i] = entry;
    }

    long get(long pair) {
        int i = slot(pair);
        while (keys[i] != ABSENT) {
            if (keys[i] == pair) {
                return values[i];
            }
            i = (i + 1) & mask;
        }
        return ABSENT;
    }

    private int slot(long pair) {
        return (int) ((pair * 0x9E3779B97F4A7C15L) >>> 40) & mask;
    }
}
