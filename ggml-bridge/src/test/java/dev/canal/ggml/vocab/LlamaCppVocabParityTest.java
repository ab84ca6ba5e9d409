package dev.canal.ggml.vocab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.canal.engine.tokenizer.Tokenizer;
import dev.canal.ggml.gguf.GgufFile;
import dev.canal.engine.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The GGUF vocabularies of llama.cpp's test set tokenize the corpus exactly as llama.cpp's own tokenizer does: the
 * expected ids were written by src/test/reference/vocab/make-expected.py with llama-tokenize (model BOS rule, no
 * special-token parsing).
 */
class LlamaCppVocabParityTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Corpus texts (vocabulary → index in "texts") with a character the vocabulary cannot represent: llama.cpp and
     * we drop it when encoding, so decoding cannot give the text back.
     */
    private static final Map<String, Map<Integer, String>> LOSSY = Map.of("falcon", Map.of(58,
            "U+000B maps to the byte-level character U+010B, which Falcon's vocabulary lacks"));

    static Stream<String> vocabularies() {
        return Stream.of("llama-spm", "phi-3", "baichuan", "gpt-2", "gpt-neox", "mpt", "falcon", "starcoder", "refact",
                "deepseek-coder", "deepseek-llm", "bert-bge");
    }

    /**
     * WordPiece lowercases, strips accents and drops whitespace, so its decoding is not the text; it is checked by
     * {@link #wordPieceReencodesWhatItDecodes()} instead.
     */
    static Stream<String> reversibleVocabularies() {
        return vocabularies().filter(v -> !v.equals("bert-bge"));
    }

    static JsonNode resource(String name) throws IOException {
        try (InputStream in = LlamaCppVocabParityTest.class.getResourceAsStream("/vocab/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource vocab/" + name);
            }
            return JSON.readTree(in);
        }
    }

    static List<String> corpus(String field) throws IOException {
        List<String> texts = new ArrayList<>();
        resource("corpus.json").path(field).forEach(t -> texts.add(t.asText()));
        return texts;
    }

    /** Built once per vocabulary: both tests use it and the larger vocabularies take a moment to convert. */
    private static final Map<String, Tokenizer> TOKENIZERS = new ConcurrentHashMap<>();

    static Tokenizer tokenizer(String vocab) {
        return TOKENIZERS.computeIfAbsent(vocab, v -> {
            Path file = Fixtures.models().resolve("gguf-vocab").resolve("ggml-vocab-" + v + ".gguf");
            try (GgufFile gguf = GgufFile.open(file)) {
                return GgufTokenizers.fromMetadata(gguf);
            }
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vocabularies")
    void encodesLikeLlamaCpp(String vocab) throws IOException {
        assertSameIds(vocab, "texts", "ids", false);
    }

    /** Control and user-defined tokens written in the text, parsed as special tokens. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("vocabularies")
    void parsesSpecialTokensLikeLlamaCpp(String vocab) throws IOException {
        assertSameIds(vocab, "special_texts", "special_ids", true);
    }

    private static void assertSameIds(String vocab, String textsField, String idsField, boolean parseSpecial)
            throws IOException {
        List<String> texts = corpus(textsField);
        JsonNode expected = resource("expected/ggml-vocab-" + vocab + ".json").path(idsField);
        assertEquals(texts.size(), expected.size(), "expected ids per corpus text");
        Tokenizer tokenizer = tokenizer(vocab);
        List<String> mismatches = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            int[] want = new int[expected.get(i).size()];
            for (int k = 0; k < want.length; k++) {
                want[k] = expected.get(i).get(k).intValue();
            }
            int[] ids = tokenizer.encode(texts.get(i), true, parseSpecial);
            if (!Arrays.equals(want, ids)) {
                mismatches.add(textsField + "[" + i + "] " + JSON.valueToTree(texts.get(i)) + "\n  llama.cpp "
                        + Arrays.toString(want) + "\n  ours      " + Arrays.toString(ids));
            }
        }
        assertTrue(mismatches.isEmpty(), vocab + ": " + mismatches.size() + "/" + texts.size()
                + " texts differ from llama.cpp:\n" + String.join("\n", mismatches));
    }

    /** Decoding what was encoded gives the text back (spaces clean-up aside, which only BPE vocabularies do). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("reversibleVocabularies")
    void decodesWhatItEncodes(String vocab) throws IOException {
        Tokenizer tokenizer = tokenizer(vocab);
        Map<Integer, String> known = LOSSY.getOrDefault(vocab, Map.of());
        List<String> texts = corpus("texts");
        int checked = 0;
        for (int i = 0; i < texts.size(); i++) {
            String text = texts.get(i);
            if (touchedByCleanup(text) || known.containsKey(i)) {
                continue;
            }
            assertEquals(text, tokenizer.decode(tokenizer.encode(text, true, false), true), vocab);
            checked++;
        }
        assertFalse(checked < 40, "too few texts checked: " + checked);
    }

    /**
     * A WordPiece decoding is the normalised text with spaces between words, so encoding it again gives the same ids
     * (texts with [UNK] aside: the unknown word is gone).
     */
    @Test
    void wordPieceReencodesWhatItDecodes() throws IOException {
        Tokenizer tokenizer = tokenizer("bert-bge");
        int unk = tokenizer.tokenId("[UNK]").orElseThrow();
        int checked = 0;
        for (String text : corpus("texts")) {
            int[] ids = tokenizer.encode(text, true, false);
            if (Arrays.stream(ids).anyMatch(id -> id == unk)) {
                continue;
            }
            String decoded = tokenizer.decode(ids, true);
            assertArrayEquals(ids, tokenizer.encode(decoded, true, false), text + " → " + decoded);
            checked++;
        }
        assertFalse(checked < 40, "too few texts checked: " + checked);
    }

    /** Texts that transformers' clean_up_tokenization would change (" ." " ," " 's" ...). */
    private static boolean touchedByCleanup(String text) {
        for (String s : List.of(" .", " ?", " !", " ,", " '", " n't", " 'm", " 's", " 've", " 're")) {
            if (text.contains(s)) {
                return true;
            }
        }
        return false;
    }
}
