package dev.canal.engine.tokenizer;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The added-token flags the fixtures do not exercise (none of them sets normalized, single_word, lstrip or
 * rstrip), on a tiny hand-made tokenizer.json whose normalizer lowercases.
 */
class HfTokenizerAddedTokensTest {
    private static final String JSON = """
            {
              "added_tokens": [
                {"id": 20, "content": "hello", "special": false, "normalized": true,
                 "single_word": false, "lstrip": false, "rstrip": false},
                {"id": 21, "content": "<x>", "special": true, "normalized": false,
                 "single_word": false, "lstrip": true, "rstrip": true},
                {"id": 22, "content": "ox", "special": false, "normalized": false,
                 "single_word": true, "lstrip": false, "rstrip": false}
              ],
              "normalizer": {"type": "Lowercase"},
              "pre_tokenizer": null,
              "post_processor": null,
              "decoder": null,
              "model": {
                "type": "BPE", "unk_token": "<unk>", "fuse_unk": false, "byte_fallback": false,
                "vocab": {"<unk>": 0, "h": 1, "e": 2, "l": 3, "o": 4, " ": 5, "x": 6},
                "merges": []
              }
            }
            """;

    private static HfTokenizer tok;

    @BeforeAll
    static void load(@TempDir Path dir) throws IOException {
        tok = HfTokenizer.load(Files.writeString(dir.resolve("tokenizer.json"), JSON));
    }

    @Test
    void normalizedTokenMatchesNormalizedText() {
        assertArrayEquals(new int[] {20}, tok.encode("HELLO", false, true));
        assertArrayEquals(new int[] {1, 5, 20}, tok.encode("h Hello", false, true));
    }

    @Test
    void lstripAndRstripSwallowSurroundingWhitespace() {
        assertArrayEquals(new int[] {1, 21, 2}, tok.encode("h  <x>  e", false, true));
    }

    @Test
    void specialTokenIsPlainTextUnlessParsed() {
        assertArrayEquals(new int[] {1, 5, 0, 6, 0}, tok.encode("h <x>", false, false));
        assertEquals(21, tok.encode("<x>", false, true)[0]);
    }

    @Test
    void singleWordTokenOnlyMatchesWholeWords() {
        assertArrayEquals(new int[] {22}, tok.encode("ox", false, true));
        assertArrayEquals(new int[] {1, 4, 6}, tok.encode("hox", false, true));
        assertArrayEquals(new int[] {1, 5, 22, 5, 2}, tok.encode("h ox e", false, true));
    }

    @Test
    void withoutDecoderTokensAreJoinedWithSpaces() {
        assertEquals("h hello", tok.decode(new int[] {1, 20}, false));
    }
}
