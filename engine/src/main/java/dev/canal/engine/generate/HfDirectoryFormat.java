package dev.canal.engine.generate;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.config.GenerationConfig;
import dev.canal.engine.config.ModelConfig;
import dev.canal.engine.quant.QuantizationConfig;
import dev.canal.engine.quant.QuantizedWeights;
import dev.canal.engine.spi.ModelFormat;
import dev.canal.engine.spi.ModelSource;
import dev.canal.engine.template.ChatTemplate;
import dev.canal.engine.tokenizer.BackgroundTokenizer;
import dev.canal.engine.tokenizer.HfTokenizer;
import dev.canal.engine.tokenizer.Tokenizer;
import dev.canal.engine.weights.SafetensorsStore;
import dev.canal.engine.weights.WeightStore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * A Hugging Face model directory: config.json, safetensors shards (float, or quantized in a format
 * {@link QuantizedWeights} reads), tokenizer.json, tokenizer_config.json (chat template) and generation_config.json
 * (end-of-sequence ids).
 */
public final class HfDirectoryFormat implements ModelFormat {

    @Override
    public String name() {
        return "safetensors";
    }

    @Override
    public boolean canOpen(Path path) {
        return Files.isDirectory(path);
    }

    @Override
    public ModelSource open(Path dir) {
        ModelConfig config = ModelConfig.read(dir.resolve("config.json"));
        Optional<QuantizationConfig> quantization = QuantizationConfig.find(dir, config);
        Path tokenizerFile = dir.resolve("tokenizer.json");
        if (!Files.exists(tokenizerFile)) {
            throw new CanalException(dir + ": no tokenizer.json (canal reads Hugging Face fast-tokenizer files)");
        }
        // Read on its own thread while the weights are mapped here and bound by the loader, which awaits it.
        BackgroundTokenizer tokenizer = BackgroundTokenizer.start(dir.toString(),
                () -> loadTokenizer(tokenizerFile, config));
        try {
            Path tokenizerConfig = dir.resolve("tokenizer_config.json");
            Optional<ChatTemplate> template = Files.exists(tokenizerConfig)
                    ? ChatTemplate.fromTokenizerConfig(tokenizerConfig) : Optional.empty();
            GenerationConfig generation = GenerationConfig.read(dir);
            WeightStore weights = openWeights(dir, quantization);
            return new ModelSource(dir.toString(), name(), config, weights, tokenizer, template,
                    eosIds(config, generation, tokenizer));
        } catch (RuntimeException e) {
            tokenizer.await(); // a bad tokenizer is reported first, as when it was read before the rest
            throw e;
        }
    }

    private static WeightStore openWeights(Path dir, Optional<QuantizationConfig> quantization) {
        WeightStore weights = SafetensorsStore.open(dir);
        try {
            return QuantizedWeights.wrap(weights, quantization);
        } catch (RuntimeException e) {
            weights.close();
            throw e;
        }
    }

    private static Tokenizer loadTokenizer(Path file, ModelConfig config) {
        Tokenizer tokenizer = HfTokenizer.load(file);
        if (tokenizer.vocabSize() > config.vocabSize()) {
            throw new CanalException(file + ": the tokenizer has " + tokenizer.vocabSize()
                    + " tokens but config.json's vocab_size is " + config.vocabSize()
                    + " (tokenizer and weights do not belong together)");
        }
        return tokenizer;
    }

    /** generation_config.json's eos_token_id list, else config.json's, else the tokenizer's. */
    private static Set<Integer> eosIds(ModelConfig config, GenerationConfig generation, Tokenizer tokenizer) {
        Set<Integer> ids = new LinkedHashSet<>(generation.eosTokenIds());
        if (ids.isEmpty()) ids.addAll(config.eosTokenIds());
        if (ids.isEmpty()) tokenizer.eosId().ifPresent(ids::add);
        return Set.copyOf(ids);
    }
}
