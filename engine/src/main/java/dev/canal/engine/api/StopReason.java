package dev.canal.engine.api;

/** Why a generation ended. */
public enum StopReason {
    /** The model produced an end-of-sequence token. */
    EOS,
    /** The text reached one of the stop strings. */
    STOP_STRING,
    /** maxTokens were generated. */
    MAX_TOKENS,
    /** The KV cache is full. */
    CONTEXT_FULL,
    /** {@link Session#cancel()} was called. */
    CANCELLED
}
