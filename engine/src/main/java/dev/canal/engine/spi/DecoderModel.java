package dev.canal.engine.spi;

import dev.canal.engine.config.ModelConfig;

/** A loaded decoder: turns token ids at given positions into next-token logits, updating a KV cache. */
public interface DecoderModel extends AutoCloseable {

    ModelConfig config();

    /**
     * A fresh KV cache and scratch buffers for up to {@code contextLength} positions, processing at most
     * {@code maxBatch} tokens per {@link #forward} call.
     */
    InferenceState newState(int contextLength, int maxBatch);

    /**
     * Runs tokens[0..count) at positions [startPos, startPos+count) and writes the logits of the last one into
     * {@code logits} (length vocab). count ≤ the state's maxBatch; startPos + count ≤ its context length.
     */
    void forward(InferenceState state, int[] tokens, int count, int startPos, float[] logits);

    @Override
    default void close() {
    }
}
