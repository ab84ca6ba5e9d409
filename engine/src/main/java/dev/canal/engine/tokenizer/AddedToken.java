package dev.canal.engine.tokenizer;

/** One entry of tokenizer.json's "added_tokens". */
record AddedToken(int id, String content, boolean special, boolean singleWord, boolean lstrip, boolean rstrip,
                  boolean normalized) {
}
