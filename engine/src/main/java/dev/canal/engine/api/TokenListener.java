package dev.canal.engine.api;

/** Receives generated text as it is produced; pieces are always whole UTF-8 characters. */
@FunctionalInterface
public interface TokenListener {
    void onText(String text);

    TokenListener NONE = text -> { };
}
