package dev.canal.ggml.vocab;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.tokenizer.HfTokenizer;
import dev.canal.engine.tokenizer.Tokenizer;
import dev.canal.ggml.gguf.GgufArray;
import dev.canal.ggml.gguf.GgufFile;
import dev.canal.ggml.gguf.GgufWriter;
import dev.canal.ggml.testing.SharedFixtures;
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
    private static final Path STORIES_GGUF = SharedFixtures.models().resolve("stories260K-gguf/stories260K.gguf");

    @TempDir
    Path dir;

    @Test
    void stories260KEncodesLikeItsHuggingFaceTokenizer() {
        Tokenizer hf = HfTokenizer.load(SharedFixtures.models().resolve("stories260K-hf-derived/tokenizer.json"));
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

    @Test
    void refusesWordPieceNamingFileAndModel() {
        Path bert = SharedFixtures.models().resolve("gguf-vocab/ggml-vocab-bert-bge.gguf");
        try (GgufFile file = GgufFile.open(bert)) {
            CanalException e = assertThrows(CanalException.class, () -> GgufTokenizers.fromMetadata(file));
            assertTrue(e.getMessage().contains("ggml-vocab-bert-bge.gguf"), e.getMessage());
            assertTrue(e.getMessage().contains("tokenizer.ggml.model \"bert\" is not supported"), e.getMessage());
            assertTrue(e.getMessage().contains("gpt2"), e.getMessage());
        }
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
