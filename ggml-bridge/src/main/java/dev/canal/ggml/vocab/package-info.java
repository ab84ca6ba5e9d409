/** Tokenizers built from GGUF vocabulary metadata (tokenizer.ggml.*), run by the engine's HfTokenizer. */
package dev.canal.ggml.vocab;
