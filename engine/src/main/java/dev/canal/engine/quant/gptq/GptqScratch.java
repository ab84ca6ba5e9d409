package dev.canal.engine.quant.gptq;

/**
 * One worker thread's buffers for the GPTQ kernels, grown to the largest size asked for and then reused: the
 * pool's threads live as long as the backend, so nothing is allocated per multiply once warm.
 */
final class GptqScratch {
    private static final ThreadLocal<GptqScratch> PER_THREAD = ThreadLocal.withInitial(GptqScratch::new);

    /** Decode: Σ x · q of the current run, the running output, a group's scales and zeros, per column. */
    float[] acc = new float[0];
    float[] total = new float[0];
    float[] scales = new float[0];
    float[] zeros = new float[0];
    /** A group's zero words for the columns at hand. */
    int[] zeroWords = new int[0];
    /** Decode with act-order: Σ x · q per group and column; Σ x per group or per run. */
    float[] groupAcc = new float[0];
    float[] sumX = new float[0];
    /** Prefill: scales and zeros of every group for a column tile, a dequantized tile, output accumulators. */
    float[] tileScales = new float[0];
    float[] tileZeros = new float[0];
    float[] tile = new float[0];
    float[] rowAcc = new float[0];

    static GptqScratch get() {
        return PER_THREAD.get();
    }

    static float[] atLeast(float[] a, int n) {
        return a.length >= n ? a : new float[n];
    }

    static int[] atLeast(int[] a, int n) {
        return a.length >= n ? a : new int[n];
    }
}
