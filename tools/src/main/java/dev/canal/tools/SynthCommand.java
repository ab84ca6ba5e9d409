package dev.canal.tools;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.tensor.DType;
import dev.canal.tools.synth.SynthPreset;
import dev.canal.tools.synth.SyntheticModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code synth}: a random-weight model with a real geometry, for speed and memory work. */
@Command(name = "synth", usageHelpAutoWidth = true,
        description = {"Writes a random-weight model with a real model's geometry in Hugging Face layout",
                "(config.json, sharded safetensors with an index, a real tokenizer)."})
final class SynthCommand implements Callable<Integer> {

    @Mixin
    HelpOption help;

    @Option(names = "--preset", required = true, paramLabel = "NAME",
            description = "Geometry: llama-3.2-1b, llama-3.1-8b, mistral-7b, qwen2.5-0.5b, qwen3-0.6b, tiny-llama, "
                    + "tiny-qwen2, tiny-qwen3, tiny-mistral.")
    String preset;

    @Option(names = "--arch", paramLabel = "ARCH",
            description = "llama, mistral, qwen2 or qwen3; must match the preset (a check, not a choice).")
    String arch;

    @Option(names = "--dtype", defaultValue = "bf16", paramLabel = "TYPE", description = "f32, f16 or bf16 (default ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed (default ${DEFAULT-VALUE}): same seed, same bytes.")
    long seed;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR", description = "Directory to write.")
    Path output;

    @Option(names = "--tokenizer-dir", paramLabel = "DIR",
            description = "Folder with the preset's tokenizer.json (default: $CANAL_SHARED/models/tokenizers/NAME, "
                    + "else ../shared/models/tokenizers/NAME).")
    Path tokenizerDir;

    private final Io io;

    SynthCommand(Io io) {
        this.io = io;
    }

    @Override
    public Integer call() {
        SynthPreset p = SynthPreset.byId(preset);
        if (arch != null && !arch.equals(p.arch())) {
            throw new CanalException("--arch " + arch + " does not match preset " + p.id() + " (a " + p.arch() + " model)");
        }
        DType type = switch (dtype.toLowerCase(Locale.ROOT)) {
            case "f32" -> DType.F32;
            case "f16" -> DType.F16;
            case "bf16" -> DType.BF16;
            default -> throw new CanalException("--dtype " + dtype + " is not one of f32, f16, bf16");
        };
        Path tokenizers = tokenizerDir != null ? tokenizerDir : defaultTokenizerDir(p);
        if (!Files.exists(tokenizers.resolve("tokenizer.json"))) {
            throw new CanalException(tokenizers + ": no tokenizer.json (pass --tokenizer-dir)");
        }
        if (Files.exists(output) && !isEmptyDirectory(output)) {
            throw new CanalException(output + ": exists and is not empty; choose a new directory");
        }
        SyntheticModel model = new SyntheticModel(p, type, seed);
        io.err().printf("synth: %s (%s) %s, %.2f GB of weights, seed %d → %s%n", p.id(), p.arch(), type,
                model.weightBytes() / 1e9, seed, output);
        model.write(output, tokenizers, io.err());
        return 0;
    }

    private static Path defaultTokenizerDir(SynthPreset p) {
        String shared = System.getenv("CANAL_SHARED");
        Path base = shared != null ? Path.of(shared) : Path.of("..", "shared");
        return base.resolve("models").resolve("tokenizers").resolve(p.tokenizer());
    }

    private static boolean isEmptyDirectory(Path dir) {
        try (var entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
