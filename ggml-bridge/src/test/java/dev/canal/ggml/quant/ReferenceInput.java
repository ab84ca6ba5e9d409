package dev.canal.ggml.quant;

/**
 * The deterministic test rows also fed to ggml's own quantizer (a C harness linking libggml-base, ggml commit
 * d99724f2, built as ggml builds it: -O3, no -march, so no fused multiply-add) to produce the expected hashes in
 * {@link GgmlBitExactTest}. Only exact float operations are used, so C and Java compute identical inputs: a 64-bit
 * LCG, 24 random bits scaled by 2^-24, one subtraction and one multiplication.
 */
final class ReferenceInput {
    static final int ROWS = 8;
    static final int N = 1024;

    private long s = 0x9E3779B97F4A7C15L;

    private long next() {
        s = s * 6364136223846793005L + 1442695040888963407L;
        return s;
    }

    private float u() {
        return (float) (next() >>> 40) * (1.0f / 16777216.0f);
    }

    /** Row 0: uniform +-0.5; 1: +-5e-4; 2: +-50; 3: +-5e-7 (fp16-subnormal scales); 4: small noise with two 1000
     * outliers; 5: negative only; 6: all zeros; 7: skewed. */
    static float[] rows() {
        ReferenceInput g = new ReferenceInput();
        float[] x = new float[ROWS * N];
        for (int r = 0; r < ROWS; r++) {
            for (int i = 0; i < N; i++) {
                float v = switch (r) {
                    case 0 -> (g.u() - 0.5f) * 1.0f;
                    case 1 -> (g.u() - 0.5f) * 0.001f;
                    case 2 -> (g.u() - 0.5f) * 100.0f;
                    case 3 -> (g.u() - 0.5f) * 1e-6f;
                    case 4 -> (i == 17 || i == 600) ? 1000.0f : (g.u() - 0.5f) * 0.01f;
                    case 5 -> -g.u() * 3.0f;
                    case 6 -> 0.0f;
                    default -> (g.u() * g.u() - 0.25f) * 10.0f;
                };
                x[r * N + i] = v;
            }
        }
        return x;
    }
}
