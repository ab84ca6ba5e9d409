package dev.canal.tools;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.config.ModelConfig;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.generate.ModelLoader;
import dev.canal.engine.quant.QuantizationConfig;
import dev.canal.engine.quant.QuantizedWeights;
import dev.canal.engine.spi.ModelSource;
import dev.canal.engine.weights.SafetensorsStore;
import dev.canal.engine.weights.WeightStore;
import dev.canal.ggml.model.GgufModelFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/** {@code canal inspect}: what a model directory or a safetensors file holds, without loading the model. */
@Command(name = "inspect", usageHelpAutoWidth = true,
        description = {"Prints what a model directory, safetensors file or GGUF file holds.",
                "Architecture (from config.json when present), parameter count, total bytes, and a table of",
                "the tensors: name, dtype, shape, size."})
final class InspectCommand implements Callable<Integer> {

    @Mixin
    HelpOption help;

    @Parameters(index = "0", paramLabel = "<model-dir | file.safetensors | file.gguf>",
            description = "A Hugging Face model directory, one safetensors file, or a GGUF file.")
    Path source;

    private final Io io;

    InspectCommand(Io io) {
        this.io = io;
    }

    @Override
    public Integer call() {
        if (!Files.exists(source)) throw new UserError(source + ": no such file or directory");
        Path configFile = (Files.isDirectory(source) ? source : source.toAbsolutePath().getParent())
                .resolve("config.json");
        ModelConfig config = null;
        String configProblem = null;
        if (Files.isRegularFile(configFile)) {
            try {
                config = ModelConfig.read(configFile);
            } catch (CanalException e) {
                configProblem = e.getMessage();
            }
        }
        if (new GgufModelFormat().canOpen(source)) {
            // A GGUF file carries its config in its metadata; its tensors are listed under the names canal binds.
            try (ModelSource gguf = ModelLoader.open(source)) {
                print(gguf.weights(), gguf.config(), null, null, io.out());
            }
            return 0;
        }
        try (SafetensorsStore store = SafetensorsStore.open(source)) {
            if (config == null || !Files.isDirectory(source)) {
                print(store, config, configProblem, null, io.out());
                return 0;
            }
            // A quantized checkpoint is shown as the model sees it: each quantized layer as one <prefix>.weight of
            // its logical shape, typed by its format ("AWQ int4 g128"), its parts counted in its bytes.
            Optional<QuantizationConfig> quantization = QuantizationConfig.find(source, config);
            WeightStore view;
            String quantizationLine;
            try {
                view = QuantizedWeights.wrap(store, quantization);
                quantizationLine = quantization.map(q -> q.method() + " (" + q.source() + ")").orElse(null);
            } catch (CanalException e) {
                view = store;
                quantizationLine = "not readable by canal: " + e.getMessage();
            }
            print(view, config, configProblem, quantizationLine, io.out());
        }
        return 0;
    }

    private static void print(WeightStore store, ModelConfig config, String configProblem, String quantization,
                              PrintStream out) {
        Collection<Tensor> tensors = store.names().stream().map(store::tensor).toList();
        long parameters = 0;
        long bytes = 0;
        Map<String, Integer> dtypes = new TreeMap<>();
        for (Tensor t : tensors) {
            // a packed layer counts the weights of the original matrix; its scales and zeros are not parameters
            parameters += t.elementCount();
            bytes += t.byteSize();
            dtypes.merge(t.typeName(), 1, Integer::sum);
        }
        out.println("source:       " + store.source());
        if (config != null) out.println("architecture: " + architecture(config));
        else if (configProblem != null) out.println("architecture: unknown (" + configProblem + ")");
        else out.println("architecture: unknown (no config.json)");
        if (quantization != null) out.println("quantization: " + quantization);
        out.println("parameters:   " + String.format(Locale.ROOT, "%,d", parameters) + " (" + Units.count(parameters)
                + ")");
        out.println("bytes:        " + String.format(Locale.ROOT, "%,d", bytes) + " (" + Units.bytes(bytes) + ")");
        StringBuilder types = new StringBuilder();
        dtypes.forEach((d, n) -> types.append(types.isEmpty() ? "" : ", ").append(d).append(" ×").append(n));
        out.println("tensors:      " + tensors.size() + " (" + types + ")");
        out.println();

        int nameWidth = "name".length();
        int shapeWidth = "shape".length();
        for (Tensor t : tensors) {
            nameWidth = Math.max(nameWidth, t.name().length());
            shapeWidth = Math.max(shapeWidth, t.shapeString().length());
        }
        int typeWidth = "dtype".length() + 2;
        for (Tensor t : tensors) typeWidth = Math.max(typeWidth, t.typeName().length());
        String row = "%-" + nameWidth + "s  %-" + typeWidth + "s  %-" + shapeWidth + "s  %s%n";
        out.printf(Locale.ROOT, row, "name", "dtype", "shape", "size");
        for (Tensor t : tensors) {
            out.printf(Locale.ROOT, row, t.name(), t.typeName(), t.shapeString(), Units.bytes(t.byteSize()));
        }
    }

    private static String architecture(ModelConfig c) {
        String classes = c.architectures().isEmpty() ? "?" : String.join(", ", c.architectures());
        return String.format(Locale.ROOT,
                "%s (%s): %d layers, hidden %d, intermediate %d, %d heads, %d KV heads, head dim %d, vocab %d, "
                        + "context %d", classes, c.modelType(), c.numHiddenLayers(), c.hiddenSize(),
                c.intermediateSize(), c.numAttentionHeads(), c.numKeyValueHeads(), c.headDim(), c.vocabSize(),
                c.maxPositionEmbeddings());
    }
}
