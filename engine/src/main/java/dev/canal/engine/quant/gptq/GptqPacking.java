package dev.canal.engine.quant.gptq;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The bit layout GPTQ checkpoints share (AutoGPTQ, GPTQModel, the "gptq" and "gptq_v2" checkpoint formats):
 * {@code 32 / bits} values per little-endian int32, value k of a word at bits [k · bits, (k + 1) · bits). qweight
 * packs along the input dimension (word row p holds inputs p · pack .. p · pack + pack − 1 of every output), qzeros
 * along the output dimension.
 */
final class GptqPacking {
    static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private GptqPacking() {
    }

    /** Values per int32 word. */
    static int perWord(int bits) {
        return 32 / bits;
    }

    /** Value k (0-based, counted from the low bits) of a packed word, unsigned. */
    static int field(int word, int k, int bits) {
        return (word >>> (k * bits)) & ((1 << bits) - 1);
    }

    /** Ints as a little-endian byte segment, as safetensors stores I32. */
    static MemorySegment littleEndian(int[] values) {
        MemorySegment out = MemorySegment.ofArray(new byte[values.length * 4]);
        MemorySegment.copy(values, 0, out, I32_LE, 0, values.length);
        return out;
    }
}
