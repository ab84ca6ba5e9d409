package dev.canal.ggml.vocab;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.canal.engine.api.CanalException;
import dev.canal.engine.tokenizer.HfTokenizer;
import dev.canal.engine.tokenizer.Tokenizer;
import dev.canal.ggml.gguf.GgufFile;

/**
 * Tokenizers from a GGUF file's tokenizer.ggml.* metadata. Rather than re-implementing llama.cpp's tokenizers,
 * the vocabulary is converted to the equivalent Hugging Face tokenizer.json tree and run by {@link HfTokenizer}.
 * Supported tokenizer.ggml.model values: "llama" (SentencePiece BPE with byte fallback) and "gpt2" (byte-level BPE,
 * with the tokenizer.ggml.pre values listed by {@link PreTokenizerRegexes}) and "bert" (WordPiece, see
 * {@link WordPieceConversion}).
 */
public final class GgufTokenizers {
    static final String SUPPORTED_MODELS = "llama (SentencePiece BPE), gpt2 (byte-level BPE), bert (WordPiece)";

    private GgufTokenizers() {
    }

    /** The tokenizer the file's metadata describes; a CanalException names the file and any unsupported value. */
    public static Tokenizer fromMetadata(GgufFile file) {
        GgufVocab vocab = GgufVocab.read(file);
        String source = file.name() + " (tokenizer.ggml metadata)";
        return switch (vocab.model()) {
            case "llama" -> {
                ObjectNode json = SentencePieceConversion.tokenizerJson(vocab);
                // SentencePiece decoding keeps spaces as they are (llama.cpp: clean_spaces false for SPM).
                yield HfTokenizer.fromJson(json, TokenizerJsonTree.config(vocab, false), source);
            }
            case "gpt2" -> {
                ByteLevelBpeConversion.Result r = ByteLevelBpeConversion.convert(vocab);
                yield HfTokenizer.fromJson(r.tokenizerJson(), r.config(), source);
            }
            case "bert" -> HfTokenizer.fromJson(WordPieceConversion.tokenizerJson(vocab, file),
                    WordPieceConversion.config(vocab), source);
            default -> throw new CanalException(file.name() + ": " + GgufVocab.KEY_MODEL + " \"" + vocab.model()
                    + "\" is not supported; supported: " + SUPPORTED_MODELS);
        };
    }
}
