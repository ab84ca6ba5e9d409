package dev.canal.engine.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.canal.engine.api.CanalException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code ropeInterleaved}: RoPE pairs dimensions (2i, 2i+1) rather than Hugging Face's (i, i + d/2). Never so in a
 * config.json; true for GGUF Llama files, whose converter permuted the Q/K rows to suit that pairing.
 * <p>
 * The typed subset of a Hugging Face config.json that decoder architectures read (Llama, Mistral, Qwen2, Qwen3).
 * Unknown fields are kept in {@link #raw()} and otherwise ignored: HF configs carry many training-only fields.
 */
public record ModelConfig(
        String source,
        List<String> architectures,
        String modelType,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numKeyValueHeads,
        int headDim,
        int vocabSize,
        int maxPositionEmbeddings,
        double rmsNormEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        double partialRotaryFactor,
        String hiddenAct,
        boolean attentionBias,
        boolean mlpBias,
        boolean tieWordEmbeddings,
        int slidingWindow,
        boolean ropeInterleaved,
        String torchDtype,
        List<Integer> bosTokenIds,
        List<Integer> eosTokenIds,
        JsonNode quantizationConfig,
        JsonNode raw) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reads and validates {@code config.json}. */
    public static ModelConfig read(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new CanalException(file + ": not found (a Hugging Face model directory needs config.json)");
        } catch (IOException e) {
            throw new CanalException(file + ": not valid JSON: " + firstLine(e.getMessage()));
        }
        return fromJson(root, file.toString());
    }

    public static ModelConfig fromJson(JsonNode root, String source) {
        if (root == null || !root.isObject()) {
            throw new CanalException(source + ": expected a JSON object");
        }
        // Multimodal wrappers (e.g. Qwen3-VL) nest the language model's fields under text_config.
        JsonNode c = root.has("text_config") && root.get("text_config").isObject() ? root.get("text_config") : root;
        List<String> archs = new ArrayList<>();
        if (root.path("architectures").isArray()) root.get("architectures").forEach(a -> archs.add(a.asText()));
        String modelType = root.path("model_type").asText("");

        int hidden = requiredInt(c, "hidden_size", source);
        int heads = requiredInt(c, "num_attention_heads", source);
        int kvHeads = c.hasNonNull("num_key_value_heads") ? positiveInt(c, "num_key_value_heads", source) : heads;
        int headDim = c.hasNonNull("head_dim") ? positiveInt(c, "head_dim", source) : 0;
        if (headDim == 0) {
            if (hidden % heads != 0) {
                throw new CanalException(source + ": hidden_size " + hidden + " is not a multiple of num_attention_heads "
                        + heads + " and no head_dim is given");
            }
            headDim = hidden / heads;
        }
        if (heads % kvHeads != 0) {
            throw new CanalException(source + ": num_attention_heads " + heads
                    + " is not a multiple of num_key_value_heads " + kvHeads);
        }
        int sliding = 0;
        if (c.hasNonNull("sliding_window") && c.path("use_sliding_window").asBoolean(true)) {
            sliding = c.get("sliding_window").asInt(0);
        }
        return new ModelConfig(
                source,
                List.copyOf(archs),
                modelType,
                hidden,
                requiredInt(c, "intermediate_size", source),
                requiredInt(c, "num_hidden_layers", source),
                heads,
                kvHeads,
                headDim,
                requiredInt(c, "vocab_size", source),
                c.path("max_position_embeddings").asInt(4096),
                c.path("rms_norm_eps").asDouble(1e-6),
                c.path("rope_theta").asDouble(10000.0),
                ropeScaling(c.get("rope_scaling"), source),
                c.path("partial_rotary_factor").asDouble(1.0),
                c.path("hidden_act").asText("silu"),
                c.path("attention_bias").asBoolean(false),
                c.path("mlp_bias").asBoolean(false),
                root.path("tie_word_embeddings").asBoolean(c.path("tie_word_embeddings").asBoolean(false)),
                sliding,
                false,
                c.path("torch_dtype").asText(root.path("torch_dtype").asText(root.path("dtype").asText(""))),
                tokenIds(c.get("bos_token_id")),
                tokenIds(c.get("eos_token_id")),
                root.get("quantization_config"),
                root);
    }

    private static RopeScaling ropeScaling(JsonNode n, String source) {
        if (n == null || n.isNull()) return null;
        if (!n.isObject()) throw new CanalException(source + ": rope_scaling must be an object or null");
        String type = n.hasNonNull("rope_type") ? n.get("rope_type").asText() : n.path("type").asText("");
        if (type.isEmpty()) throw new CanalException(source + ": rope_scaling has neither rope_type nor type");
        return new RopeScaling(
                type,
                n.path("factor").asDouble(1.0),
                n.path("low_freq_factor").asDouble(Double.NaN),
                n.path("high_freq_factor").asDouble(Double.NaN),
                n.path("original_max_position_embeddings").asInt(0),
                n.path("beta_fast").asDouble(32),
                n.path("beta_slow").asDouble(1),
                n.path("mscale").asDouble(Double.NaN),
                n.path("mscale_all_dim").asDouble(Double.NaN),
                n.path("attention_factor").asDouble(Double.NaN));
    }

    static List<Integer> tokenIds(JsonNode n) {
        List<Integer> ids = new ArrayList<>();
        if (n == null || n.isNull()) return ids;
        if (n.isArray()) n.forEach(x -> ids.add(x.asInt()));
        else if (n.isNumber()) ids.add(n.asInt());
        return List.copyOf(ids);
    }

    private static int requiredInt(JsonNode c, String field, String source) {
        if (!c.hasNonNull(field)) throw new CanalException(source + ": missing field \"" + field + "\"");
        return positiveInt(c, field, source);
    }

    private static int positiveInt(JsonNode c, String field, String source) {
        JsonNode v = c.get(field);
        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() <= 0) {
            throw new CanalException(source + ": field \"" + field + "\" must be a positive integer, found " + v);
        }
        return v.asInt();
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    public int qDim() {
        return numAttentionHeads * headDim;
    }

    public int kvDim() {
        return numKeyValueHeads * headDim;
    }
}
