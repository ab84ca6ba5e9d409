package dev.canal.engine.quant.compressed;

/** One worker thread's buffers for the pack-quantized kernel, grown to the largest size asked for, then reused. */
final class PackQuantizedScratch {
    private static final ThreadLocal<PackQuantizedScratch> PER_THREAD =
            ThreadLocal.withInitial(PackQuantizedScratch::new);

    /** Activation rows in the word-interleaved order of the packed rows. */
    float[] x = new float[0];
    /** Σ x per (activation row, group). */
    float[] sumX = new float[0];
    /** A row's scale and unsigned zero point per group. */
    float[] rowScales = new float[0];
    float[] rowZeros = new float[0];
    /** The same per word, where groups do not map onto lanes by a fixed pattern. */
    float[] wordScales = new float[0];
    float[] wordZeros = new float[0];
    /** Four dequantized weight rows, in the interleaved order. */
    float[] row = new float[0];

    static PackQuantizedScratch get() {
        return PER_THREAD.get();
    }

    static float[] atLeast(float[] a, int n) {
        return a.length >= n ? a : new float[n];
    }
}
