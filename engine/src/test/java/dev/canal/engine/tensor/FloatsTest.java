package dev.canal.engine.tensor;

import dev.canal.engine.api.CanalException;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FloatsTest {

    private static short bf16Of(int floatBits) {
        return Floats.toBf16(Float.intBitsToFloat(floatBits));
    }

    @Test
    void bf16RoundsToNearestEven() {
        assertEquals((short) 0x3F80, Floats.toBf16(1.0f));
        assertEquals((short) 0x3F80, bf16Of(0x3F808000), "tie, lower neighbour even: stays");
        assertEquals((short) 0x3F82, bf16Of(0x3F818000), "tie, lower neighbour odd: rounds up to even");
        assertEquals((short) 0x3F81, bf16Of(0x3F808001), "just above the tie: up");
        assertEquals((short) 0x3F80, bf16Of(0x3F807FFF), "just below the tie: down");
        assertEquals((short) 0xBF82, bf16Of(0xBF818000), "sign does not matter");
        assertEquals((short) 0x7F80, Floats.toBf16(Float.MAX_VALUE), "overflows to +inf like PyTorch");
        assertEquals((short) 0xFF80, Floats.toBf16(Float.NEGATIVE_INFINITY));
        assertEquals((short) 0x7FC0, Floats.toBf16(Float.NaN));
        assertEquals((short) 0x7FC0, Floats.toBf16(Float.intBitsToFloat(0xFFFFFFFF)), "any NaN becomes the canonical one");
    }

    @Test
    void bf16DecodesExactly() {
        assertEquals(1.0f, Floats.bf16((short) 0x3F80));
        assertEquals(-2.0f, Floats.bf16((short) 0xC000));
        assertEquals(Float.intBitsToFloat(0x3F810000), Floats.bf16((short) 0x3F81));
        assertTrue(Float.isNaN(Floats.bf16((short) 0x7FC0)));
        for (int bits = 0; bits < 0x10000; bits += 7) {
            float f = Floats.bf16((short) bits);
            if (!Float.isNaN(f)) assertEquals((short) bits, Floats.toBf16(f), "round trip of " + bits);
        }
    }

    @Test
    void f16MatchesIeeeBinary16() {
        assertEquals(1.0f, Floats.f16((short) 0x3C00));
        assertEquals(65504f, Floats.f16((short) 0x7BFF));
        assertEquals(0x1p-24f, Floats.f16((short) 0x0001), "smallest subnormal");
        assertEquals((short) 0x3C00, Floats.toF16(1.0f));
        assertEquals((short) 0x7C00, Floats.toF16(1e6f), "overflow to inf");
        assertEquals((short) 0x3555, Floats.toF16(1f / 3), "1/3 rounds to nearest");
    }

    @Test
    void getReadsLittleEndianAtAnyAlignment() {
        // One byte of padding in front: element reads must not assume natural alignment of mapped data.
        byte[] raw = {9, 0x00, 0x00, (byte) 0x80, 0x3F, 0x00, 0x40};
        MemorySegment whole = MemorySegment.ofArray(raw);
        Tensor f32 = new Tensor("f", DType.F32, new long[]{1}, whole.asSlice(1, 4));
        assertEquals(1.0f, Floats.get(f32, 0));
        Tensor f16 = new Tensor("h", DType.F16, new long[]{1}, whole.asSlice(5, 2));
        assertEquals(2.0f, Floats.get(f16, 0));
        Tensor bf16 = new Tensor("b", DType.BF16, new long[]{2}, whole.asSlice(3, 4));
        assertEquals(1.0f, Floats.get(bf16, 0));
        assertEquals(2.0f, Floats.get(bf16, 1), "bytes 00 40: bf16 0x4000");
    }

    @Test
    void getRefusesNonFloatTypesAndOutOfRangeIndices() {
        Tensor ints = new Tensor("ids", DType.I32, new long[]{2}, MemorySegment.ofArray(new byte[8]));
        CanalException e = assertThrows(CanalException.class, () -> Floats.get(ints, 0));
        assertTrue(e.getMessage().contains("\"ids\"") && e.getMessage().contains("I32"), e.getMessage());
        Tensor f = new Tensor("f", DType.F32, new long[]{2}, MemorySegment.ofArray(new byte[8]));
        assertThrows(IndexOutOfBoundsException.class, () -> Floats.get(f, 2));
        assertThrows(IndexOutOfBoundsException.class, () -> Floats.get(f, -1));
    }
}
