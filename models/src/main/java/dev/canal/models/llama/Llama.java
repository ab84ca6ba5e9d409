package dev.canal.models.llama;

import dev.canal.engine.backend.Placement;
import dev.canal.engine.config.ModelConfig;
import dev.canal.engine.spi.Architecture;
import dev.canal.engine.spi.DecoderModel;
import dev.canal.engine.weights.WeightStore;
import dev.canal.models.transformer.Transformer;
import dev.canal.models.transformer.TransformerSpec;

import java.util.List;

/**
 * Llama 1/2/3 and Mistral: the plain pre-norm decoder. attention_bias adds biases to all four projections;
 * Llama 3.1's rope scaling lives in the config; Mistral v0.1 has a sliding window.
 */
public final class Llama implements Architecture {

    @Override
    public String name() {
        return "llama";
    }

    @Override
    public List<String> hfArchitectures() {
        return List.of("LlamaForCausalLM", "MistralForCausalLM");
    }

    @Override
    public List<String> modelTypes() {
        return List.of("llama", "mistral");
    }

    @Override
    public DecoderModel load(ModelConfig c, WeightStore weights, Placement placement) {
        boolean bias = c.attentionBias();
        return Transformer.load(c, weights, placement,
                new TransformerSpec(name(), bias, bias, false, !c.ropeInterleaved(), c.slidingWindow()));
    }
}
