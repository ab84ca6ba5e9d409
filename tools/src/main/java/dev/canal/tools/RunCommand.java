package dev.canal.tools;

import dev.canal.engine.api.Canal;
import dev.canal.engine.api.CanalException;
import dev.canal.engine.api.Generation;
import dev.canal.engine.api.GenerationOptions;
import dev.canal.engine.api.LoadOptions;
import dev.canal.engine.api.Model;
import dev.canal.engine.api.SamplerSettings;
import dev.canal.engine.api.Session;
import dev.canal.engine.api.TokenListener;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code canal run}: one completion with --prompt, else an interactive chat on the terminal (or piped stdin). */
@Command(name = "run", usageHelpAutoWidth = true,
        description = {"Generates text: one answer, or an interactive chat.",
                "With --prompt: prints the answer to stdout and statistics to stderr.",
                "Without: an interactive chat (/help lists its commands); stdin may also be a pipe."})
final class RunCommand implements Callable<Integer> {

    @Mixin
    HelpOption help;

    @Parameters(index = "0", paramLabel = "<model-dir>",
            description = "Hugging Face model directory (or a .gguf file where the engine reads GGUF).")
    Path modelDir;

    @Option(names = "--prompt", paramLabel = "TEXT", description = "Generate once for this prompt and exit.")
    String prompt;

    @Option(names = "--system", paramLabel = "TEXT", description = "System prompt of the chat.")
    String system;

    @Option(names = "--raw", description = "Continue the prompt as plain text: no chat template.")
    boolean raw;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "512",
            description = "Most tokens to generate per answer (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "0.8",
            description = "Sampling temperature; 0 is greedy (default: ${DEFAULT-VALUE}).")
    float temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "40",
            description = "Keep the K most likely tokens; 0 disables (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "0.95",
            description = "Nucleus sampling; 1 disables (default: ${DEFAULT-VALUE}).")
    float topP;

    @Option(names = "--min-p", paramLabel = "P", defaultValue = "0.05",
            description = "Drop tokens below P times the top probability; 0 disables (default: ${DEFAULT-VALUE}).")
    float minP;

    @Option(names = "--repeat-penalty", paramLabel = "R", defaultValue = "1.0",
            description = "Penalty for repeating recent tokens; 1 disables (default: ${DEFAULT-VALUE}).")
    float repeatPenalty;

    @Option(names = "--seed", paramLabel = "S", description = "Random seed (default: a new one each run).")
    Long seed;

    @Option(names = "--threads", paramLabel = "N", description = "CPU threads (default: all cores).")
    Integer threads;

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "DEV",
            description = "cpu, or cuda / cuda:N for GPU N: the CUDA backend runs only when asked for until it has"
                    + " been verified on a GPU (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--gpu-layers", paramLabel = "N", defaultValue = "-1",
            description = "With --device cuda: run the last N layers (and the output head) on the GPU and the rest on"
                    + " the CPU, as llama.cpp's -ngl; default: as many as the GPU's free memory holds, all when the"
                    + " model fits.")
    int gpuLayers;

    @Option(names = "--ctx-size", paramLabel = "N", defaultValue = "0",
            description = "Context positions; 0 = the model's maximum, at most 4096 (default: ${DEFAULT-VALUE}).")
    int ctxSize;

    @Option(names = "--stop", paramLabel = "STR", description = "Stop before this text; repeatable.")
    List<String> stop = new ArrayList<>();

    @Spec
    CommandSpec spec;

    private final Io io;

    RunCommand(Io io) {
        this.io = io;
    }

    @Override
    public Integer call() {
        GenerationOptions options;
        LoadOptions loadOptions;
        try {
            SamplerSettings sampler = SamplerSettings.defaults()
                    .withTemperature(temperature).withTopK(topK).withTopP(topP).withMinP(minP)
                    .withPenalties(repeatPenalty, 0f, 0f, SamplerSettings.defaults().penaltyLastN());
            if (seed != null) sampler = sampler.withSeed(seed);
            options = new GenerationOptions(maxTokens, sampler, stop);
            loadOptions = LoadOptions.defaults().withContextLength(ctxSize).withDevice(device)
                    .withGpuLayers(gpuLayers).withProgress(new UploadProgressLine(io.err(), device));
            if (threads != null) loadOptions = loadOptions.withThreads(threads);
        } catch (CanalException e) {
            throw new ParameterException(spec.commandLine(), "invalid option value: " + e.getMessage());
        }
        if (!modelDir.getFileName().toString().endsWith(".gguf")) Inputs.existingDirectory(modelDir);

        long start = System.nanoTime();
        try (Model model = Canal.load(modelDir, loadOptions); Session session = model.newSession()) {
            long loadMillis = (System.nanoTime() - start) / 1_000_000;
            boolean plain = raw || !model.hasChatTemplate();
            if (prompt == null) {
                if (verbose()) io.err().println(Stats.load(model.info(), loadMillis));
                io.err().println(Stats.backend(model.info()));
                return new InteractiveChat(session, options, io, plain, !raw && plain, system, verbose()).run();
            }
            if (!raw && plain) {
                io.err().println("warning: " + modelDir + " has no chat template; continuing the prompt as plain"
                        + " text (--raw does this without the warning)");
            }
            if (system != null && plain) io.err().println("warning: --system is ignored without a chat template");
            TokenListener print = piece -> {
                io.out().print(piece);
                io.out().flush();
            };
            if (system != null && !plain) session.setSystemPrompt(system);
            Generation g;
            CancelOnInterrupt interrupts = new CancelOnInterrupt(session, io.systemStreams());
            try {
                g = plain ? session.complete(prompt, options, print) : session.chat(prompt, options, print);
            } finally {
                interrupts.close();
            }
            io.out().flush();
            // stdout holds exactly the answer; start the statistics on a line of their own on a shared terminal.
            io.err().println();
            io.err().println(Stats.load(model.info(), loadMillis));
            io.err().println(Stats.backend(model.info()));
            io.err().println(Stats.prompt(g));
            io.err().println(Stats.generated(g));
            return 0;
        }
    }

    private boolean verbose() {
        return Main.verbose(spec.commandLine());
    }
}
