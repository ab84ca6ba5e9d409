package dev.canal.engine.api;

import dev.canal.engine.generate.ModelLoader;

import java.nio.file.Path;

/**
 * Entry point of the library.
 * <pre>{@code
 * try (Model model = Canal.load(Path.of("models/Qwen3-0.6B"), LoadOptions.defaults());
 *      Session session = model.newSession()) {
 *     session.chat("Why is the sky blue?", GenerationOptions.defaults(), System.out::print);
 * }
 * }</pre>
 */
public final class Canal {
    private Canal() {
    }

    /** Loads a Hugging Face model directory (config.json, *.safetensors, tokenizer.json). */
    public static Model load(Path path, LoadOptions options) {
        return ModelLoader.load(path, options);
    }
}
