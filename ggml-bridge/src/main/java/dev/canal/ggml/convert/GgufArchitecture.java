package dev.canal.ggml.convert;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.config.ModelConfig;
import dev.canal.engine.config.RopeScaling;
import dev.canal.ggml.gguf.GgufWriter;

import java.util.List;

/**
 * The llama.cpp architecture of a Hugging Face config and its hyperparameter keys, as convert_hf_to_gguf.py writes
 * them ({@code llama.embedding_length}, ...). Mistral checkpoints are "llama" files, as there.
 */
enum GgufArchitecture {
    LLAMA("llama", true),
    QWEN2("qwen2", false),
    QWEN3("qwen3", false);

    private final String name;
    private final boolean permutesQk;

    GgufArchitecture(String name, boolean permutesQk) {
        this.name = name;
        this.permutesQk = permutesQk;
    }

    /** general.architecture. */
    String ggufName() {
        return name;
    }

    /**
     * Whether Q/K rows are permuted to interleaved RoPE pairs: llama.cpp runs "llama" with normal (GPT-J style)
     * RoPE and the Qwen architectures with NEOX RoPE, which is Hugging Face's own pairing.
     */
    boolean permutesQk() {
        return permutesQk;
    }

    static GgufArchitecture of(ModelConfig c) {
        List<String> archs = c.architectures();
        String hf = archs.isEmpty() ? c.modelType() : archs.getFirst();
        return switch (hf) {
            case "LlamaForCausalLM", "MistralForCausalLM", "llama", "mistral" -> LLAMA;
            case "Qwen2ForCausalLM", "qwen2" -> QWEN2;
            case "Qwen3ForCausalLM", "qwen3" -> QWEN3;
            default -> throw new CanalException(c.source() + ": architecture " + (hf.isEmpty() ? "(none)" : hf)
                    + " cannot be converted (supported: LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, "
                    + "Qwen3ForCausalLM)");
        };
    }

    /** Writes {arch}.* hyperparameters; rope scaling keys as LlamaModel / Qwen2Model write them. */
    void writeHyperparameters(ModelConfig c, GgufWriter w) {
        String p = name + ".";
        w.putUint32(p + "context_length", c.maxPositionEmbeddings());
        w.putUint32(p + "embedding_length", c.hiddenSize());
        w.putUint32(p + "block_count", c.numHiddenLayers());
        w.putUint32(p + "feed_forward_length", c.intermediateSize());
        w.putUint32(p + "attention.head_count", c.numAttentionHeads());
        w.putUint32(p + "attention.head_count_kv", c.numKeyValueHeads());
        w.putUint32(p + "attention.key_length", c.headDim());
        w.putUint32(p + "attention.value_length", c.headDim());
        w.putFloat32(p + "attention.layer_norm_rms_epsilon", (float) c.rmsNormEps());
        w.putFloat32(p + "rope.freq_base", (float) c.ropeTheta());
        w.putUint32(p + "rope.dimension_count", Math.round(c.headDim() * c.partialRotaryFactor()));
        w.putUint32(p + "vocab_size", c.vocabSize());
        RopeScaling s = c.ropeScaling();
        if (s == null) return;
        switch (s.type()) {
            case "linear" -> {
                w.putString(p + "rope.scaling.type", "linear");
                w.putFloat32(p + "rope.scaling.factor", (float) s.factor());
            }
            case "yarn" -> {
                w.putString(p + "rope.scaling.type", "yarn");
                w.putFloat32(p + "rope.scaling.factor", (float) s.factor());
                if (s.originalMaxPositionEmbeddings() > 0) {
                    w.putUint32(p + "rope.scaling.original_context_length", s.originalMaxPositionEmbeddings());
                }
            }
            // Llama 3.1+ scaling is a per-frequency factor table, written as the rope_freqs.weight tensor.
            case "llama3" -> {
                if (this != LLAMA) throw unsupportedScaling(c, s);
            }
            case "default" -> { }
            default -> throw unsupportedScaling(c, s);
        }
    }

    private static CanalException unsupportedScaling(ModelConfig c, RopeScaling s) {
        return new CanalException(c.source() + ": rope_scaling type \"" + s.type()
                + "\" cannot be converted (supported: linear, yarn, llama3 for Llama)");
    }
}
