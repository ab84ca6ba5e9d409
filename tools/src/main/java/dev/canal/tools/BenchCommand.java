package dev.canal.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.canal.engine.api.CanalException;
import dev.canal.engine.api.LoadOptions;
import dev.canal.engine.backend.cuda.CudaBackend;
import dev.canal.engine.generate.Backends;
import dev.canal.engine.generate.ModelLoader;
import dev.canal.engine.spi.Architecture;
import dev.canal.engine.spi.Architectures;
import dev.canal.engine.spi.DecoderModel;
import dev.canal.engine.spi.InferenceState;
import dev.canal.engine.spi.ModelSource;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.weights.WeightStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code bench}: prompt processing (pp) and token generation (tg) speed, measured like llama-bench: random token
 * ids, a warm-up run, then repetitions; pp processes the prompt in batches, tg generates one token at a time from
 * an empty context. Reports mean ± standard deviation, and for tg the weight traffic in GB/s.
 */
@Command(name = "bench", usageHelpAutoWidth = true,
        description = {"Measures prompt processing and generation speed (llama-bench style)."})
final class BenchCommand implements Callable<Integer> {

    @Mixin
    HelpOption help;

    @Parameters(index = "0", paramLabel = "<model>", description = "Model directory or .gguf file.")
    Path model;

    @Option(names = {"-p", "--n-prompt"}, split = ",", defaultValue = "128", paramLabel = "N,…",
            description = "Prompt lengths to test (default: ${DEFAULT-VALUE}); 0 skips.")
    List<Integer> prompts;

    @Option(names = {"-n", "--n-gen"}, split = ",", defaultValue = "64", paramLabel = "N,…",
            description = "Generation lengths to test (default: ${DEFAULT-VALUE}); 0 skips.")
    List<Integer> gens;

    @Option(names = {"-t", "--threads"}, split = ",", paramLabel = "N,…",
            description = "Thread counts to test (default: all cores).")
    List<Integer> threads;

    @Option(names = {"-b", "--batch-size"}, defaultValue = "512", paramLabel = "N",
            description = "Prompt tokens per forward pass (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = {"-r", "--repetitions"}, defaultValue = "5", paramLabel = "N",
            description = "Timed runs per test, after one warm-up (default: ${DEFAULT-VALUE}).")
    int repetitions;

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "DEV",
            description = "cpu, or cuda / cuda:N for GPU N (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--gpu-layers", paramLabel = "N", defaultValue = "-1",
            description = "With --device cuda: run the last N layers (and the output head) on the GPU and the rest on"
                    + " the CPU, as llama.cpp's -ngl; default: as many as the GPU's free memory holds, all when the"
                    + " model fits.")
    int gpuLayers;

    @Option(names = "--json", description = "One JSON object per test (llama-bench's field names) instead of a table.")
    boolean json;

    private final Io io;

    BenchCommand(Io io) {
        this.io = io;
    }

    /** One result row. */
    private record Result(String backend, int threads, int nPrompt, int nGen, long[] samplesNs) {
        int tokens() {
            return nPrompt + nGen;
        }

        double[] tokensPerSecond() {
            double[] ts = new double[samplesNs.length];
            for (int i = 0; i < ts.length; i++) ts[i] = tokens() * 1e9 / samplesNs[i];
            return ts;
        }
    }

    @Override
    public Integer call() {
        if (repetitions < 1) throw new CanalException("--repetitions must be at least 1");
        if (batch < 1) throw new CanalException("--batch-size must be at least 1");
        List<Integer> threadCounts = threads == null ? List.of(Runtime.getRuntime().availableProcessors()) : threads;
        for (int t : threadCounts) if (t < 1) throw new CanalException("--threads must be at least 1, got " + t);
        try (ModelSource source = ModelLoader.open(model)) {
            Architecture arch = Architectures.forConfig(source.config());
            long decodeBytes = bytesReadPerToken(source.weights());
            long modelBytes = source.weights().byteSize();
            long params = source.weights().parameterCount();
            String type = arch.name() + " " + describeTypes(source.weights());
            boolean headed = false;
            for (int t : threadCounts) {
                LoadOptions options = new LoadOptions(t, 0, batch, device).withGpuLayers(gpuLayers)
                        .withProgress(new UploadProgressLine(io.err(), device));
                try (Backends backends = ModelLoader.backends(options, source, source.config().numHiddenLayers())) {
                    if (!json && !headed) header(); // once the backend is open: an error comes alone
                    headed = true;
                    DecoderModel decoder = arch.load(source.config(), source.weights(), backends.placement());
                    String label = options.cudaOrdinal() < 0 ? "CPU" : "CUDA";
                    List<Result> results = new ArrayList<>();
                    for (int p : prompts) if (p > 0) results.add(measure(decoder, label, t, p, 0));
                    for (int n : gens) if (n > 0) results.add(measure(decoder, label, t, 0, n));
                    long peak = peakBandwidth(backends);
                    for (Result r : results) report(r, type, modelBytes, params, decodeBytes, peak);
                    if (!json && peak > 0) bandwidthNote(results, backends, decodeBytes, peak);
                }
                if (options.cudaOrdinal() >= 0) break; // CPU threads do not change a GPU run
            }
        }
        return 0;
    }

    private void header() {
        io.out().printf("| %-24s | %10s | %8s | %-7s | %7s | %8s | %18s | %9s |%n", "model", "size", "params",
                "backend", "threads", "test", "t/s", "GB/s");
        io.out().printf("| %-24s | %10s | %8s | %-7s | %7s | %8s | %18s | %9s |%n", "-".repeat(24),
                "-".repeat(10), "-".repeat(8), "-".repeat(7), "-".repeat(7), "-".repeat(8), "-".repeat(18),
                "-".repeat(9));
    }

    private Result measure(DecoderModel decoder, String backend, int threads, int nPrompt, int nGen) {
        int vocab = decoder.config().vocabSize();
        long[] samples = new long[repetitions];
        float[] logits = new float[vocab];
        SplittableRandom random = new SplittableRandom(42);
        for (int rep = -1; rep < repetitions; rep++) {
            int positions = Math.max(1, nPrompt + nGen);
            InferenceState state = decoder.newState(positions, nPrompt > 0 ? Math.min(batch, nPrompt) : 1);
            int[] tokens = new int[Math.max(nPrompt, nGen)];
            for (int i = 0; i < tokens.length; i++) tokens[i] = random.nextInt(vocab);
            long t0 = System.nanoTime();
            if (nPrompt > 0) {
                for (int pos = 0; pos < nPrompt; pos += state.maxBatch()) {
                    int n = Math.min(state.maxBatch(), nPrompt - pos);
                    int[] chunk = java.util.Arrays.copyOfRange(tokens, pos, pos + n);
                    decoder.forward(state, chunk, n, pos, logits);
                }
            } else {
                int[] one = new int[1];
                for (int pos = 0; pos < nGen; pos++) {
                    one[0] = tokens[pos];
                    decoder.forward(state, one, 1, pos, logits);
                }
            }
            long elapsed = System.nanoTime() - t0;
            if (rep >= 0) samples[rep] = elapsed; // rep -1 is the warm-up
        }
        return new Result(backend, threads, nPrompt, nGen, samples);
    }

    /** The GPU's peak memory bandwidth where it runs the whole model (decode is measured against it), else 0. */
    private static long peakBandwidth(Backends backends) {
        if (!(backends.placement().last() instanceof CudaBackend cuda) || backends.placement().split()) return 0;
        return cuda.device().memoryBandwidth();
    }

    /** Under the table: how much of the GPU's memory bandwidth each decode test reaches. */
    private void bandwidthNote(List<Result> results, Backends backends, long decodeBytes, long peak) {
        CudaBackend cuda = (CudaBackend) backends.placement().last();
        for (Result r : results) {
            if (r.nGen() == 0) continue;
            double gbps = decodeBytes * mean(r.tokensPerSecond()) / 1e9;
            io.out().printf(Locale.ROOT, "%s (%s): tg%d reads the weights at %.1f GB/s, %.1f%% of its %.0f GB/s peak"
                    + " memory bandwidth%n", cuda.name(), cuda.device().name(), r.nGen(), gbps, 100 * gbps * 1e9 / peak,
                    peak / 1e9);
        }
    }

    private void report(Result r, String type, long modelBytes, long params, long decodeBytes, long peak) {
        double[] ts = r.tokensPerSecond();
        double avgTs = mean(ts), sdTs = stddev(ts, avgTs);
        double[] ns = new double[r.samplesNs().length];
        for (int i = 0; i < ns.length; i++) ns[i] = r.samplesNs()[i];
        double avgNs = mean(ns), sdNs = stddev(ns, avgNs);
        String test = r.nPrompt() > 0 ? "pp" + r.nPrompt() : "tg" + r.nGen();
        double gbps = r.nGen() > 0 ? decodeBytes * avgTs / 1e9 : Double.NaN;
        if (json) {
            ObjectMapper m = new ObjectMapper();
            ObjectNode o = m.createObjectNode();
            o.put("build_commit", Version.canalVersion());
            o.put("model_filename", model.toString());
            o.put("model_type", type);
            o.put("model_size", modelBytes);
            o.put("model_n_params", params);
            o.put("backends", r.backend());
            o.put("n_batch", batch);
            o.put("n_threads", r.threads());
            o.put("n_prompt", r.nPrompt());
            o.put("n_gen", r.nGen());
            o.put("test_time", Instant.now().toString());
            o.put("avg_ns", Math.round(avgNs));
            o.put("stddev_ns", Math.round(sdNs));
            o.put("avg_ts", avgTs);
            o.put("stddev_ts", sdTs);
            ArrayNode sn = o.putArray("samples_ns");
            for (long s : r.samplesNs()) sn.add(s);
            ArrayNode st = o.putArray("samples_ts");
            for (double s : ts) st.add(s);
            if (r.nGen() > 0) o.put("weight_gb_per_s", gbps);
            if (r.nGen() > 0 && peak > 0) {
                o.put("memory_peak_gb_per_s", peak / 1e9);
                o.put("memory_bandwidth_fraction", gbps * 1e9 / peak);
            }
            io.out().println(o);
        } else {
            io.out().printf("| %-24s | %10s | %8s | %-7s | %7d | %8s | %18s | %9s |%n", truncate(type, 24),
                    Units.bytes(modelBytes), Units.count(params), r.backend(), r.threads(), test,
                    String.format("%.2f ± %.2f", avgTs, sdTs), Double.isNaN(gbps) ? "" : String.format("%.1f", gbps));
        }
        io.out().flush();
    }

    /** Bytes of weights a decode step reads: every tensor, except an embedding table that is only gathered. */
    static long bytesReadPerToken(WeightStore w) {
        long total = w.byteSize();
        boolean untied = w.find("lm_head.weight").isPresent();
        if (untied) total -= w.tensor("model.embed_tokens.weight").byteSize();
        return total;
    }

    /** The type of the largest matrices, e.g. "BF16" or "Q4_0" (llama-bench names models by it too). */
    private static String describeTypes(WeightStore w) {
        Tensor biggest = null;
        for (String name : w.names()) {
            Tensor t = w.tensor(name);
            if (name.contains("layers.") && (biggest == null || t.byteSize() > biggest.byteSize())) biggest = t;
        }
        return biggest == null ? "?" : biggest.typeName();
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) s += x;
        return s / v.length;
    }

    private static double stddev(double[] v, double mean) {
        if (v.length < 2) return 0;
        double s = 0;
        for (double x : v) s += (x - mean) * (x - mean);
        return Math.sqrt(s / (v.length - 1));
    }

    private static String truncate(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n);
    }
}
