package dev.canal.engine.spi;

import java.nio.file.Path;

/**
 * A way models are stored on disk: Hugging Face directories (built into the engine), GGUF files (module
 * dev.canal.ggml), … Found through ServiceLoader; the loader asks each in turn whether it can open a path.
 */
public interface ModelFormat {

    /** "safetensors", "gguf", … */
    String name();

    /** Whether this path looks like this format (cheap: a name or a magic number, no full parse). */
    boolean canOpen(Path path);

    /** Opens and validates; errors name the file and what was expected. */
    ModelSource open(Path path);
}
