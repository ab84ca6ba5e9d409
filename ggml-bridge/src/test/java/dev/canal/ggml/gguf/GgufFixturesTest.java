package dev.canal.ggml.gguf;

import dev.canal.ggml.quant.GgmlType;
import dev.canal.engine.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real GGUF files of the fixtures parse, with the values llama.cpp wrote. */
class GgufFixturesTest {

    @Test
    void stories260K() {
        Path p = Fixtures.models().resolve("stories260K-gguf/stories260K.gguf");
        try (Arena arena = Arena.ofConfined()) {
            GgufFile g = GgufFile.open(p, arena);
            assertEquals("llama", g.getString("general.architecture"));
            assertEquals(64, g.getInt("llama.embedding_length"));
            assertEquals(5, g.getInt("llama.block_count"));
            assertEquals(8, g.getInt("llama.attention.head_count"));
            assertEquals(4, g.getInt("llama.attention.head_count_kv"));
            assertTrue(g.has("tokenizer.ggml.model"), "tokenizer.ggml.model present");
            assertEquals("llama", g.getString("tokenizer.ggml.model"));
            List<String> tokens = g.getStringArray("tokenizer.ggml.tokens");
            assertEquals(512, tokens.size());
            assertEquals(512, g.getFloatArray("tokenizer.ggml.scores").length);
            assertEquals(512, g.getIntArray("tokenizer.ggml.token_type").length);

            GgufTensor emb = g.tensor("token_embd.weight");
            assertEquals(GgmlType.F32, emb.type());
            assertArrayEquals(new long[] {64, 512}, emb.ne());
            assertArrayEquals(new long[] {512, 64}, emb.shape());
            assertEquals(512L * 64 * 4, emb.byteSize());
            assertTrue(g.findTensor("blk.4.ffn_down.weight").isPresent());
            long elements = g.tensors().values().stream().mapToLong(GgufTensor::elementCount).sum();
            assertTrue(elements > 250_000 && elements < 300_000, "about 260K parameters: " + elements);
        }
    }

    @Test
    void everyVocabFileParses() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(Fixtures.models().resolve("gguf-vocab"))) {
            files = s.filter(f -> f.toString().endsWith(".gguf")).sorted().toList();
        }
        assertEquals(12, files.size());
        for (Path f : files) {
            try (GgufFile g = GgufFile.open(f)) {
                assertTrue(g.has("tokenizer.ggml.model"), f + ": tokenizer.ggml.model");
                assertFalse(g.getString("general.architecture").isEmpty(), f.toString());
                List<String> tokens = g.getStringArray("tokenizer.ggml.tokens");
                assertTrue(tokens.size() > 1000, f + ": " + tokens.size() + " tokens");
                if (g.has("tokenizer.ggml.token_type")) {
                    assertEquals(tokens.size(), g.getIntArray("tokenizer.ggml.token_type").length, f.toString());
                }
            }
        }
    }
}
