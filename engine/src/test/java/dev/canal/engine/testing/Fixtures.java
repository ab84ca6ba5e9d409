package dev.canal.engine.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** The shared test fixtures (../shared/models beside the checkout; Maven passes the path as canal.shared). */
public final class Fixtures {
    private Fixtures() {
    }

    public static Path shared() {
        String p = System.getProperty("canal.shared");
        Path dir = p != null ? Path.of(p) : Path.of("..", "..", "shared");
        if (!Files.isDirectory(dir.resolve("models"))) {
            throw new IllegalStateException("test fixtures not found at " + dir.toAbsolutePath()
                    + "/models: clone the project beside ../shared or pass -Dcanal.shared=DIR");
        }
        return dir.toAbsolutePath().normalize();
    }

    public static Path models() {
        return shared().resolve("models");
    }

    public static Path model(String name) {
        return models().resolve(name);
    }

    /** The real stories260K Llama in Hugging Face layout, the fixture most tests run. */
    public static Path stories() {
        return model("stories260K-hf-derived");
    }
}
