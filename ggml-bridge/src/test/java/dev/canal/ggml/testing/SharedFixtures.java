package dev.canal.ggml.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** The shared test fixtures (../shared/models beside the checkout; Maven passes the path as canal.shared). */
public final class SharedFixtures {
    private SharedFixtures() {
    }

    public static Path models() {
        String p = System.getProperty("canal.shared");
        Path dir = p != null ? Path.of(p) : Path.of("..", "..", "shared");
        Path models = dir.resolve("models");
        if (!Files.isDirectory(models)) {
            throw new IllegalStateException("test fixtures not found at " + models.toAbsolutePath()
                    + ": clone the project beside ../shared or pass -Dcanal.shared=DIR");
        }
        return models.toAbsolutePath().normalize();
    }
}
