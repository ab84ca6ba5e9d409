package dev.canal.engine.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Streaming corner cases: characters split over tokens, clean-up across tokens, the first token's space. */
class HfTokenizerStreamingTest {

    @Test
    void byteLevelEmojiIsHeldUntilComplete() {
        HfTokenizer tok = TokenizerFixtures.get("llama3");
        // One byte-level token per byte of 😀 (F0 9F 98 80): nothing may come out before the last one.
        int[] ids = byteTokens(tok, "😀");
        StreamingDecoder d = tok.streamingDecoder(false);
        List<String> pieces = new ArrayList<>();
        for (int id : ids) {
            pieces.add(d.push(id));
        }
        assertEquals(List.of("", "", "", "😀"), pieces);
        assertEquals("", d.flush());
    }

    @Test
    void byteFallbackIsHeldUntilComplete() {
        HfTokenizer tok = TokenizerFixtures.get("stories260K");
        int[] ids = tok.encode("日", false, false);
        // stories260K has no token for 日: it is ▁ followed by its three UTF-8 bytes.
        assertEquals(4, ids.length);
        assertEquals("<0xE6>", tok.token(ids[1]));
        StreamingDecoder d = tok.streamingDecoder(false);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < ids.length; i++) {
            String piece = d.push(ids[i]);
            if (i < ids.length - 1) {
                assertEquals("", piece);
            }
            sb.append(piece);
        }
        assertEquals("日", sb.append(d.flush()).toString());
    }

    @Test
    void truncatedCharacterIsFlushedAsReplacement() {
        HfTokenizer tok = TokenizerFixtures.get("llama3");
        int[] ids = byteTokens(tok, "😀");
        StreamingDecoder d = tok.streamingDecoder(false);
        assertEquals("", d.push(ids[0]));
        assertEquals("", d.push(ids[1]));
        assertEquals("\uFFFD", d.flush());
    }

    @Test
    void cleanupAcrossTokensMatchesWholeDecode() {
        // Llama 3's tokenizer_config.json asks for clean_up_tokenization_spaces: " ." becomes "." even when the
        // space and the dot are separate tokens, so the streamed space must wait for the next token.
        HfTokenizer tok = TokenizerFixtures.get("llama3");
        int[] ids = {id(tok, "Hello"), id(tok, "Ġ"), id(tok, "."), id(tok, "Ġ"), id(tok, "Ġworld"), id(tok, "Ġ")};
        assertEquals("Hello.  world ", tok.decode(ids, false));
        assertEquals(tok.decode(ids, false), HfTokenizerReferenceTest.stream(tok, ids, false));
    }

    @Test
    void sentencePieceFirstSpaceIsStrippedOnceWhenStreaming() {
        HfTokenizer tok = TokenizerFixtures.get("mistral");
        int[] ids = tok.encode("  Hello there  world", true, true);
        assertEquals("<s>   Hello there  world", tok.decode(ids, false));
        assertEquals(tok.decode(ids, false), HfTokenizerReferenceTest.stream(tok, ids, false));
        assertEquals("  Hello there  world", HfTokenizerReferenceTest.stream(tok, ids, true));
    }

    @Test
    void specialTokensAreSkippedWhenAsked() {
        HfTokenizer tok = TokenizerFixtures.get("qwen3");
        int[] ids = tok.encode("<|im_start|>user\nhi<|im_end|>", false, true);
        assertArrayEquals(new int[] {151644, 872, 198, 6023, 151645}, ids);
        assertEquals("user\nhi", HfTokenizerReferenceTest.stream(tok, ids, true));
        assertEquals("<|im_start|>user\nhi<|im_end|>", HfTokenizerReferenceTest.stream(tok, ids, false));
    }

    @Test
    void idsPastTheVocabularyDecodeToNothing() {
        HfTokenizer tok = TokenizerFixtures.get("qwen3");
        assertEquals(151669, tok.vocabSize());
        int[] ids = {9707, 151900, 1879};
        assertEquals("Hello world", tok.decode(ids, false));
        assertEquals("Hello world", HfTokenizerReferenceTest.stream(tok, ids, false));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> tok.token(151900));
    }

    /** A prompt ending in a space (held back for Llama 3's clean-up) does not leak that space into the answer. */
    @Test
    void skippedPromptTextIsNeverReturned() {
        HfTokenizer tok = TokenizerFixtures.get("llama3");
        int[] prompt = tok.encode("The answer is ", false, false);
        int[] answer = tok.encode("42.", false, false);
        StreamingDecoder d = tok.streamingDecoder(true);
        d.skip(prompt, prompt.length);
        StringBuilder out = new StringBuilder();
        for (int id : answer) out.append(d.push(id));
        out.append(d.flush());
        assertEquals("42.", out.toString());
    }

    private static int[] byteTokens(HfTokenizer tok, String s) {
        String byteLevel = ByteLevelAlphabet.encode(s);
        return byteLevel.chars().map(c -> id(tok, String.valueOf((char) c))).toArray();
    }

    private static int id(HfTokenizer tok, String token) {
        return tok.tokenId(token).orElseThrow(() -> new AssertionError("no token " + token));
    }
}
