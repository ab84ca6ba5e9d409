package dev.canal.tools.synth;

import dev.canal.engine.api.CanalException;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Real geometries of published models, for random-weight models of the same shape and cost. Numbers are those
 * of each model's config.json on the Hugging Face hub.
 *
 * @param arch         canal's family: llama, mistral, qwen2, qwen3
 * @param tokenizer    folder of ../shared/models/tokenizers whose tokenizer.json the model ships with
 * @param ropeScaling  config.json rope_scaling as JSON, or null
 */
public enum SynthPreset {
    LLAMA_3_2_1B("llama-3.2-1b", "llama", 2048, 16, 32, 8, 64, 8192, 128256, true, 500000.0,
            "{\"rope_type\":\"llama3\",\"factor\":32.0,\"low_freq_factor\":1.0,\"high_freq_factor\":4.0,"
                    + "\"original_max_position_embeddings\":8192}", 131072, false, "llama3"),
    LLAMA_3_1_8B("llama-3.1-8b", "llama", 4096, 32, 32, 8, 128, 14336, 128256, false, 500000.0,
            "{\"rope_type\":\"llama3\",\"factor\":8.0,\"low_freq_factor\":1.0,\"high_freq_factor\":4.0,"
                    + "\"original_max_position_embeddings\":8192}", 131072, false, "llama3"),
    MISTRAL_7B("mistral-7b", "mistral", 4096, 32, 32, 8, 128, 14336, 32000, false, 1000000.0, null, 32768,
            false, "mistral"),
    QWEN2_5_0_5B("qwen2.5-0.5b", "qwen2", 896, 24, 14, 2, 64, 4864, 151936, true, 1000000.0, null, 32768,
            true, "qwen3"),
    QWEN3_0_6B("qwen3-0.6b", "qwen3", 1024, 28, 16, 8, 128, 3072, 151936, true, 1000000.0, null, 40960,
            false, "qwen3"),
    /** Small shapes with a real tokenizer's vocabulary, for tests: seconds to write and to run. */
    TINY_LLAMA("tiny-llama", "llama", 64, 2, 4, 2, 16, 128, 128256, true, 500000.0, null, 2048, false, "llama3"),
    TINY_QWEN2("tiny-qwen2", "qwen2", 64, 2, 4, 2, 16, 128, 151936, true, 1000000.0, null, 2048, true, "qwen3"),
    TINY_QWEN3("tiny-qwen3", "qwen3", 64, 2, 4, 2, 32, 128, 151936, true, 1000000.0, null, 2048, false, "qwen3"),
    TINY_MISTRAL("tiny-mistral", "mistral", 64, 2, 4, 2, 16, 128, 32000, false, 1000000.0, null, 2048, false,
            "mistral");

    final String id;
    final String arch;
    final int hidden, layers, heads, kvHeads, headDim, ffn, vocab;
    final boolean tied;
    final double ropeTheta;
    final String ropeScaling;
    final int maxPositions;
    final boolean qkvBias;
    final String tokenizer;

    SynthPreset(String id, String arch, int hidden, int layers, int heads, int kvHeads, int headDim, int ffn,
                int vocab, boolean tied, double ropeTheta, String ropeScaling, int maxPositions, boolean qkvBias,
                String tokenizer) {
        this.id = id;
        this.arch = arch;
        this.hidden = hidden;
        this.layers = layers;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.ffn = ffn;
        this.vocab = vocab;
        this.tied = tied;
        this.ropeTheta = ropeTheta;
        this.ropeScaling = ropeScaling;
        this.maxPositions = maxPositions;
        this.qkvBias = qkvBias;
        this.tokenizer = tokenizer;
    }

    public String id() {
        return id;
    }

    public String arch() {
        return arch;
    }

    /** The folder name under models/tokenizers of the tokenizer this preset ships with. */
    public String tokenizer() {
        return tokenizer;
    }

    public static SynthPreset byId(String id) {
        for (SynthPreset p : values()) if (p.id.equals(id)) return p;
        throw new CanalException("unknown preset \"" + id + "\" (presets: " + ids() + ")");
    }

    public static String ids() {
        return Arrays.stream(values()).map(p -> p.id).collect(Collectors.joining(", "));
    }
}
