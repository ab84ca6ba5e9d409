package dev.canal.engine.generate;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.api.LoadOptions;
import dev.canal.engine.api.Model;

import java.nio.file.Path;

/** Opens a model directory and binds it to a backend. (Wired up when the weight store and CPU backend land.) */
public final class ModelLoader {
    private ModelLoader() {
    }

    public static Model load(Path path, LoadOptions options) {
        throw new CanalException(path + ": model loading is not wired up yet in this build");
    }
}
