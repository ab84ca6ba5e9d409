package dev.canal.tools;

import dev.canal.engine.api.Generation;
import dev.canal.engine.api.ModelInfo;

import java.util.Locale;

/** The statistics lines `run` prints on stderr. */
final class Stats {
    private Stats() {
    }

    static String backend(ModelInfo info) {
        return "backend: " + info.backend() + "; " + info.backendReason();
    }

    static String load(ModelInfo info, long wallMillis) {
        return String.format(Locale.ROOT, "load: %d ms (%s, %s parameters, %s, context %d)",
                wallMillis, info.architecture(), Units.count(info.parameters()), info.backend(), info.contextLength());
    }

    static String prompt(Generation g) {
        return String.format(Locale.ROOT, "prompt: %d tokens, %.1f tokens/s", g.promptTokens(),
                g.promptTokensPerSecond());
    }

    static String generated(Generation g) {
        return String.format(Locale.ROOT, "generated: %d tokens, %.1f tokens/s (stop: %s)", g.tokenIds().length,
                g.generationTokensPerSecond(), g.stopReason().name().toLowerCase(Locale.ROOT).replace('_', ' '));
    }
}
