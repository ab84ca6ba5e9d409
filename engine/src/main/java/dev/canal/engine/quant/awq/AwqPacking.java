package dev.canal.engine.quant.awq;

/**
 * AutoAWQ's GEMM packing of eight 4-bit values in one int32 (awq/modules/linear/gemm.py): the nibble at bits
 * [4p, 4p + 4) holds output column {@code 8·word + ORDER[p]}. qweight [in, out/8] and qzeros [in/G, out/8] are both
 * packed this way, so a word of either covers the same eight output columns in the same nibble order.
 */
final class AwqPacking {
    /** Values per int32. */
    static final int PACK = 8;

    /** Nibble p holds column ORDER[p] of its word (AutoAWQ's order_map). */
    static final int[] ORDER = {0, 2, 4, 6, 1, 3, 5, 7};

    /** Column c of a word is in nibble POSITION[c] (AutoAWQ's AWQ_REVERSE_ORDER, the inverse of ORDER). */
    static final int[] POSITION = {0, 4, 1, 5, 2, 6, 3, 7};

    private AwqPacking() {
    }

    /** The 4-bit value of column {@code column} (any column; its word is the caller's) in {@code word}. */
    static int nibble(int word, int column) {
        return (word >>> (4 * POSITION[column & 7])) & 0xF;
    }

    /** Eight 4-bit values v[0..7] (column order) packed as AutoAWQ does. */
    static int pack(int[] v, int off) {
        int word = 0;
        for (int p = 0; p < PACK; p++) word |= (v[off + ORDER[p]] & 0xF) << (4 * p);
        return word;
    }
}
