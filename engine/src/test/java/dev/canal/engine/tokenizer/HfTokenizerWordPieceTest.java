package dev.canal.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** A BERT-style tokenizer.json (BertNormalizer, BertPreTokenizer, WordPiece, [CLS] $A [SEP]) as HF runs it. */
class HfTokenizerWordPieceTest {
    private static final String VOCAB = """
            {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "hello": 4, "world": 5, "!": 6, "un": 7, "##aff": 8,
             "##able": 9, "cafe": 10, "##s": 11, ",": 12, "\\u4f60": 13, "$": 14}""";

    private static HfTokenizer bert(int maxInputCharsPerWord) throws Exception {
        JsonNode json = new ObjectMapper().readTree("""
                {"added_tokens": [
                   {"id": 0, "content": "[PAD]", "special": true, "normalized": false},
                   {"id": 1, "content": "[UNK]", "special": true, "normalized": false},
                   {"id": 2, "content": "[CLS]", "special": true, "normalized": false},
                   {"id": 3, "content": "[SEP]", "special": true, "normalized": false}],
                 "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
                                "strip_accents": null, "lowercase": true},
                 "pre_tokenizer": {"type": "BertPreTokenizer"},
                 "post_processor": {"type": "TemplateProcessing",
                   "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                              {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
                   "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]},
                                      "[SEP]": {"id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]}}},
                 "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true},
                 "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                           "max_input_chars_per_word": %d, "vocab": %s}}
                """.formatted(maxInputCharsPerWord, VOCAB));
        return HfTokenizer.fromJson(json, null, "bert test tokenizer.json");
    }

    @Test
    void normalisesSplitsAndMatchesLongestPiecesFirst() throws Exception {
        HfTokenizer t = bert(100);
        // Lowercased, accent stripped (precomposed and combining), CJK split off, punctuation and "$" isolated,
        // a control character dropped, tab and newline as spaces.
        assertArrayEquals(new int[] {2, 4, 12, 5, 6, 10, 10, 7, 8, 9, 13, 14, 4, 3},
                t.encode("Hello,\tWORLD!\nCaf\u00e9 Cafe\u0301 unaffable\u0007 \u4f60$hello", true, false));
        assertArrayEquals(new int[] {10, 11}, t.encode("cafes", false, false));
    }

    @Test
    void wordThatCannotBeCoveredIsOneUnknownToken() throws Exception {
        HfTokenizer t = bert(100);
        // "un" matches but "##x" does not: the whole word becomes [UNK], not "un" + [UNK].
        assertArrayEquals(new int[] {4, 1, 5}, t.encode("hello unx world", false, false));
        assertArrayEquals(new int[] {1, 1}, t.encode("\u597d xyz", false, false));
    }

    @Test
    void wordLongerThanTheLimitIsUnknown() throws Exception {
        assertArrayEquals(new int[] {1, 7}, bert(5).encode("unaffable un", false, false));
    }

    @Test
    void decodesJoiningContinuationsAndCleaningSpaces() throws Exception {
        HfTokenizer t = bert(100);
        int[] ids = t.encode("Hello, world! Unaffable cafes", true, false);
        assertEquals("hello, world! unaffable cafes", t.decode(ids, true));
        assertEquals("[CLS] hello, world! unaffable cafes [SEP]", t.decode(ids, false));
    }
}
