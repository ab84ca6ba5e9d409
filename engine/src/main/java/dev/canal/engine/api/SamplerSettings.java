package dev.canal.engine.api;

/**
 * How the next token is chosen from the logits, with llama.cpp's meanings: penalties first (over the last
 * {@code penaltyLastN} tokens), then top-k, top-p, min-p, temperature. temperature 0 is greedy (argmax).
 * topK 0, topP 1, minP 0 and penalties 1/0/0 disable their step.
 */
public record SamplerSettings(float temperature, int topK, float topP, float minP, float repetitionPenalty,
                              float frequencyPenalty, float presencePenalty, int penaltyLastN, long seed) {

    public SamplerSettings {
        if (!(temperature >= 0)) throw new CanalException("temperature must be ≥ 0, got " + temperature);
        if (topK < 0) throw new CanalException("top-k must be ≥ 0, got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new CanalException("top-p must be in (0, 1], got " + topP);
        if (!(minP >= 0 && minP < 1)) throw new CanalException("min-p must be in [0, 1), got " + minP);
        if (!(repetitionPenalty > 0)) throw new CanalException("repetition penalty must be > 0, got " + repetitionPenalty);
        if (penaltyLastN < 0) throw new CanalException("penalty window must be ≥ 0, got " + penaltyLastN);
    }

    /** llama.cpp's defaults: temperature 0.8, top-k 40, top-p 0.95, min-p 0.05, no penalties. */
    public static SamplerSettings defaults() {
        return new SamplerSettings(0.8f, 40, 0.95f, 0.05f, 1f, 0f, 0f, 64, System.nanoTime());
    }

    public static SamplerSettings greedy() {
        return new SamplerSettings(0f, 0, 1f, 0f, 1f, 0f, 0f, 64, 0);
    }

    public boolean isGreedy() {
        return temperature == 0f;
    }

    public SamplerSettings withTemperature(float t) {
        return new SamplerSettings(t, topK, topP, minP, repetitionPenalty, frequencyPenalty, presencePenalty, penaltyLastN, seed);
    }

    public SamplerSettings withTopK(int k) {
        return new SamplerSettings(temperature, k, topP, minP, repetitionPenalty, frequencyPenalty, presencePenalty, penaltyLastN, seed);
    }

    public SamplerSettings withTopP(float p) {
        return new SamplerSettings(temperature, topK, p, minP, repetitionPenalty, frequencyPenalty, presencePenalty, penaltyLastN, seed);
    }

    public SamplerSettings withMinP(float p) {
        return new SamplerSettings(temperature, topK, topP, p, repetitionPenalty, frequencyPenalty, presencePenalty, penaltyLastN, seed);
    }

    public SamplerSettings withPenalties(float repetition, float frequency, float presence, int lastN) {
        return new SamplerSettings(temperature, topK, topP, minP, repetition, frequency, presence, lastN, seed);
    }

    public SamplerSettings withSeed(long s) {
        return new SamplerSettings(temperature, topK, topP, minP, repetitionPenalty, frequencyPenalty, presencePenalty, penaltyLastN, s);
    }
}
