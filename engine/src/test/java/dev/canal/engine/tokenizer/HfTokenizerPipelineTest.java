package dev.canal.engine.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Pipeline parts the four fixtures do not use (Metaspace pre-tokenizer and decoder, NFKC, Bert / Sequence
 * post-processors), on tiny hand-made tokenizer.json files.
 */
class HfTokenizerPipelineTest {
    private static final String MODEL = """
            "model": {
              "type": "BPE", "unk_token": "<unk>", "fuse_unk": true, "byte_fallback": false,
              "vocab": {"<unk>": 0, "<s>": 1, "</s>": 2, "<x>": 3, "\u2581": 4, "a": 5, "b": 6, "\u2581a": 7,
                        "\u2581b": 8, "f": 9, "i": 10, "fi": 11},
              "merges": [["\u2581", "a"], ["\u2581", "b"], ["f", "i"]]
            },
            "added_tokens": [
              {"id": 0, "content": "<unk>", "special": true, "normalized": false},
              {"id": 1, "content": "<s>", "special": true, "normalized": false},
              {"id": 2, "content": "</s>", "special": true, "normalized": false},
              {"id": 3, "content": "<x>", "special": false, "normalized": false}
            ]
            """;

    @TempDir
    Path dir;

    private HfTokenizer metaspace(String scheme) throws IOException {
        return load("""
                {
                  "normalizer": null,
                  "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "%s",
                                    "split": true},
                  "decoder": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "%s",
                              "split": true},
                  "post_processor": null,
                  %s
                }
                """.formatted(scheme, scheme, MODEL));
    }

    /** Hugging Face and llama.cpp drop a character that has no token, no byte token and no unk_token. */
    @Test
    void aCharacterWithNoTokenAndNoUnkIsDropped() throws IOException {
        HfTokenizer tok = load("""
                {
                  "normalizer": null, "pre_tokenizer": null, "decoder": null, "post_processor": null,
                  "model": {"type": "BPE", "unk_token": null, "byte_fallback": false,
                            "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": [["a", "b"]]}
                }
                """);
        assertArrayEquals(new int[] {2, 1}, tok.encode("a\u000bbzb", false, true));
    }

    @Test
    void metaspaceAlwaysPrependsToEveryPiece() throws IOException {
        HfTokenizer tok = metaspace("always");
        assertArrayEquals(new int[] {7, 8}, tok.encode("a b", false, true));
        assertArrayEquals(new int[] {7, 3, 8}, tok.encode("a<x>b", false, true));
        assertEquals("a b", tok.decode(new int[] {7, 8}, false));
    }

    @Test
    void metaspaceFirstPrependsOnlyAtTheStart() throws IOException {
        HfTokenizer tok = metaspace("first");
        assertArrayEquals(new int[] {7, 3, 6}, tok.encode("a<x>b", false, true));
        assertArrayEquals(new int[] {3, 6, 8}, tok.encode("<x>b b", false, true));
        assertEquals("a<x>b", tok.decode(new int[] {7, 3, 6}, false));
    }

    @Test
    void metaspaceNeverPrepends() throws IOException {
        HfTokenizer tok = metaspace("never");
        assertArrayEquals(new int[] {5, 8}, tok.encode("a b", false, true));
        assertEquals(" a", tok.decode(new int[] {7}, false));
    }

    @Test
    void unknownCharactersAreFused() throws IOException {
        HfTokenizer tok = metaspace("never");
        assertArrayEquals(new int[] {5, 0, 6}, tok.encode("azzzb", false, true));
    }

    @Test
    void nfkcAndBertStyleProcessor() throws IOException {
        HfTokenizer tok = load("""
                {
                  "normalizer": {"type": "NFKC"},
                  "pre_tokenizer": null,
                  "decoder": {"type": "Fuse"},
                  "post_processor": {"type": "BertProcessing", "cls": ["<s>", 1], "sep": ["</s>", 2]},
                  %s
                }
                """.formatted(MODEL));
        // U+FB01 (the "fi" ligature) is NFKC-normalized to "fi" before BPE.
        assertArrayEquals(new int[] {1, 11, 5, 2}, tok.encode("\uFB01a", true, true));
        assertEquals("fia", tok.decode(new int[] {1, 11, 5, 2}, true));
    }

    @Test
    void sequenceOfProcessorsWrapsInOrder() throws IOException {
        HfTokenizer tok = load("""
                {
                  "normalizer": null, "pre_tokenizer": null, "decoder": null,
                  "post_processor": {"type": "Sequence", "processors": [
                    {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false},
                    {"type": "TemplateProcessing",
                     "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                                {"SpecialToken": {"id": "</s>", "type_id": 0}}],
                     "pair": [], "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]},
                                                    "</s>": {"id": "</s>", "ids": [2], "tokens": ["</s>"]}}}
                  ]},
                  %s
                }
                """.formatted(MODEL));
        assertArrayEquals(new int[] {1, 5, 6, 2}, tok.encode("ab", true, true));
        assertArrayEquals(new int[] {5, 6}, tok.encode("ab", false, true));
        assertEquals(java.util.OptionalInt.of(1), tok.bosId());
    }

    private HfTokenizer load(String json) throws IOException {
        return HfTokenizer.load(Files.writeString(dir.resolve("tokenizer.json"), json));
    }
}
