package dev.canal.engine.spi;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.config.ModelConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.TreeSet;

/** Finds the {@link Architecture} provider for a config among those on the module/class path. */
public final class Architectures {
    private Architectures() {
    }

    public static List<Architecture> available() {
        List<Architecture> all = new ArrayList<>();
        ServiceLoader.load(Architecture.class, Architectures.class.getClassLoader()).forEach(all::add);
        return all;
    }

    public static Architecture forConfig(ModelConfig config) {
        List<Architecture> all = available();
        for (String hf : config.architectures()) {
            for (Architecture a : all) if (a.hfArchitectures().contains(hf)) return a;
        }
        for (Architecture a : all) if (a.modelTypes().contains(config.modelType())) return a;
        TreeSet<String> supported = new TreeSet<>();
        all.forEach(a -> supported.addAll(a.hfArchitectures()));
        throw new CanalException(config.source() + ": unsupported architecture "
                + (config.architectures().isEmpty() ? "" : config.architectures() + " ")
                + "(model_type \"" + config.modelType() + "\"); supported: "
                + (supported.isEmpty() ? "none (is the dev.canal.models module present?)" : String.join(", ", supported)));
    }
}
