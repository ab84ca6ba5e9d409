package dev.canal.ggml.vocab;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.tokenizer.HfTokenizer;
import dev.canal.engine.tokenizer.Tokenizer;
import dev.canal.ggml.gguf.GgufArray;
import dev.canal.ggml.gguf.GgufFile;
import dev.canal.ggml.gguf.GgufWriter;
import dev.canal.engine.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GgufTokenizersTest {
    private static final Path STORIES_GGUF = Fixtures.models().resolve("stories260K-gguf/stories260K.gguf");

    @TempDir
    Path dir;

    @Test
    void stories260KEncodesLikeItsHuggingFaceTokenizer() {
        Tokenizer hf = HfTokenizer.load(Fixtures.models().resolve("stories260K-hf-derived/tokenizer.json"));
        Tokenizer gguf;
        try (GgufFile file = GgufFile.open(STORIES_GGUF)) {
            gguf = GgufTokenizers.fromMetadata(file);
        }
        for (String text : List.of("Once upon a time", "Once upon a time, there was a little girl named Lily.",
                " Two  spaces\nand a newline, caf\u00e9 \u4e16\u754c")) {
            int[] want = hf.encode(text, true, false);
            assertArrayEquals(want, gguf.encode(text, true, false), text);
            assertEquals(hf.decode(want, true), gguf.decode(want, true), text);
        }
        assertEquals(1, gguf.encode("Once upon a time", true, false)[0], "BOS first");
        assertEquals(hf.bosId(), gguf.bosId());
        assertEquals(hf.eosId(), gguf.eosId());
        assertEquals(512, gguf.vocabSize());
    }

    /** llama.cpp's "▁" word-start pieces are BERT's pieces again: "##" continuations, [CLS] … [SEP] around. */
    @Test
    void bertVocabularyTokenizesAsWordPiece() {
        Tokenizer bert;
        try (GgufFile file = GgufFile.open(Fixtures.models().resolve("gguf-vocab/ggml-vocab-bert-bge.gguf"))) {
            bert = GgufTokenizers.fromMetadata(file);
        }
        // llama-tokenize: [CLS] hello world ! cafe [UNK] x y zzy q q [SEP]
        int[] ids = bert.encode("Hello World! Caf\u00e9 \u4f60 xyzzyqq", true, false);
        assertArrayEquals(new int[] {101, 7592, 2088, 999, 7668, 100, 1060, 2100, 28753, 4160, 4160, 102}, ids);
        assertEquals("hello", bert.token(7592));
        assertEquals("##zzy", bert.token(28753));
        assertEquals("hello world! cafe xyzzyqq", bert.decode(ids, true));
        assertEquals("[CLS] hello world! cafe [UNK] xyzzyqq [SEP]", bert.decode(ids, false));
        assertEquals(101, bert.bosId().getAsInt());
    }

    @Test
    void refusesUnknownModelListingTheSupportedOnes() {
        String message = refusal(w -> w.putString("tokenizer.ggml.model", "rwkv"));
        assertTrue(message.contains("tokenizer.ggml.model \"rwkv\" is not supported"), message);
        assertTrue(message.contains("bert (WordPiece)") && message.contains("gpt2"), message);
    }

    @Test
    void refusesUnknownPreTokenizerListingTheSupportedOnes() {
        String message = refusal(w -> w.putString("tokenizer.ggml.model", "gpt2")
                .putArray("tokenizer.ggml.merges", GgufArray.ofStrings(List.of("\u2581 t")))
                .putString("tokenizer.ggml.pre", "tekken"));
        assertTrue(message.contains("tokenizer.ggml.pre \"tekken\" is not supported"), message);
        assertTrue(message.contains("qwen2") && message.contains("deepseek-coder"), message);
    }

    @Test
    void refusesByteLevelVocabularyWithoutMerges() {
        String message = refusal(w -> w.putString("tokenizer.ggml.model", "gpt2"));
        assertTrue(message.contains("tokenizer.ggml.merges is missing"), message);
    }

    @Test
    void refusesScoreCountThatDoesNotMatchTheTokens() {
        String message = refusal(w -> w.putArray("tokenizer.ggml.scores", GgufArray.ofFloats(0f, 1f)));
        assertTrue(message.contains("tokenizer.ggml.scores has 2 entries, expected one per token (512)"), message);
    }

    /** The stories260K metadata with some keys changed; returns the refusal's message, which names the file. */
    private String refusal(Consumer<GgufWriter> change) {
        Path copy = dir.resolve("changed.gguf");
        try (GgufFile source = GgufFile.open(STORIES_GGUF)) {
            GgufWriter w = new GgufWriter().copyMetadata(source);
            change.accept(w);
            w.write(copy);
        }
        try (GgufFile file = GgufFile.open(copy)) {
            CanalException e = assertThrows(CanalException.class, () -> GgufTokenizers.fromMetadata(file));
            assertTrue(e.getMessage().contains("changed.gguf"), e.getMessage());
            return e.getMessage();
        }
    }
}
