package dev.canal.models.qwen;

import dev.canal.engine.backend.Placement;
import dev.canal.engine.config.ModelConfig;
import dev.canal.engine.spi.Architecture;
import dev.canal.engine.spi.DecoderModel;
import dev.canal.engine.weights.WeightStore;
import dev.canal.models.transformer.Transformer;
import dev.canal.models.transformer.TransformerSpec;

import java.util.List;

/**
 * Qwen3 (dense): no projection biases (attention_bias=false in its configs), per-head RMSNorm of q and k before
 * RoPE, and an explicit head_dim that need not equal hidden_size / heads.
 */
public final class Qwen3 implements Architecture {

    @Override
    public String name() {
        return "qwen3";
    }

    @Override
    public List<String> hfArchitectures() {
        return List.of("Qwen3ForCausalLM");
    }

    @Override
    public List<String> modelTypes() {
        return List.of("qwen3");
    }

    @Override
    public DecoderModel load(ModelConfig c, WeightStore weights, Placement placement) {
        boolean bias = c.attentionBias();
        return Transformer.load(c, weights, placement,
                new TransformerSpec(name(), bias, bias, true, !c.ropeInterleaved(), c.slidingWindow()));
    }
}
