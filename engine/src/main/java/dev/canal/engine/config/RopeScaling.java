package dev.canal.engine.config;

/**
 * config.json {@code rope_scaling}. {@code type} is one of "linear", "llama3", "yarn" (others are refused when the
 * model is built). Fields a type does not use are NaN / 0.
 */
public record RopeScaling(
        String type,
        double factor,
        double lowFreqFactor,
        double highFreqFactor,
        int originalMaxPositionEmbeddings,
        double betaFast,
        double betaSlow,
        double mscale,
        double mscaleAllDim,
        double attentionFactor) {
}
