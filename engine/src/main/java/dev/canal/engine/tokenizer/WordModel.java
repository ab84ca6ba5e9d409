package dev.canal.engine.tokenizer;

/** The "model" of tokenizer.json: turns one pre-tokenized word into token ids (BPE or WordPiece). */
interface WordModel {

    /** Appends the ids of one pre-tokenized word. */
    void encodeWord(String word, BpeModel.IntList out);
}
