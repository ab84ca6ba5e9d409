package dev.canal.engine.api;

/**
 * The outcome of one generation.
 *
 * @param text             the generated text (stop string excluded)
 * @param tokenIds         the generated token ids (EOS excluded)
 * @param promptTokens     prompt tokens processed by this call (those already in the KV cache are not counted)
 * @param promptNanos      time spent on the prompt
 * @param generationNanos  time spent generating
 */
public record Generation(String text, int[] tokenIds, int promptTokens, StopReason stopReason, long promptNanos,
                         long generationNanos) {

    public double promptTokensPerSecond() {
        return promptNanos == 0 ? 0 : promptTokens * 1e9 / promptNanos;
    }

    public double generationTokensPerSecond() {
        return generationNanos == 0 ? 0 : tokenIds.length * 1e9 / generationNanos;
    }
}
