package dev.canal.engine.tokenizer;

import java.util.OptionalInt;

/** Text ↔ token ids, as Hugging Face tokenizers (tokenizer.json) or GGUF vocabularies define them. */
public interface Tokenizer {

    int vocabSize();

    /**
     * Encodes text.
     *
     * @param addSpecialTokens add what the post-processor adds (BOS for Llama/Mistral, nothing for Qwen)
     * @param parseSpecial     recognise special added tokens (e.g. "&lt;|im_start|&gt;") written in the text; when
     *                         false they are tokenized as plain text
     */
    int[] encode(String text, boolean addSpecialTokens, boolean parseSpecial);

    /** Decodes ids to text; special tokens are dropped when {@code skipSpecial}. */
    String decode(int[] ids, boolean skipSpecial);

    /** A decoder for a stream of ids that only ever emits complete UTF-8 characters. */
    StreamingDecoder streamingDecoder(boolean skipSpecial);

    /** The id of a token given by its exact vocabulary string (added tokens included). */
    OptionalInt tokenId(String token);

    /** The vocabulary string of an id. */
    String token(int id);

    boolean isSpecial(int id);

    OptionalInt bosId();

    OptionalInt eosId();
}
