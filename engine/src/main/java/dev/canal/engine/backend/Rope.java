package dev.canal.engine.backend;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.config.ModelConfig;
import dev.canal.engine.config.RopeScaling;

/**
 * Rotary position embedding of one model: which dimensions rotate, at which frequencies, in which pairing.
 * The angle of pair i at position p is p · invFreq[i]; cos and sin are multiplied by {@code attentionScale}
 * (YaRN's mscale, 1 otherwise).
 *
 * @param rotaryDim   dimensions rotated at the start of each head (headDim, or less with partial rotary)
 * @param invFreq     rotaryDim / 2 inverse frequencies, scaling already applied
 * @param neoxPairing true pairs (i, i + rotaryDim/2) as Hugging Face's rotate_half; false pairs (2i, 2i+1) as
 *                    GGUF files whose Q/K rows llama.cpp's converter permuted
 */
public record Rope(int headDim, int rotaryDim, float[] invFreq, float attentionScale, boolean neoxPairing) {

    /** The rope of a Hugging Face config: base frequency, partial rotary factor and rope_scaling. */
    public static Rope of(ModelConfig c, boolean neoxPairing) {
        int rotaryDim = (int) (c.headDim() * c.partialRotaryFactor());
        rotaryDim -= rotaryDim % 2;
        float[] inv = new float[rotaryDim / 2];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = (float) (1.0 / Math.pow(c.ropeTheta(), (2.0 * i) / rotaryDim));
        }
        float scale = 1f;
        RopeScaling s = c.ropeScaling();
        if (s != null) {
            switch (s.type()) {
                case "default" -> { }
                case "linear" -> {
                    for (int i = 0; i < inv.length; i++) inv[i] /= (float) s.factor();
                }
                case "llama3" -> llama3(c, s, inv);
                case "yarn" -> scale = yarn(c, s, inv, rotaryDim);
                default -> throw new CanalException(c.source() + ": rope_scaling type \"" + s.type()
                        + "\" is not supported (supported: linear, llama3, yarn)");
            }
        }
        return new Rope(c.headDim(), rotaryDim, inv, scale, neoxPairing);
    }

    /** Llama 3.1's frequency-dependent scaling (transformers' _compute_llama3_parameters). */
    private static void llama3(ModelConfig c, RopeScaling s, float[] inv) {
        double factor = s.factor();
        double low = Double.isNaN(s.lowFreqFactor()) ? 1 : s.lowFreqFactor();
        double high = Double.isNaN(s.highFreqFactor()) ? 4 : s.highFreqFactor();
        int oldContext = s.originalMaxPositionEmbeddings() > 0 ? s.originalMaxPositionEmbeddings() : 8192;
        double lowWavelen = oldContext / low;
        double highWavelen = oldContext / high;
        for (int i = 0; i < inv.length; i++) {
            double f = inv[i];
            double wavelen = 2 * Math.PI / f;
            double out;
            if (wavelen < highWavelen) {
                out = f;
            } else if (wavelen > lowWavelen) {
                out = f / factor;
            } else {
                double smooth = (oldContext / wavelen - low) / (high - low);
                out = (1 - smooth) * f / factor + smooth * f;
            }
            inv[i] = (float) out;
        }
    }

    /** YaRN (transformers' _compute_yarn_parameters): blends interpolated and extrapolated frequencies. */
    private static float yarn(ModelConfig c, RopeScaling s, float[] inv, int dim) {
        double factor = s.factor();
        int original = s.originalMaxPositionEmbeddings() > 0 ? s.originalMaxPositionEmbeddings()
                : c.maxPositionEmbeddings();
        double base = c.ropeTheta();
        double low = Math.max(Math.floor(correctionDim(s.betaFast(), dim, base, original)), 0);
        double high = Math.min(Math.ceil(correctionDim(s.betaSlow(), dim, base, original)), dim - 1);
        if (low == high) high += 0.001;
        for (int i = 0; i < inv.length; i++) {
            double extrapolation = 1.0 / Math.pow(base, (2.0 * i) / dim);
            double interpolation = extrapolation / factor;
            double ramp = Math.min(Math.max((i - low) / (high - low), 0), 1);
            double extrapolationFactor = 1 - ramp;
            inv[i] = (float) (interpolation * (1 - extrapolationFactor) + extrapolation * extrapolationFactor);
        }
        if (!Double.isNaN(s.attentionFactor())) return (float) s.attentionFactor();
        if (!Double.isNaN(s.mscale()) && !Double.isNaN(s.mscaleAllDim())) {
            return (float) (mscale(factor, s.mscale()) / mscale(factor, s.mscaleAllDim()));
        }
        return (float) mscale(factor, 1);
    }

    private static double correctionDim(double rotations, int dim, double base, int maxPos) {
        return (dim * Math.log(maxPos / (rotations * 2 * Math.PI))) / (2 * Math.log(base));
    }

    private static double mscale(double scale, double m) {
        return scale <= 1 ? 1.0 : 0.1 * m * Math.log(scale) + 1.0;
    }
}
