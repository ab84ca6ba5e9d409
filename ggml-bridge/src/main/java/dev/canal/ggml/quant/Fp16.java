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

    /** Every fp16 bit pattern as a float, for {@link #read}. */
    private static final float[] TO_FLOAT = new float[1 << 16];

    static {
        for (int i = 0; i < TO_FLOAT.length; i++) TO_FLOAT[i] = Float.float16ToFloat((short) i);
    }

    /**
     * The fp16 at {@code offset} as a float (exactly {@link Float#float16ToFloat}), looked up in a table: kernels read
     * one per block as its scale and broadcast it, and C2 folds the table load into the broadcast (vbroadcastss from
     * memory, load ports only), where the conversion instruction costs three ALU uops on the ports the block's vector
     * arithmetic needs (hsdis: movzx + vbroadcastss m32, no bounds check). On the noisy development VM the best time
     * per block of an L2-resident Q4_0 matvec went from ~11 to ~9 cycles; whole-model decode moved less than the
     * noise.
     */
    public static float read(MemorySegment s, long offset) {
        return TO_FLOAT[s.get(LE_SHORT, offset) & 0xFFFF];
    }

    public static void write(MemorySegment s, long offset, float v) {
        s.set(LE_SHORT, offset, Float.floatToFloat16(v));
    }

    /** The float the fp16 nearest to {@code v} holds (ggml's FP16_TO_FP32(FP32_TO_FP16(v))). */
    public static float round(float v) {
        return Float.float16ToFloat(Float.floatToFloat16(v));
    }
}
