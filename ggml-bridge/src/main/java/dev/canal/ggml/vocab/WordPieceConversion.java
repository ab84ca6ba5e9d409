package dev.canal.ggml.vocab;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.canal.engine.api.CanalException;
import dev.canal.ggml.gguf.GgufFile;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.canal.ggml.vocab.TokenizerJsonTree.NODES;
import static dev.canal.ggml.vocab.TokenizerJsonTree.typed;

/**
 * tokenizer.ggml.model "bert" (WordPiece, llama.cpp's WPM) as a BERT tokenizer.json: BertNormalizer, BertPreTokenizer,
 * WordPiece, [CLS] $A [SEP], WordPiece decoder, with a normalizer that follows llama.cpp where it differs from
 * BertNormalizer (see {@link #normalizer()}).
 *
 * <p>llama.cpp's converter rewrote BERT's vocabulary: a word-initial piece "abc" became "▁abc", a continuation
 * "##abc" became "abc", and bracketed tokens ([CLS], [unused0]) stayed as they were. Its tokenizer prepends "▁" to
 * each word and matches greedily, longest first, from the left; that is HF's WordPiece on the vocabulary converted
 * back to the "##" form, so the HF pipeline is reused rather than a second WordPiece written. Where the two differ:
 * llama.cpp has no max_input_chars_per_word (set to the largest int here), and its normalisation is its own, spelt
 * with HF normalizers in {@link #normalizer()}. Left over, none of it in the parity test's corpus: a combining mark
 * or vowel jamo written decomposed in the input is kept by llama.cpp (and usually makes the word [UNK]) but removed
 * here, as is the second part of a decomposition that is not a mark (Devanagari, Tamil vowel signs); llama.cpp
 * lowercases with one-code-point mappings where Java's are full ("İ"); a "▁" inside a word starts a new llama.cpp
 * piece.
 */
final class WordPieceConversion {
    static final String WORD_START = "\u2581";
    static final String CONTINUATION = "##";
    /** llama.cpp's defaults for "bert" vocabularies when the GGUF names no such token. */
    private static final int DEFAULT_CLS = 101;
    private static final int DEFAULT_SEP = 102;
    private static final int DEFAULT_UNK = 100;

    private WordPieceConversion() {
    }

    static ObjectNode tokenizerJson(GgufVocab vocab, GgufFile file) {
        List<String> pieces = hfPieces(vocab);
        int cls = vocab.bos().orElse(DEFAULT_CLS);
        int sep = tokenId(file, "tokenizer.ggml.seperator_token_id", DEFAULT_SEP, vocab.size());
        int unk = vocab.unknown().orElse(DEFAULT_UNK);
        for (int id : new int[] {cls, sep, unk}) {
            if (id >= vocab.size()) {
                throw new CanalException(vocab.source() + ": tokenizer.ggml.tokens has " + vocab.size()
                        + " tokens; the [CLS]/[SEP]/[UNK] id " + id + " is not among them");
            }
        }

        ObjectNode root = NODES.objectNode();
        root.put("version", "1.0");
        root.set("added_tokens", TokenizerJsonTree.addedTokens(vocab));
        root.set("normalizer", normalizer());
        root.set("pre_tokenizer", typed("BertPreTokenizer"));

        ObjectNode post = typed("TemplateProcessing");
        ArrayNode single = post.putArray("single");
        single.addObject().putObject("SpecialToken").put("id", pieces.get(cls)).put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        single.addObject().putObject("SpecialToken").put("id", pieces.get(sep)).put("type_id", 0);
        ObjectNode specials = post.putObject("special_tokens");
        for (int id : new int[] {cls, sep}) {
            ObjectNode s = specials.putObject(pieces.get(id));
            s.put("id", pieces.get(id));
            s.putArray("ids").add(id);
            s.putArray("tokens").add(pieces.get(id));
        }
        root.set("post_processor", post);
        // Clean-up is the tokenizer_config's business (clean_up_tokenization_spaces), not the decoder's.
        root.set("decoder", typed("WordPiece").put("prefix", CONTINUATION).put("cleanup", false));

        ObjectNode model = root.putObject("model");
        model.put("type", "WordPiece");
        model.put("unk_token", pieces.get(unk));
        model.put("continuing_subword_prefix", CONTINUATION);
        model.put("max_input_chars_per_word", Integer.MAX_VALUE);
        model.set("vocab", TokenizerJsonTree.vocab(pieces));
        return root;
    }

    /**
     * llama.cpp's WPM preprocessing, which is not quite HF's BertNormalizer, spelt with HF normalizers: whitespace
     * (U+000B and U+000C included, which BertNormalizer's clean_text deletes as control characters instead) becomes
     * a space; U+0000, U+FFFD and every \p{C} character is dropped. llama.cpp replaces each code point by the first
     * one of its canonical decomposition: here NFD, then removing the non-spacing marks and the Hangul vowel and
     * final jamo, so that a Hangul syllable keeps only its initial consonant as in llama.cpp (BertNormalizer would
     * keep all its jamo). BertNormalizer then only lowercases and puts spaces around CJK ideographs (the same blocks
     * as llama.cpp).
     */
    private static ObjectNode normalizer() {
        List<ObjectNode> steps = new ArrayList<>();
        steps.add(replace("[\\t\\n\\x{0B}\\f\\r \\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}"
                + "\\x{202F}\\x{205F}\\x{3000}]", " "));
        steps.add(replace("[\\x{0}\\x{FFFD}\\p{C}]", ""));
        steps.add(typed("NFD"));
        steps.add(replace("[\\p{Mn}\\x{1161}-\\x{1175}\\x{11A8}-\\x{11C2}]", ""));
        steps.add(typed("BertNormalizer").put("clean_text", false).put("handle_chinese_chars", true)
                .put("strip_accents", false).put("lowercase", true));
        return TokenizerJsonTree.sequence("Sequence", "normalizers", steps);
    }

    private static ObjectNode replace(String regex, String content) {
        ObjectNode r = typed("Replace");
        r.set("pattern", TokenizerJsonTree.regex(regex));
        r.put("content", content);
        return r;
    }

    /** The tokenizer_config part: BERT decodes with transformers' clean-up of spaces before punctuation. */
    static ObjectNode config(GgufVocab vocab) {
        return TokenizerJsonTree.config(vocab, true);
    }

    /** The GGUF pieces back in BERT's form: "▁abc" → "abc", "[CLS]" → "[CLS]", "abc" → "##abc". */
    static List<String> hfPieces(GgufVocab vocab) {
        List<String> out = new ArrayList<>(vocab.size());
        Map<String, Integer> seen = new HashMap<>(vocab.size() * 2);
        for (int id = 0; id < vocab.size(); id++) {
            String t = vocab.tokens().get(id);
            String piece;
            if (t.startsWith(WORD_START)) {
                piece = t.substring(WORD_START.length());
            } else if (t.startsWith("[") && t.endsWith("]")) {
                piece = t;
            } else {
                piece = CONTINUATION + t;
            }
            Integer first = seen.putIfAbsent(piece, id);
            if (first != null) {
                throw new CanalException(vocab.source() + ": tokenizer.ggml.tokens[" + id + "] \"" + t
                        + "\" becomes the WordPiece piece \"" + piece + "\" of token " + first
                        + "; expected llama.cpp's \"▁\" word-start convention with unique pieces");
            }
            out.add(piece);
        }
        return out;
    }

    private static int tokenId(GgufFile file, String key, int fallback, int vocabSize) {
        if (!file.has(key)) {
            return fallback;
        }
        long id = file.getLong(key);
        return id >= 0 && id < vocabSize ? (int) id : fallback;
    }
}
