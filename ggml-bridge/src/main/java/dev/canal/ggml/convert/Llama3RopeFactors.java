package dev.canal.ggml.convert;

import dev.canal.engine.config.ModelConfig;
import dev.canal.engine.config.RopeScaling;

/**
 * Llama 3.1's rope_scaling ("rope_type": "llama3") as the {@code rope_freqs.weight} tensor llama.cpp divides each
 * rotary frequency by: 1 for high frequencies, {@code factor} for low ones, a smooth blend between (the formula of
 * convert_hf_to_gguf.py's LlamaModel.generate_extra_tensors, itself transformers' _compute_llama3_parameters).
 */
final class Llama3RopeFactors {
    private Llama3RopeFactors() {
    }

    static float[] compute(ModelConfig c) {
        RopeScaling s = c.ropeScaling();
        int dim = c.headDim();
        double factor = s.factor();
        double low = Double.isNaN(s.lowFreqFactor()) ? 1.0 : s.lowFreqFactor();
        double high = Double.isNaN(s.highFreqFactor()) ? 4.0 : s.highFreqFactor();
        int oldContext = s.originalMaxPositionEmbeddings() > 0 ? s.originalMaxPositionEmbeddings() : 8192;
        double lowFreqWavelen = oldContext / low;
        double highFreqWavelen = oldContext / high;
        float[] factors = new float[dim / 2];
        for (int i = 0; i < factors.length; i++) {
            // torch computes the frequencies in float32: 1 / base ** (arange(0, dim, 2) / dim).
            float exponent = (float) (2 * i) / dim;
            float freq = (float) (1.0 / (float) Math.pow(c.ropeTheta(), exponent));
            double wavelen = 2 * Math.PI / freq;
            if (wavelen < highFreqWavelen) {
                factors[i] = 1;
            } else if (wavelen > lowFreqWavelen) {
                factors[i] = (float) factor;
            } else {
                double smooth = (oldContext / wavelen - low) / (high - low);
                factors[i] = (float) (1 / ((1 - smooth) / factor + smooth));
            }
        }
        return factors;
    }
}
