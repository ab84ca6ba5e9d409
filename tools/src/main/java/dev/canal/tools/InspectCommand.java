package dev.canal.tools;

import com.fasterxml.jackson.databind.JsonNode;
import dev.canal.engine.api.CanalException;
import dev.canal.engine.config.ModelConfig;
import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.generate.ModelLoader;
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
                print(gguf.weights(), gguf.config(), null, io.out());
            }
            return 0;
        }
        try (SafetensorsStore store = SafetensorsStore.open(source)) {
            print(store, config, configProblem, io.out());
        }
        return 0;
    }

    private static void print(WeightStore store, ModelConfig config, String configProblem, PrintStream out) {
        Collection<Tensor> tensors = store.names().stream().map(store::tensor).toList();
        int packing = awqValuesPerInt(config);
        long parameters = 0;
        long bytes = 0;
        Map<String, Integer> dtypes = new TreeMap<>();
        for (Tensor t : tensors) {
            parameters += parameters(t, packing);
            bytes += t.byteSize();
            dtypes.merge(t.typeName(), 1, Integer::sum);
        }
        out.println("source:       " + store.source());
        if (config != null) out.println("architecture: " + architecture(config));
        else if (configProblem != null) out.println("architecture: unknown (" + configProblem + ")");
        else out.println("architecture: unknown (no config.json)");
        if (packing > 1) {
            out.println("quantization: awq, " + (32 / packing) + "-bit, group size "
                    + config.quantizationConfig().path("group_size").asInt());
        }
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
        String row = "%-" + nameWidth + "s  %-7s  %-" + shapeWidth + "s  %s%n";
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

    /**
     * How many weights one I32 of an AWQ qweight holds (8 for 4-bit), or 1 when the model is not AWQ-quantized.
     * The count of parameters is that of the original model: packed weights count per value, and the zero points
     * and scales of the quantization are not parameters.
     */
    private static int awqValuesPerInt(ModelConfig config) {
        if (config == null || config.quantizationConfig() == null) return 1;
        JsonNode q = config.quantizationConfig();
        if (!"awq".equalsIgnoreCase(q.path("quant_method").asText())) return 1;
        int bits = q.path("bits").asInt(4);
        return bits > 0 && 32 % bits == 0 ? 32 / bits : 1;
    }

    private static long parameters(Tensor t, int packing) {
        if (packing == 1) return t.elementCount();
        if (t.name().endsWith(".qzeros") || t.name().endsWith(".scales")) return 0;
        if (t.name().endsWith(".qweight") && t.dtype() == DType.I32) return t.elementCount() * packing;
        return t.elementCount();
    }
}
