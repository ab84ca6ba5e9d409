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
 * Qwen2 / Qwen2.5: Llama's layout with biases on the q, k and v projections (none on o). Its configs carry a
 * sliding_window that is only used when use_sliding_window is true (ModelConfig already applies that).
 */
public final class Qwen2 implements Architecture {

    @Override
    public String name() {
        return "qwen2";
    }

    @Override
    public List<String> hfArchitectures() {
        return List.of("Qwen2ForCausalLM");
    }

    @Override
    public List<String> modelTypes() {
        return List.of("qwen2");
    }

    @Override
    public DecoderModel load(ModelConfig c, WeightStore weights, Placement placement) {
        return Transformer.load(c, weights, placement,
                new TransformerSpec(name(), true, false, false, !c.ropeInterleaved(), c.slidingWindow()));
    }
}
