package dev.canal.ggml.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * IEEE half precision as ggml stores block scales: little-endian, converted with round-to-nearest-even (what
 * GGML_FP32_TO_FP16 does with F16C or its software fallback), so scales written here match llama.cpp's bits.
 */
public final class Fp16 {
    static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Fp16() {
    }

    public static float read(MemorySegment s, long offset) {
        return Float.float16ToFloat(s.get(LE_SHORT, offset));
    }

    public static void write(MemorySegment s, long offset, float v) {
        s.set(LE_SHORT, offset, Float.floatToFloat16(v));
    }

    /** The float the fp16 nearest to {@code v} holds (ggml's FP16_TO_FP32(FP32_TO_FP16(v))). */
    public static float round(float v) {
        return Float.float16ToFloat(Float.floatToFloat16(v));
    }
}
