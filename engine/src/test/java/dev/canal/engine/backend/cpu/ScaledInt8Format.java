package dev.canal.engine.backend.cpu;

import dev.canal.engine.tensor.BlockFormat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A minimal block format for engine tests (the real ones live in ggml-bridge, which the engine must not depend on):
 * blocks of 8 elements as {float32 scale, int8 q[8]}, x = scale · q. Optionally it offers quantized activations
 * that round each activation to the nearest integer, so tests can tell that path's results from the float dot's.
 */
final class ScaledInt8Format implements BlockFormat {
    static final int BLOCK = 8;
    static final int BYTES = 4 + BLOCK;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final boolean quantizedActivations;
    /** How many activation buffers a backend asked for. */
    int buffersCreated;

    ScaledInt8Format(boolean quantizedActivations) {
        this.quantizedActivations = quantizedActivations;
    }

    @Override
    public String name() {
        return "SI8";
    }

    @Override
    public int blockSize() {
        return BLOCK;
    }

    @Override
    public int blockBytes() {
        return BYTES;
    }

    @Override
    public void dequantizeRow(MemorySegment src, long offset, float[] dst, int dstOffset, int n) {
        for (int b = 0; b < n / BLOCK; b++) {
            long p = offset + (long) b * BYTES;
            float scale = src.get(F32, p);
            for (int j = 0; j < BLOCK; j++) {
                dst[dstOffset + b * BLOCK + j] = scale * src.get(ValueLayout.JAVA_BYTE, p + 4 + j);
            }
        }
    }

    @Override
    public float dot(MemorySegment w, long rowOffset, float[] x, int xOffset, int n) {
        float[] row = new float[n];
        dequantizeRow(w, rowOffset, row, 0, n);
        float s = 0;
        for (int i = 0; i < n; i++) s += row[i] * x[xOffset + i];
        return s;
    }

    @Override
    public QuantizedActivations newQuantizedActivations() {
        if (!quantizedActivations) return null;
        buffersCreated++;
        return new QuantizedActivations() {
            private float[] rounded = new float[0];

            @Override
            public void quantize(float[] x, int offset, int n) {
                rounded = new float[n];
                for (int i = 0; i < n; i++) rounded[i] = Math.round(x[offset + i]);
            }

            @Override
            public float dot(MemorySegment w, long rowOffset) {
                return ScaledInt8Format.this.dot(w, rowOffset, rounded, 0, rounded.length);
            }
        };
    }

    /** Encodes rows × cols values (cols a multiple of 8), scale = max |x| / 127 per block. */
    MemorySegment encode(Arena arena, float[] values, int rows, int cols) {
        MemorySegment seg = arena.allocate((long) rows * cols / BLOCK * BYTES, 4);
        for (int b = 0; b < rows * cols / BLOCK; b++) {
            float amax = 0;
            for (int j = 0; j < BLOCK; j++) amax = Math.max(amax, Math.abs(values[b * BLOCK + j]));
            float scale = amax / 127;
            long p = (long) b * BYTES;
            seg.set(F32, p, scale);
            for (int j = 0; j < BLOCK; j++) {
                seg.set(ValueLayout.JAVA_BYTE, p + 4 + j,
                        (byte) (scale == 0 ? 0 : Math.round(values[b * BLOCK + j] / scale)));
            }
        }
        return seg;
    }
}
