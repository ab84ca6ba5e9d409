package dev.canal.ggml.model;

import dev.canal.engine.api.CanalException;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The {@code general.architecture} values canal runs, each tied to the Hugging Face class whose implementation
 * runs it (so a GGUF file and a safetensors directory of one model take the same code path).
 *
 * @param ropeInterleaved llama.cpp's converter permutes Llama's Q/K rows so that RoPE pairs dimensions (2i, 2i+1)
 *                        (ggml's "normal" rope); Qwen files are converted as they are and keep the NEOX pairing
 * @param qkvBias         the family always has q/k/v biases (Qwen2)
 */
enum GgufArchitecture {
    LLAMA("llama", "LlamaForCausalLM", true, false),
    // llama.cpp writes Mistral 7B as "llama"; a converter that keeps the name gets the same treatment.
    MISTRAL("mistral", "MistralForCausalLM", true, false),
    QWEN2("qwen2", "Qwen2ForCausalLM", false, true),
    QWEN3("qwen3", "Qwen3ForCausalLM", false, false);

    final String ggufName;
    final String hfClass;
    final boolean ropeInterleaved;
    final boolean qkvBias;

    GgufArchitecture(String ggufName, String hfClass, boolean ropeInterleaved, boolean qkvBias) {
        this.ggufName = ggufName;
        this.hfClass = hfClass;
        this.ropeInterleaved = ropeInterleaved;
        this.qkvBias = qkvBias;
    }

    static GgufArchitecture of(String name, String file) {
        for (GgufArchitecture a : values()) {
            if (a.ggufName.equals(name)) return a;
        }
        throw new CanalException(file + ": general.architecture \"" + name + "\" is not supported (supported: "
                + Arrays.stream(values()).map(a -> a.ggufName).collect(Collectors.joining(", ")) + ")");
    }
}
