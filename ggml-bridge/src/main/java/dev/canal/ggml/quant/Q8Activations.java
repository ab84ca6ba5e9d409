package dev.canal.ggml.quant;

/**
 * An activation row quantized once to Q8_0 blocks (int8 values plus one scale per 32), reused across every weight
 * row it multiplies: llama.cpp's approach for Q8_0 and Q4_0 weights, which turns the inner loop into int8 x int8
 * products with integer sums. Quantization is ggml's Q8_0 reference (d = amax / 127, q = roundf(x / d)); the scale
 * is kept as its fp16 value, as ggml's block_q8_0 stores it. Not thread-safe: one buffer per thread.
 */
public final class Q8Activations {
    static final int QK = 32;

    private byte[] q = new byte[0];
    private float[] d = new float[0];
    private int n;

    /** Quantizes {@code x[off..off+n)}, n a multiple of 32, growing the buffers when needed. */
    public Q8Activations quantize(float[] x, int off, int n) {
        if (n % QK != 0) throw new IllegalArgumentException("activation length " + n + " is not a multiple of 32");
        if (q.length < n) {
            q = new byte[n];
            d = new float[n / QK];
        }
        this.n = n;
        for (int b = 0; b < n / QK; b++) {
            int base = off + b * QK;
            float amax = 0;
            for (int j = 0; j < QK; j++) {
                float a = Math.abs(x[base + j]);
                amax = amax > a ? amax : a;
            }
            float scale = amax / 127;
            float id = scale != 0 ? 1.0f / scale : 0.0f;
            d[b] = Fp16.round(scale);
            for (int j = 0; j < QK; j++) q[b * QK + j] = (byte) Rounding.roundf(x[base + j] * id);
        }
        return this;
    }

    /** Quantizes a whole array. */
    public Q8Activations quantize(float[] x) {
        return quantize(x, 0, x.length);
    }

    public int length() {
        return n;
    }

    /** The int8 values (only the first {@link #length()} are valid). */
    byte[] values() {
        return q;
    }

    /** Per-block scales. */
    float[] scales() {
        return d;
    }

    public byte value(int i) {
        return q[i];
    }

    public float scale(int block) {
        return d[block];
    }
}
