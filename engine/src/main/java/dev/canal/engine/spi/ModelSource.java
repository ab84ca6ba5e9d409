package dev.canal.engine.spi;

import dev.canal.engine.config.ModelConfig;
import dev.canal.engine.template.ChatTemplate;
import dev.canal.engine.tokenizer.Tokenizer;
import dev.canal.engine.weights.WeightStore;

import java.util.Optional;
import java.util.Set;

/**
 * Everything a model file or directory provides, whatever its format: the config in Hugging Face terms, the
 * weights under Hugging Face tensor names (so one implementation of each architecture serves every format), the
 * tokenizer, the chat template and the ids that end generation.
 */
public record ModelSource(String location, String format, ModelConfig config, WeightStore weights,
                          Tokenizer tokenizer, Optional<ChatTemplate> chatTemplate, Set<Integer> eosTokenIds)
        implements AutoCloseable {

    @Override
    public void close() {
        weights.close();
    }
}
