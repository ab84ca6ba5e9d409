package dev.canal.ggml.model;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.backend.Rope;
import dev.canal.engine.config.ModelConfig;
import dev.canal.engine.config.RopeScaling;
import dev.canal.ggml.gguf.GgufFile;
import dev.canal.ggml.gguf.GgufTensor;
import dev.canal.ggml.quant.GgmlType;

import java.lang.foreign.ValueLayout;

/**
 * Llama 3.1+ GGUF files carry RoPE scaling not as metadata but as {@code rope_freqs.weight}: one divisor per
 * rotated pair, which llama.cpp's converter computed from the Hugging Face {@code rope_scaling} of type "llama3".
 * The engine's {@link Rope} knows that scaling by its parameters, so the factors are matched against it: the
 * factor is the largest divisor, and low/high frequency factors 1 and 4 with the original context (8192 unless
 * the file says otherwise) are what every Llama 3.x release uses. Factors that this does not reproduce are
 * refused rather than approximated.
 */
final class RopeFrequencyFactors {
    static final String TENSOR = "rope_freqs.weight";

    /** Llama 3.x's rope_scaling: low_freq_factor, high_freq_factor, original_max_position_embeddings. */
    private static final double LOW_FREQ_FACTOR = 1;
    private static final double HIGH_FREQ_FACTOR = 4;
    private static final int ORIGINAL_CONTEXT = 8192;
    /** The converter stored float32 divisors; the engine recomputes them in double then rounds. */
    private static final double TOLERANCE = 1e-4;

    private RopeFrequencyFactors() {
    }

    static ModelConfig apply(ModelConfig config, GgufTensor tensor, GgufFile file, String p) {
        String where = file.name() + ": tensor " + TENSOR;
        Rope plain = Rope.of(config, false);
        int pairs = plain.invFreq().length;
        if (tensor.type() != GgmlType.F32 || tensor.elementCount() != pairs) {
            throw new CanalException(where + " is " + tensor + ", expected F32[" + pairs + "] (one factor per rotated pair)");
        }
        float[] factors = new float[pairs];
        for (int i = 0; i < pairs; i++) factors[i] = tensor.data().getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i);
        float max = 0;
        boolean allOne = true;
        for (float f : factors) {
            max = Math.max(max, f);
            allOne &= f == 1f;
        }
        if (allOne) return config;
        if (config.ropeScaling() != null) {
            throw new CanalException(where + " and " + p + "rope.scaling.type \"" + config.ropeScaling().type()
                    + "\" both scale RoPE; canal cannot apply both");
        }
        int original = file.findInt(p + "rope.scaling.original_context_length").orElse(ORIGINAL_CONTEXT);
        RopeScaling llama3 = new RopeScaling("llama3", max, LOW_FREQ_FACTOR, HIGH_FREQ_FACTOR, original,
                Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        ModelConfig scaled = withRopeScaling(config, llama3);
        float[] inv = Rope.of(scaled, false).invFreq();
        for (int i = 0; i < pairs; i++) {
            double implied = plain.invFreq()[i] / inv[i];
            if (Math.abs(implied - factors[i]) > TOLERANCE * factors[i]) {
                throw new CanalException(where + ": frequency factor " + i + " is " + factors[i]
                        + " where Llama 3 scaling (factor " + max + ", low 1, high 4, original context " + original
                        + ") gives " + (float) implied + "; canal runs only that scaling of rope_freqs");
            }
        }
        return scaled;
    }

    private static ModelConfig withRopeScaling(ModelConfig c, RopeScaling s) {
        return new ModelConfig(c.source(), c.architectures(), c.modelType(), c.hiddenSize(), c.intermediateSize(),
                c.numHiddenLayers(), c.numAttentionHeads(), c.numKeyValueHeads(), c.headDim(), c.vocabSize(),
                c.maxPositionEmbeddings(), c.rmsNormEps(), c.ropeTheta(), s, c.partialRotaryFactor(), c.hiddenAct(),
                c.attentionBias(), c.mlpBias(), c.tieWordEmbeddings(), c.slidingWindow(), c.ropeInterleaved(),
                c.torchDtype(), c.bosTokenIds(), c.eosTokenIds(), c.quantizationConfig(), c.raw());
    }
}
