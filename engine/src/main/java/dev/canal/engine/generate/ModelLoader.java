package dev.canal.engine.generate;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.api.LoadOptions;
import dev.canal.engine.api.Model;
import dev.canal.engine.api.ModelInfo;
import dev.canal.engine.backend.Backend;
import dev.canal.engine.backend.cpu.CpuBackend;
import dev.canal.engine.config.GenerationConfig;
import dev.canal.engine.config.ModelConfig;
import dev.canal.engine.spi.Architecture;
import dev.canal.engine.spi.Architectures;
import dev.canal.engine.spi.DecoderModel;
import dev.canal.engine.template.ChatTemplate;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.tokenizer.HfTokenizer;
import dev.canal.engine.tokenizer.Tokenizer;
import dev.canal.engine.weights.SafetensorsStore;
import dev.canal.engine.weights.WeightStore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Opens a Hugging Face model directory — config.json, safetensors shards, tokenizer.json, tokenizer_config.json,
 * generation_config.json — picks the architecture and binds the weights to the CPU backend.
 */
public final class ModelLoader {
    /** Default context when the caller does not ask for one: enough for chat, small enough for any KV budget. */
    private static final int DEFAULT_CONTEXT = 4096;

    private ModelLoader() {
    }

    public static Model load(Path path, LoadOptions options) {
        long t0 = System.nanoTime();
        if (!Files.exists(path)) throw new CanalException(path + ": no such file or directory");
        if (!Files.isDirectory(path)) {
            throw new CanalException(path + ": not a model directory (expected a Hugging Face directory with"
                    + " config.json, *.safetensors and tokenizer.json)");
        }
        ModelConfig config = ModelConfig.read(path.resolve("config.json"));
        refuseQuantized(config);
        Architecture architecture = Architectures.forConfig(config);
        Tokenizer tokenizer = loadTokenizer(path, config);
        Optional<ChatTemplate> template = Files.exists(path.resolve("tokenizer_config.json"))
                ? ChatTemplate.fromTokenizerConfig(path.resolve("tokenizer_config.json")) : Optional.empty();
        GenerationConfig generation = GenerationConfig.read(path);

        WeightStore weights = SafetensorsStore.open(path);
        Backend backend = new CpuBackend(options.threads());
        try {
            DecoderModel decoder = architecture.load(config, weights, backend);
            int context = options.contextLength() > 0 ? options.contextLength()
                    : Math.min(config.maxPositionEmbeddings(), DEFAULT_CONTEXT);
            long loadMillis = (System.nanoTime() - t0) / 1_000_000;
            ModelInfo info = new ModelInfo(path.toString(), describe(architecture, config), countParameters(weights),
                    weightBytes(weights), dtypes(weights), context, config.vocabSize(),
                    backend.name() + " (" + options.threads() + " threads)", loadMillis);
            return new LoadedModel(decoder, tokenizer, template, eosIds(config, generation, tokenizer), context,
                    options.batchSize(), info, backend, weights);
        } catch (RuntimeException e) {
            backend.close();
            weights.close();
            throw e;
        }
    }

    private static void refuseQuantized(ModelConfig config) {
        if (config.quantizationConfig() != null && !config.quantizationConfig().isNull()) {
            String method = config.quantizationConfig().path("quant_method").asText("unknown");
            throw new CanalException(config.source() + ": quantization_config.quant_method \"" + method
                    + "\" is not supported yet (this build runs F32, F16 and BF16 safetensors)");
        }
    }

    private static Tokenizer loadTokenizer(Path dir, ModelConfig config) {
        Path file = dir.resolve("tokenizer.json");
        if (!Files.exists(file)) {
            throw new CanalException(dir + ": no tokenizer.json (canal reads Hugging Face fast-tokenizer files)");
        }
        Tokenizer tokenizer = HfTokenizer.load(file);
        if (tokenizer.vocabSize() > config.vocabSize()) {
            throw new CanalException(file + ": the tokenizer has " + tokenizer.vocabSize()
                    + " tokens but config.json's vocab_size is " + config.vocabSize()
                    + " (tokenizer and weights do not belong together)");
        }
        return tokenizer;
    }

    /** End of generation: generation_config.json's eos_token_id list, else config.json's, else the tokenizer's. */
    private static Set<Integer> eosIds(ModelConfig config, GenerationConfig generation, Tokenizer tokenizer) {
        Set<Integer> ids = new LinkedHashSet<>(generation.eosTokenIds());
        if (ids.isEmpty()) ids.addAll(config.eosTokenIds());
        if (ids.isEmpty()) tokenizer.eosId().ifPresent(ids::add);
        return Set.copyOf(ids);
    }

    private static String describe(Architecture a, ModelConfig c) {
        return a.name() + (c.architectures().isEmpty() ? "" : " (" + String.join(", ", c.architectures()) + ")");
    }

    private static long countParameters(WeightStore w) {
        long n = 0;
        for (String name : w.names()) n += w.tensor(name).elementCount();
        return n;
    }

    private static long weightBytes(WeightStore w) {
        long n = 0;
        for (String name : w.names()) n += w.tensor(name).byteSize();
        return n;
    }

    /** "F32" or e.g. "BF16 (F32: 65 tensors)" when mixed. */
    private static String dtypes(WeightStore w) {
        TreeMap<String, Integer> counts = new TreeMap<>();
        for (String name : w.names()) {
            Tensor t = w.tensor(name);
            counts.merge(t.dtype().name(), 1, Integer::sum);
        }
        if (counts.size() <= 1) return counts.isEmpty() ? "none" : counts.firstKey();
        return counts.toString();
    }
}
