package dev.canal.ggml.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

class Fp16Test {

    /** The lookup table behind {@link Fp16#read} holds exactly what the conversion gives, NaN payloads included. */
    @Test
    void readGivesTheConversionOfEveryBitPattern() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(2 * 65536 + 1);
            for (int i = 0; i < 65536; i++) s.set(Fp16.LE_SHORT, 1 + 2L * i, (short) i); // odd offsets: unaligned
            for (int i = 0; i < 65536; i++) {
                int bits = i;
                int expected = Float.floatToRawIntBits(Float.float16ToFloat((short) i));
                int actual = Float.floatToRawIntBits(Fp16.read(s, 1 + 2L * i));
                assertEquals(expected, actual, () -> "fp16 bits 0x" + Integer.toHexString(bits));
            }
        }
    }

    @Test
    void writeThenReadRoundsToNearestEven() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(2);
            Fp16.write(s, 0, 1.0f + 0x1p-11f); // halfway between 1 and the next fp16: ties to even (1)
            assertEquals(1.0f, Fp16.read(s, 0));
            Fp16.write(s, 0, 1.0f + 3 * 0x1p-11f); // halfway between 1+2^-10 and 1+2^-9: ties to even (1+2^-9)
            assertEquals(1.0f + 0x1p-9f, Fp16.read(s, 0));
            Fp16.write(s, 0, 1.0f); // 0x3C00, little-endian as ggml stores it
            assertEquals(0x00, s.get(ValueLayout.JAVA_BYTE, 0));
            assertEquals(0x3C, s.get(ValueLayout.JAVA_BYTE, 1));
        }
    }
}
