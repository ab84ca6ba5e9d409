package dev.canal.engine.backend.cpu;

import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;

/** Little-endian F32/F16/BF16 tensors built in an arena, with the exact values they hold for references. */
final class TestTensors {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** A tensor and the float values its elements decode to (after rounding to its dtype). */
    record Built(Tensor tensor, float[] values) {
    }

    private TestTensors() {
    }

    static float[] random(Random rnd, int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (rnd.nextGaussian() * scale);
        return a;
    }

    static Built tensor(Arena arena, String name, DType dtype, float[] values, long... shape) {
        MemorySegment seg = arena.allocate((long) values.length * dtype.bytes(), 1);
        float[] held = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            switch (dtype) {
                case F32 -> {
                    seg.set(F32, 4L * i, values[i]);
                    held[i] = values[i];
                }
                case F16 -> {
                    short h = Float.floatToFloat16(values[i]);
                    seg.set(U16, 2L * i, h);
                    held[i] = Float.float16ToFloat(h);
                }
                case BF16 -> {
                    short b = toBf16(values[i]);
                    seg.set(U16, 2L * i, b);
                    held[i] = Float.intBitsToFloat(b << 16);
                }
                default -> throw new IllegalArgumentException(dtype.toString());
            }
        }
        return new Built(new Tensor(name, dtype, shape, seg), held);
    }

    /** Round to nearest even, as torch converts float32 to bfloat16 (finite inputs). */
    static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    static CpuActivations activations(CpuBackend backend, int rows, int cols, float[] values) {
        CpuActivations a = backend.allocate(rows, cols);
        System.arraycopy(values, 0, a.data(), 0, values.length);
        return a;
    }
}
