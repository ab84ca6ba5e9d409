package dev.canal.engine.generate;

import dev.canal.engine.api.Model;
import dev.canal.engine.api.ModelInfo;
import dev.canal.engine.api.Session;
import dev.canal.engine.spi.DecoderModel;
import dev.canal.engine.template.ChatTemplate;
import dev.canal.engine.tokenizer.Tokenizer;
import dev.canal.engine.weights.WeightStore;

import java.util.Optional;
import java.util.Set;

/** A model bound to a backend, with what sessions need: tokenizer, chat template, end-of-sequence ids. */
final class LoadedModel implements Model {
    final DecoderModel decoder;
    final Tokenizer tokenizer;
    final Optional<ChatTemplate> template;
    final Set<Integer> eosIds;
    final int contextLength;
    final int batchSize;
    private final ModelInfo info;
    private final Backends backends;
    private final WeightStore weights;

    LoadedModel(DecoderModel decoder, Tokenizer tokenizer, Optional<ChatTemplate> template, Set<Integer> eosIds,
                int contextLength, int batchSize, ModelInfo info, Backends backends, WeightStore weights) {
        this.decoder = decoder;
        this.tokenizer = tokenizer;
        this.template = template;
        this.eosIds = eosIds;
        this.contextLength = contextLength;
        this.batchSize = batchSize;
        this.info = info;
        this.backends = backends;
        this.weights = weights;
    }

    @Override
    public ModelInfo info() {
        return info;
    }

    @Override
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public boolean hasChatTemplate() {
        return template.isPresent();
    }

    @Override
    public Session newSession() {
        return new ChatSession(this);
    }

    @Override
    public void close() {
        decoder.close();
        backends.close();
        weights.close();
    }
}
