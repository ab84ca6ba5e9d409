package dev.canal.ggml.model;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.config.ModelConfig;
import dev.canal.engine.config.RopeScaling;
import dev.canal.ggml.gguf.GgufFile;
import dev.canal.ggml.gguf.GgufTensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A GGUF file's {@code {arch}.*} hyperparameters as the Hugging Face {@link ModelConfig} that the architectures
 * read. Keys llama.cpp treats as required are required here (the message names the file and the key); the
 * optional ones take llama.cpp's defaults.
 */
final class GgufModelConfig {
    /** llama.cpp's default when {@code {arch}.rope.freq_base} is absent. */
    private static final double DEFAULT_ROPE_BASE = 10000.0;
    /** llama.cpp's default when {@code {arch}.attention.layer_norm_rms_epsilon} is absent. */
    private static final double DEFAULT_RMS_EPS = 1e-5;

    private GgufModelConfig() {
    }

    static ModelConfig from(GgufFile file) {
        String source = file.name();
        GgufArchitecture arch = GgufArchitecture.of(file.getString("general.architecture"), source);
        String p = arch.ggufName + ".";

        int hidden = positive(file, p + "embedding_length");
        int heads = positive(file, p + "attention.head_count");
        int kvHeads = file.has(p + "attention.head_count_kv") ? positive(file, p + "attention.head_count_kv") : heads;
        int headDim;
        if (file.has(p + "attention.key_length")) {
            headDim = positive(file, p + "attention.key_length");
        } else {
            if (hidden % heads != 0) {
                throw new CanalException(source + ": " + p + "embedding_length " + hidden + " is not a multiple of "
                        + p + "attention.head_count " + heads + " and " + p + "attention.key_length is missing");
            }
            headDim = hidden / heads;
        }
        if (file.has(p + "attention.value_length") && positive(file, p + "attention.value_length") != headDim) {
            throw new CanalException(source + ": " + p + "attention.value_length differs from key_length "
                    + headDim + " (canal's attention needs equal key and value head sizes)");
        }
        if (heads % kvHeads != 0) {
            throw new CanalException(source + ": " + p + "attention.head_count " + heads
                    + " is not a multiple of " + p + "attention.head_count_kv " + kvHeads);
        }
        int rotaryDim = file.has(p + "rope.dimension_count") ? positive(file, p + "rope.dimension_count") : headDim;
        if (rotaryDim > headDim) {
            throw new CanalException(source + ": " + p + "rope.dimension_count " + rotaryDim
                    + " exceeds the head size " + headDim);
        }
        double ropeBase = file.findFloat(p + "rope.freq_base").map(Float::doubleValue).orElse(DEFAULT_ROPE_BASE);
        int context = positive(file, p + "context_length");
        boolean tied = file.findTensor("output.weight").isEmpty();
        boolean attentionBias = arch.qkvBias || file.findTensor("blk.0.attn_q.bias").isPresent();
        ModelConfig config = new ModelConfig(
                source,
                List.of(arch.hfClass),
                arch.ggufName,
                hidden,
                positive(file, p + "feed_forward_length"),
                positive(file, p + "block_count"),
                heads,
                kvHeads,
                headDim,
                vocabSize(file, p),
                context,
                file.findFloat(p + "attention.layer_norm_rms_epsilon").map(Float::doubleValue).orElse(DEFAULT_RMS_EPS),
                ropeBase,
                ropeScaling(file, p),
                (double) rotaryDim / headDim,
                "silu",
                attentionBias,
                false,
                tied,
                0,
                arch.ropeInterleaved,
                file.findTensor("token_embd.weight").map(t -> t.type().name()).orElse(""),
                tokenIds(file, "tokenizer.ggml.bos_token_id"),
                tokenIds(file, "tokenizer.ggml.eos_token_id"),
                null,
                null);
        Optional<GgufTensor> ropeFactors = file.findTensor(RopeFrequencyFactors.TENSOR);
        return ropeFactors.isPresent() ? RopeFrequencyFactors.apply(config, ropeFactors.get(), file, p) : config;
    }

    /** {arch}.vocab_size, else the vocabulary's length, else token_embd's rows (llama.cpp's order). */
    private static int vocabSize(GgufFile file, String p) {
        if (file.has(p + "vocab_size")) return positive(file, p + "vocab_size");
        if (file.has("tokenizer.ggml.tokens")) return file.getArray("tokenizer.ggml.tokens").size();
        GgufTensor embd = file.findTensor("token_embd.weight").orElseThrow(() -> new CanalException(file.name()
                + ": neither " + p + "vocab_size, tokenizer.ggml.tokens nor token_embd.weight gives the vocabulary size"));
        return Math.toIntExact(embd.shape()[0]);
    }

    /**
     * {arch}.rope.scaling.type (none, linear, yarn) with .factor and .original_context_length; files from before
     * that key carry only {arch}.rope.scale_linear.
     */
    private static RopeScaling ropeScaling(GgufFile file, String p) {
        String type = file.findString(p + "rope.scaling.type").orElse("");
        if (type.isEmpty() && file.has(p + "rope.scale_linear")) {
            float factor = file.getFloat(p + "rope.scale_linear");
            return factor == 1f ? null : scaling("linear", factor, 0, file, p);
        }
        return switch (type) {
            case "", "none" -> null;
            case "linear", "yarn" -> {
                float factor = file.getFloat(p + "rope.scaling.factor");
                int original = file.findInt(p + "rope.scaling.original_context_length").orElse(0);
                yield factor == 1f && type.equals("linear") ? null : scaling(type, factor, original, file, p);
            }
            default -> throw new CanalException(file.name() + ": " + p + "rope.scaling.type \"" + type
                    + "\" is not supported (supported: none, linear, yarn)");
        };
    }

    private static RopeScaling scaling(String type, double factor, int original, GgufFile file, String p) {
        if (!(factor > 0)) {
            throw new CanalException(file.name() + ": " + p + "rope.scaling.factor " + factor + " must be positive");
        }
        double betaFast = file.findFloat(p + "rope.scaling.yarn_beta_fast").map(Float::doubleValue).orElse(32.0);
        double betaSlow = file.findFloat(p + "rope.scaling.yarn_beta_slow").map(Float::doubleValue).orElse(1.0);
        // llama.cpp multiplies YaRN's own magnitude scale (0.1 ln(factor) + 1) by attn_factor; transformers'
        // attention_factor replaces it, so the product is what to hand over.
        double attnFactor = file.findFloat(p + "rope.scaling.attn_factor")
                .map(f -> f * (factor <= 1 ? 1.0 : 0.1 * Math.log(factor) + 1.0)).orElse(Double.NaN);
        return new RopeScaling(type, factor, Double.NaN, Double.NaN, original, betaFast, betaSlow, Double.NaN,
                Double.NaN, attnFactor);
    }

    private static int positive(GgufFile file, String key) {
        int v = file.getInt(key);
        if (v <= 0) throw new CanalException(file.name() + ": metadata key " + key + " = " + v + " must be positive");
        return v;
    }

    private static List<Integer> tokenIds(GgufFile file, String key) {
        List<Integer> ids = new ArrayList<>();
        if (file.has(key)) {
            long id = file.getLong(key);
            // 0xFFFFFFFF (-1 as UINT32) is how converters write "no such token".
            if (id >= 0 && id < 0xFFFF_FFFFL && id <= Integer.MAX_VALUE) ids.add((int) id);
        }
        return List.copyOf(ids);
    }
}
