package dev.canal.engine.spi;

/** Per-conversation state of a {@link DecoderModel}: its KV cache and scratch activations. */
public interface InferenceState {
    int contextLength();

    int maxBatch();
}
