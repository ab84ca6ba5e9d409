package dev.canal.ggml.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The fifth bits of Q5_0/Q5_1 blocks: a little-endian uint32 whose bit j belongs to element j. The kernels expand
 * it to one byte per element (0 or 0x10) through an 8-bits-at-a-time table, so the nibbles can be completed with
 * one vector OR.
 */
final class Q5Bits {
    static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final byte[] TABLE = new byte[256 * 8];

    static {
        for (int v = 0; v < 256; v++) {
            for (int k = 0; k < 8; k++) TABLE[v * 8 + k] = (byte) (((v >>> k) & 1) << 4);
        }
    }

    private Q5Bits() {
    }

    static int read(MemorySegment s, long offset) {
        return s.get(LE_INT, offset);
    }

    /** Writes 32 bytes: out[j] = 0x10 when bit j of qh is set. */
    static void expand(int qh, byte[] out) {
        for (int k = 0; k < 4; k++) System.arraycopy(TABLE, ((qh >>> (8 * k)) & 0xFF) * 8, out, 8 * k, 8);
    }
}
