package dev.canal.engine.tokenizer;

import dev.canal.engine.testing.Fixtures;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The four fixture tokenizers, loaded once per test JVM (Llama 3's and Qwen3's files are large). */
final class TokenizerFixtures {
    static final Map<String, String> DIRS = Map.of(
            "qwen3", "tokenizers/qwen3",
            "llama3", "tokenizers/llama3",
            "mistral", "tokenizers/mistral",
            "stories260K", "stories260K-hf-derived");

    private static final Map<String, HfTokenizer> LOADED = new ConcurrentHashMap<>();

    private TokenizerFixtures() {
    }

    static Path file(String name) {
        return Fixtures.models().resolve(DIRS.get(name)).resolve("tokenizer.json");
    }

    static HfTokenizer get(String name) {
        return LOADED.computeIfAbsent(name, n -> HfTokenizer.load(file(n)));
    }
}
