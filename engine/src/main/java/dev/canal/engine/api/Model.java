package dev.canal.engine.api;

import dev.canal.engine.tokenizer.Tokenizer;

/** A loaded model: its weights mapped and bound to a backend. Sessions share the weights. */
public interface Model extends AutoCloseable {

    ModelInfo info();

    Tokenizer tokenizer();

    /** Whether tokenizer_config.json (or the GGUF) carries a chat template, so {@link Session#chat} works. */
    boolean hasChatTemplate();

    Session newSession();

    @Override
    void close();
}
