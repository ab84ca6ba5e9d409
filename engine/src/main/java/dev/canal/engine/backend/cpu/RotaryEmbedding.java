package dev.canal.engine.backend.cpu;

import dev.canal.engine.backend.Rope;

/**
 * Rotary position embedding in place. Angles and their cos/sin follow Hugging Face's float32 math: angle =
 * (float) position · invFreq[i] rounded to float, cos/sin of that float, times attentionScale; then
 * x0·cos − x1·sin and x1·cos + x0·sin without fused multiply-adds. Scalar code: rope is a sliver of the work.
 */
final class RotaryEmbedding {
    private final float[][] cos;
    private final float[][] sin;

    RotaryEmbedding(int threads) {
        cos = new float[threads][];
        sin = new float[threads][];
    }

    /** Rotates rows [rowFrom, rowTo) of x (heads × headDim columns); row r is at position startPos + r. */
    void apply(int worker, float[] x, int cols, int heads, Rope rope, int startPos, int rowFrom, int rowTo) {
        int half = rope.rotaryDim() / 2;
        if (cos[worker] == null || cos[worker].length < half) {
            cos[worker] = new float[half];
            sin[worker] = new float[half];
        }
        float[] c = cos[worker];
        float[] s = sin[worker];
        float[] invFreq = rope.invFreq();
        float scale = rope.attentionScale();
        int headDim = rope.headDim();
        // neox pairs (i, i + half); interleaved pairs (2i, 2i + 1)
        int pairStride = rope.neoxPairing() ? 1 : 2;
        int partnerOffset = rope.neoxPairing() ? half : 1;
        for (int r = rowFrom; r < rowTo; r++) {
            float position = startPos + r;
            for (int i = 0; i < half; i++) {
                float angle = position * invFreq[i];
                c[i] = (float) Math.cos(angle) * scale;
                s[i] = (float) Math.sin(angle) * scale;
            }
            for (int h = 0; h < heads; h++) {
                int base = r * cols + h * headDim;
                for (int i = 0; i < half; i++) {
                    int a = base + i * pairStride;
                    int b = a + partnerOffset;
                    float x0 = x[a];
                    float x1 = x[b];
                    x[a] = x0 * c[i] - x1 * s[i];
                    x[b] = x1 * c[i] + x0 * s[i];
                }
            }
        }
    }
}
