package dev.canal.engine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.canal.engine.tensor.DType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import org.junit.jupiter.api.Test;

/** The vector F16/BF16 conversions against the JDK's scalar ones, over every 16-bit pattern. */
class WeightLoadsTest {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Test
    void everyHalfDecodesBitExactly() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment all = allPatterns(arena);
            float[] out = new float[65536];
            WeightLoads.decode(DType.F16, all, 0, out, 0, 65536);
            for (int h = 0; h < 65536; h++) {
                // raw bits: the sign of zero, subnormals and infinities must survive too
                int want = Float.floatToRawIntBits(Float.float16ToFloat((short) h));
                int got = Float.floatToRawIntBits(out[h]);
                if (Float.isNaN(out[h])) {
                    // a NaN keeps sign and payload; the JDK (like F16C) also sets the quiet bit, which is not needed
                    assertEquals(want & ~0x00400000, got & ~0x00400000, "NaN half " + h);
                    assertTrue(Float.isNaN(Float.float16ToFloat((short) h)), "half " + h);
                } else {
                    assertEquals(want, got, "half " + h);
                }
            }
        }
    }

    /** The decode kernel's short conversion: exact for every finite half, finite for the rest (documented). */
    @Test
    void everyFiniteHalfDecodesBitExactlyInTheShortConversion() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment all = allPatterns(arena);
            float[] out = new float[WeightLoads.F.length()];
            for (int h0 = 0; h0 < 65536; h0 += out.length) {
                WeightLoads.f16Finite(all, h0).intoArray(out, 0);
                for (int j = 0; j < out.length; j++) {
                    short h = (short) (h0 + j);
                    if ((h & 0x7c00) == 0x7c00) {
                        assertTrue(Math.abs(out[j]) >= 65536f && Math.abs(out[j]) < 131072f, "half " + h);
                        assertEquals(h < 0, out[j] < 0, "sign of half " + h);
                    } else {
                        assertEquals(Float.floatToRawIntBits(Float.float16ToFloat(h)),
                                Float.floatToRawIntBits(out[j]), "half " + h);
                    }
                }
            }
        }
    }

    @Test
    void everyBfloat16DecodesBitExactly() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment all = allPatterns(arena);
            float[] out = new float[65536];
            WeightLoads.decode(DType.BF16, all, 0, out, 0, 65536);
            for (int h = 0; h < 65536; h++) {
                assertEquals(h << 16, Float.floatToRawIntBits(out[h]));
            }
        }
    }

    @Test
    void decodeHandlesOffsetsAndTails() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment all = allPatterns(arena);
            for (DType dtype : new DType[] {DType.F16, DType.BF16}) {
                for (int n : new int[] {1, 7, 17, 100}) {
                    float[] out = new float[n + 3];
                    WeightLoads.decode(dtype, all, 0x3c01, out, 3, n);
                    for (int i = 0; i < n; i++) {
                        short h = (short) (0x3c01 + i);
                        float want = dtype == DType.F16 ? Float.float16ToFloat(h) : Float.intBitsToFloat(h << 16);
                        assertEquals(want, out[3 + i], dtype + " n=" + n + " i=" + i);
                    }
                }
            }
        }
    }

    private static MemorySegment allPatterns(Arena arena) {
        MemorySegment seg = arena.allocate(2 * 65536, 1);
        for (int h = 0; h < 65536; h++) seg.set(U16, 2L * h, (short) h);
        return seg;
    }
}
