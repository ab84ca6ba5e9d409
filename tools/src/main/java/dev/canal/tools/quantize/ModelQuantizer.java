package dev.canal.tools.quantize;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.config.ModelConfig;
import dev.canal.engine.quant.LinearPacker;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.weights.SafetensorsStore;
import dev.canal.engine.weights.SafetensorsWriter.TensorData;
import dev.canal.tools.quantize.DecoderLinears.Linear;

import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Writes a quantized copy of a Hugging Face model directory: every linear layer of the decoder that the packer can
 * hold is replaced by the packer's tensors, everything else is copied in its own dtype, config.json gets the
 * packer's {@code quantization_config}, and the tokenizer and generation files come along. Everything that can be
 * refused (missing model, quantized input, an output in the way, a packer that can hold no layer) is checked before
 * any work; the output appears only when complete (see {@link StagingDirectory}).
 */
public final class ModelQuantizer {
    /** Shard size of the output: Hugging Face's default range is 2–5 GB; smaller keeps packing memory low. */
    static final long SHARD_BYTES = 2L << 30;

    private final LinearPacker packer;
    private final QuantizeOptions options;
    private final PrintStream progress;
    private final long shardBytes;

    public ModelQuantizer(LinearPacker packer, QuantizeOptions options, PrintStream progress) {
        this(packer, options, progress, SHARD_BYTES);
    }

    ModelQuantizer(LinearPacker packer, QuantizeOptions options, PrintStream progress, long shardBytes) {
        this.packer = packer;
        this.options = options;
        this.progress = progress;
        this.shardBytes = shardBytes;
    }

    /**
     * What was written.
     *
     * @param quantized    layers stored by the packer
     * @param notConverted module names (prefixes) of linear layers kept in float
     * @param bytes        bytes of tensors written
     * @param searches     the AWQ scale choice of each group (empty for rtn)
     */
    public record Result(Path output, int quantized, List<String> notConverted, long bytes,
                         Map<String, AwqScaleSearch.Choice> searches) {
    }

    /** One linear layer and, when the packer cannot hold it, why. */
    private record Planned(Linear linear, Tensor weight, Optional<String> refusal) {
    }

    public Result quantize(Path modelDir, Path output) {
        if (Files.isRegularFile(modelDir)) {
            throw new CanalException(modelDir + ": a file, not a model directory (quantize reads Hugging Face "
                    + "directories of F32/F16/BF16 safetensors; for a quantized GGUF, convert such a directory with convert --type)");
        }
        if (!Files.isDirectory(modelDir)) throw new CanalException(modelDir + ": no such model directory");
        if (output.toAbsolutePath().normalize().equals(modelDir.toAbsolutePath().normalize())) {
            throw new CanalException(output + ": is the model directory itself; choose a new directory");
        }
        ModelConfig config = ModelConfig.read(modelDir.resolve("config.json"));
        try (SafetensorsStore store = SafetensorsStore.open(modelDir)) {
            QuantizedInput.refuse(modelDir, config, store);
            StagingDirectory.checkOutput(output, options.force());
            List<String> names = store.names().stream().sorted(DecoderLinears.TENSOR_ORDER).toList();
            Map<String, Planned> plan = plan(store, names);
            String calibration = options.method() != QuantizeMethod.AWQ ? null
                    : options.calibration().map(Calibration::readText).orElseGet(Calibration::defaultText);
            // Everything refusable is checked: from here on, progress.
            progress.printf("quantize: %s → %s (%s, %s)%n", modelDir, output, packer.name(),
                    options.method().name().toLowerCase(java.util.Locale.ROOT));
            List<String> notConverted = notConverted(plan);
            int quantized = plan.size() - notConverted.size();
            try (StagingDirectory staging = StagingDirectory.create(output, options.force())) {
                Rescaling rescaling = new Rescaling();
                Map<String, AwqScaleSearch.Choice> searches = options.method() == QuantizeMethod.AWQ
                        ? searchScales(modelDir, config, store, plan, calibration, rescaling) : Map.of();
                // The output head is never quantized; compressed-tensors and ModelOpt loaders would otherwise
                // expect it packed (their targets are "every Linear"), so it is listed for every format.
                List<String> unconverted = new ArrayList<>(notConverted);
                unconverted.add("lm_head");
                ModelFiles.write(modelDir, staging.path(), packer.quantizationConfig(unconverted),
                        ModelFiles.floatDtype(store));
                long bytes = writeTensors(store, names, plan, rescaling, staging.path());
                staging.commit();
                progress.printf("wrote %s (%s, %d layers quantized, %d kept in float, %.1f MB)%n", output,
                        packer.name(), quantized, notConverted.size(), bytes / 1e6);
                return new Result(output, quantized, notConverted, bytes, searches);
            }
        }
    }

    /** Every quantizable linear layer with the packer's verdict; refuses a plan that quantizes nothing. */
    private Map<String, Planned> plan(SafetensorsStore store, List<String> names) {
        Map<String, Planned> plan = new LinkedHashMap<>();
        for (String name : names) {
            Optional<Linear> linear = DecoderLinears.of(name);
            if (linear.isEmpty()) continue;
            Tensor t = store.tensor(name);
            if (t.rank() != 2) {
                throw new CanalException(store.source() + ": tensor " + name + " has shape " + t.shapeString()
                        + ", expected [out, in]");
            }
            plan.put(name, new Planned(linear.get(), t,
                    packer.unsupported(name, (int) t.dim(0), (int) t.dim(1))));
        }
        if (plan.isEmpty()) {
            throw new CanalException(store.source() + ": no decoder linear layers (model.layers.N.self_attn.q_proj"
                    + ".weight, …) to quantize");
        }
        Optional<Planned> refused = plan.values().stream().filter(p -> p.refusal().isPresent()).findFirst();
        if (plan.values().stream().allMatch(p -> p.refusal().isPresent())) {
            throw new CanalException(packer.name() + " can hold none of the " + plan.size() + " linear layers: "
                    + refused.orElseThrow().refusal().orElseThrow());
        }
        return plan;
    }

    /** Module names left in float, with one line per role ("mlp.down_proj") saying why. */
    private List<String> notConverted(Map<String, Planned> plan) {
        Map<String, List<Planned>> byRole = new LinkedHashMap<>();
        for (Planned p : plan.values()) {
            if (p.refusal().isPresent()) byRole.computeIfAbsent(p.linear().role(), r -> new ArrayList<>()).add(p);
        }
        List<String> modules = new ArrayList<>();
        byRole.forEach((role, layers) -> {
            long ofRole = plan.values().stream().filter(p -> p.linear().role().equals(role)).count();
            progress.printf("kept in float: %s in %d of %d layers (%s)%n", role, layers.size(), ofRole,
                    layers.getFirst().refusal().orElseThrow());
            for (Planned p : layers) modules.add(p.linear().prefix());
        });
        return modules;
    }

    /** Calibrates, searches every group's scales and records them in {@code rescaling}. */
    private Map<String, AwqScaleSearch.Choice> searchScales(Path modelDir, ModelConfig config, SafetensorsStore store,
                                                            Map<String, Planned> plan, String text,
                                                            Rescaling rescaling) {
        List<ScaleGroup> groups = new ArrayList<>();
        for (ScaleGroup g : ScaleGroup.of(store, config.numHiddenLayers())) {
            if (g.linears().stream().anyMatch(l -> plan.containsKey(l) && plan.get(l).refusal().isEmpty())) {
                groups.add(g);
            }
        }
        if (groups.isEmpty()) {
            throw new CanalException(store.source() + ": --method awq found no layer group to scale (expected "
                    + "Llama-style names: model.layers.N.input_layernorm, self_attn.q_proj, mlp.up_proj, …)");
        }
        Set<String> inputs = new LinkedHashSet<>();
        for (ScaleGroup g : groups) inputs.add(g.input());
        Map<String, InputStatistics> stats = Calibration.record(modelDir, inputs, text, options.calibrationTokens(),
                options.threads(), progress);
        Map<String, AwqScaleSearch.Choice> choices = new LinkedHashMap<>();
        try (LinearOutputs outputs = new LinearOutputs(options.threads())) {
            AwqScaleSearch search = new AwqScaleSearch(packer, outputs);
            int done = 0;
            for (ScaleGroup g : groups) {
                List<FloatMatrix> quantized = new ArrayList<>();
                for (String l : g.linears()) {
                    if (plan.get(l).refusal().isEmpty()) quantized.add(FloatTensors.read(store.tensor(l)));
                }
                AwqScaleSearch.Choice c = search.search(stats.get(g.input()), quantized);
                rescaling.apply(g, c.scales());
                choices.put(g.name(), c);
                progress.printf("[awq %d/%d] %-28s α = %.2f  output error %.4g (round-to-nearest %.4g)%n", ++done,
                        groups.size(), g.name(), c.alpha(), c.error(), c.rtnError());
            }
        }
        return choices;
    }

    private long writeTensors(SafetensorsStore store, List<String> names, Map<String, Planned> plan,
                              Rescaling rescaling, Path dir) {
        ShardedWriter writer = new ShardedWriter(dir, shardBytes);
        int done = 0;
        for (String name : names) {
            Tensor t = store.tensor(name);
            Planned linear = plan.get(name);
            String what;
            if (linear != null && linear.refusal().isEmpty()) {
                FloatMatrix w = rescaling.edit(name, FloatTensors.read(t));
                writer.add(materialized(packer.pack(linear.linear().prefix(), w.data(), w.rows(), w.cols())));
                what = packer.name() + (rescaling.changes(name) ? " (awq-scaled)" : "");
            } else if (rescaling.changes(name)) {
                FloatMatrix w = rescaling.edit(name, FloatTensors.read(t));
                writer.add(List.of(FloatTensors.write(name, t.dtype(), t.shape(), w.data())));
                what = t.dtype() + " (awq scale folded in)";
            } else {
                writer.add(List.of(TensorData.copyOf(t)));
                what = linear != null ? t.dtype() + " (kept in float)" : t.dtype().name();
            }
            progress.printf("[%d/%d] %-48s %-5s %s → %s%n", ++done, names.size(), name, t.dtype(), t.shapeString(),
                    what);
        }
        return writer.finish();
    }

    /**
     * The packer's tensors with their bytes computed now: a lazy supplier would keep the layer's float weights alive
     * until its shard is written.
     */
    private static List<TensorData> materialized(List<TensorData> tensors) {
        List<TensorData> out = new ArrayList<>(tensors.size());
        for (TensorData t : tensors) {
            MemorySegment bytes = t.data().get();
            out.add(TensorData.of(t.name(), t.dtype(), t.shape(), bytes));
        }
        return out;
    }
}
