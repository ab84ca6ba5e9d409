package dev.canal.engine.tokenizer;

/**
 * Turns ids into text one at a time. Bytes of a UTF-8 character split across tokens (byte fallback, byte-level
 * BPE) are held back until the character is complete, so what is returned can always be printed.
 */
public interface StreamingDecoder {

    /** Text completed by this id; empty while a character is still incomplete. */
    String push(int id);

    /** Whatever is still held back (invalid or truncated UTF-8 as U+FFFD). */
    String flush();

    /**
     * Feeds ids whose text the reader has already seen (a prompt): they give the following ids their context
     * (spacing, clean-up) but none of their text, not even a part held back, is returned later.
     */
    void skip(int[] ids, int count);
}
