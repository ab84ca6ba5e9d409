package dev.canal.engine.api;

/**
 * A conversation with a model: its KV cache and history. Not thread-safe, except {@link #cancel()} which any
 * thread may call to stop the generation in progress.
 */
public interface Session extends AutoCloseable {

    /**
     * Continues the raw token stream with {@code prompt} (no chat template) and generates. The first call of a
     * fresh session adds BOS when the tokenizer adds one; an empty prompt then generates from BOS alone.
     */
    Generation complete(String prompt, GenerationOptions options, TokenListener listener);

    /**
     * Adds a user message, renders the whole conversation with the model's chat template and generates the
     * assistant's reply, reusing the KV cache for the part of the conversation already processed.
     *
     * @throws CanalException if the model has no chat template
     */
    Generation chat(String userMessage, GenerationOptions options, TokenListener listener);

    /** The system prompt of the conversation; takes effect from the next {@link #chat} (which then re-renders). */
    void setSystemPrompt(String systemPrompt);

    /** Forgets the conversation and empties the KV cache. */
    void reset();

    /** Asks the generation in progress to stop after the current token; safe from any thread. */
    void cancel();

    /** Positions of the KV cache in use. */
    int contextUsed();

    int contextLength();

    @Override
    void close();
}
