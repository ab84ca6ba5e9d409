package dev.canal.engine.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Vocabulary size, BOS / EOS and special flags as tokenizer.json and tokenizer_config.json define them. */
class HfTokenizerVocabularyTest {

    @Test
    void qwen3() {
        HfTokenizer tok = TokenizerFixtures.get("qwen3");
        assertEquals(151669, tok.vocabSize());
        assertEquals(OptionalInt.empty(), tok.bosId());
        assertEquals(OptionalInt.of(151645), tok.eosId());
        assertEquals(OptionalInt.of(151644), tok.tokenId("<|im_start|>"));
        assertTrue(tok.isSpecial(151644));
        // <think> is an added token but not a special one: it stays in skipSpecial decodes.
        int think = tok.tokenId("<think>").orElseThrow();
        assertFalse(tok.isSpecial(think));
        assertEquals("<think>", tok.decode(new int[] {think}, true));
        assertEquals("Ġworld", tok.token(1879));
    }

    @Test
    void llama3() {
        HfTokenizer tok = TokenizerFixtures.get("llama3");
        assertEquals(128256, tok.vocabSize());
        assertEquals(OptionalInt.of(128000), tok.bosId());
        assertEquals(OptionalInt.of(128001), tok.eosId());
        assertTrue(tok.isSpecial(128009));
    }

    @Test
    void mistralAndStories() {
        for (String name : new String[] {"mistral", "stories260K"}) {
            HfTokenizer tok = TokenizerFixtures.get(name);
            assertEquals(OptionalInt.of(1), tok.bosId());
            assertEquals(OptionalInt.of(2), tok.eosId());
            assertTrue(tok.isSpecial(1));
            assertFalse(tok.isSpecial(3));
            assertEquals("<0x00>", tok.token(3));
            assertEquals(1, tok.encode("x", true, true)[0], "the template adds BOS");
        }
        assertEquals(32000, TokenizerFixtures.get("mistral").vocabSize());
        assertEquals(512, TokenizerFixtures.get("stories260K").vocabSize());
    }
}
