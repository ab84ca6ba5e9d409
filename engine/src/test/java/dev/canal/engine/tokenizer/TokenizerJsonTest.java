package dev.canal.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A tokenizer.json read from its file (vocabulary and merges streamed) and the same JSON given as a tree (the path
 * GGUF vocabularies take) build the same tokenizer.
 */
class TokenizerJsonTest {
    private static final String TEXT = "Streaming the merges must not change a single id: naïve café, 1234567, "
            + "<|begin_of_text|>  tabs\tand\nnewlines, 日本語のテキスト, emoji 🤖.";

    @Test
    void streamedAndTreeTokenizersEncodeAlike() throws IOException {
        // byte-level BPE with merges written "a b" and as ["a", "b"] pairs; SentencePiece-style BPE with byte fallback
        for (String name : new String[] {"llama3", "qwen3", "mistral"}) {
            Path file = TokenizerFixtures.file(name);
            HfTokenizer streamed = HfTokenizer.load(file);
            JsonNode tree = new ObjectMapper().readTree(file.toFile());
            Path config = file.resolveSibling("tokenizer_config.json");
            HfTokenizer fromTree = HfTokenizer.fromJson(tree,
                    config.toFile().exists() ? new ObjectMapper().readTree(config.toFile()) : null, file.toString());
            assertEquals(fromTree.vocabSize(), streamed.vocabSize(), name);
            assertArrayEquals(fromTree.encode(TEXT, true, true), streamed.encode(TEXT, true, true), name);
            assertArrayEquals(fromTree.encode(TEXT, false, false), streamed.encode(TEXT, false, false), name);
        }
    }
}
