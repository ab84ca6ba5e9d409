package dev.canal.engine.api;

import java.util.List;

/**
 * One generation request's limits.
 *
 * @param maxTokens   most tokens to generate; generation also stops at EOS, a stop string or a full context
 * @param sampler     how tokens are chosen
 * @param stopStrings generation stops before the first occurrence of any of these (not included in the text)
 */
public record GenerationOptions(int maxTokens, SamplerSettings sampler, List<String> stopStrings) {

    public GenerationOptions {
        if (maxTokens < 0) throw new CanalException("max tokens must be ≥ 0, got " + maxTokens);
        stopStrings = List.copyOf(stopStrings);
    }

    public static GenerationOptions defaults() {
        return new GenerationOptions(512, SamplerSettings.defaults(), List.of());
    }

    public GenerationOptions withMaxTokens(int n) {
        return new GenerationOptions(n, sampler, stopStrings);
    }

    public GenerationOptions withSampler(SamplerSettings s) {
        return new GenerationOptions(maxTokens, s, stopStrings);
    }

    public GenerationOptions withStopStrings(List<String> stops) {
        return new GenerationOptions(maxTokens, sampler, stops);
    }
}
