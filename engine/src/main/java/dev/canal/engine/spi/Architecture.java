package dev.canal.engine.spi;

import dev.canal.engine.backend.Backend;
import dev.canal.engine.backend.Placement;
import dev.canal.engine.config.ModelConfig;
import dev.canal.engine.weights.WeightStore;

import java.util.List;

/**
 * A family of decoder architectures (module models provides them through ServiceLoader). Chosen by config.json's
 * {@code architectures} first, then {@code model_type}.
 */
public interface Architecture {

    /** Short family name for messages, e.g. "llama". */
    String name();

    /** Hugging Face class names this family runs, e.g. "LlamaForCausalLM". */
    List<String> hfArchitectures();

    /** config.json model_type values this family runs, e.g. "llama", "mistral". */
    List<String> modelTypes();

    /**
     * Binds the weights to the backends of {@code placement} (each layer to its own); fails with a message naming
     * any missing or mis-shaped tensor.
     */
    DecoderModel load(ModelConfig config, WeightStore weights, Placement placement);

    /** Binds every weight to one backend. */
    default DecoderModel load(ModelConfig config, WeightStore weights, Backend backend) {
        return load(config, weights, Placement.single(backend));
    }
}
