package dev.canal.engine.testing;

import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

/** Dense tensors of Gaussian values in native memory, for comparing backends. */
public final class RandomTensors {
    private RandomTensors() {
    }

    /** F32, F16 or BF16 values drawn from N(0, sigma²), rounded to the type. */
    public static Tensor gaussian(Random random, Arena arena, String name, DType dtype, float sigma, long... shape) {
        long n = 1;
        for (long s : shape) n *= s;
        MemorySegment data = arena.allocate(n * dtype.bytes(), 16);
        for (long i = 0; i < n; i++) {
            float f = (float) random.nextGaussian() * sigma;
            switch (dtype) {
                case F32 -> data.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, f);
                case F16 -> data.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Float.floatToFloat16(f));
                case BF16 -> data.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i,
                        (short) (Float.floatToRawIntBits(f) >>> 16));
                default -> throw new IllegalArgumentException(dtype.toString());
            }
        }
        return new Tensor(name, dtype, shape, data);
    }
}
