package dev.canal.engine.spi;

import dev.canal.engine.backend.TopK;
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

    /**
     * As {@link #forward}, but hands back only the {@code k} largest logits of the last token, best first, into
     * {@code values[0..k)} with their token ids in {@code ids[0..k)}, in {@link TopK}'s order (what
     * {@link dev.canal.engine.backend.Backend#topK} gives): sampling that needs only them (greedy, top-k) then
     * leaves the vocabulary where the head computed it. This default runs {@link #forward} into a whole row and
     * selects on the host; a model whose head runs on a backend selects there.
     */
    default void forwardTopK(InferenceState state, int[] tokens, int count, int startPos, int k, float[] values,
                             int[] ids) {
        float[] logits = new float[config().vocabSize()];
        forward(state, tokens, count, startPos, logits);
        TopK.select(logits, 0, logits.length, k, values, ids);
    }

    @Override
    default void close() {
    }
}
