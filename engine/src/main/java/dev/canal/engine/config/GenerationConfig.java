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
 * The model author's sampling defaults from {@code generation_config.json}. Every field is optional: null (or an
 * empty list) means "not given", so the caller can layer its own defaults and user flags on top. Fields that
 * transformers reads but canal does not (max_length, pad_token_id, ...) are ignored.
 */
public record GenerationConfig(
        List<Integer> eosTokenIds,
        Integer bosTokenId,
        Double temperature,
        Double topP,
        Integer topK,
        Double repetitionPenalty,
        Boolean doSample) {

    public static final String FILE_NAME = "generation_config.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    public GenerationConfig {
        eosTokenIds = eosTokenIds == null ? List.of() : List.copyOf(eosTokenIds);
    }

    /** No file: nothing given. */
    public static GenerationConfig empty() {
        return new GenerationConfig(List.of(), null, null, null, null, null, null);
    }

    /** Reads {@code dir/generation_config.json}; a directory without one yields {@link #empty()}. */
    public static GenerationConfig read(Path dir) {
        Path file = dir.resolve(FILE_NAME);
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            return empty();
        } catch (IOException e) {
            String why = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            throw new CanalException(file + ": not valid JSON: " + why);
        }
        return fromJson(root, file.toString());
    }

    public static GenerationConfig fromJson(JsonNode root, String source) {
        if (root == null || !root.isObject()) throw new CanalException(source + ": expected a JSON object");
        return new GenerationConfig(
                eosIds(root.get("eos_token_id"), source),
                integer(root, "bos_token_id", source),
                number(root, "temperature", source),
                number(root, "top_p", source),
                integer(root, "top_k", source),
                number(root, "repetition_penalty", source),
                bool(root, "do_sample", source));
    }

    /** eos_token_id is a single id or, for chat models with several end tokens, a list of ids. */
    private static List<Integer> eosIds(JsonNode n, String source) {
        List<Integer> ids = new ArrayList<>();
        if (n == null || n.isNull()) return ids;
        if (isInt(n)) {
            ids.add(n.intValue());
        } else if (n.isArray()) {
            for (JsonNode x : n) {
                if (!isInt(x)) throw new CanalException(source + ": eos_token_id list holds a non-integer " + x);
                ids.add(x.intValue());
            }
        } else {
            throw new CanalException(source + ": eos_token_id must be an integer or a list of integers, found " + n);
        }
        return ids;
    }

    private static Integer integer(JsonNode root, String field, String source) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) return null;
        if (!isInt(n)) throw new CanalException(source + ": field \"" + field + "\" must be an integer, found " + n);
        return n.intValue();
    }

    private static Double number(JsonNode root, String field, String source) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) return null;
        if (!n.isNumber()) throw new CanalException(source + ": field \"" + field + "\" must be a number, found " + n);
        return n.doubleValue();
    }

    private static Boolean bool(JsonNode root, String field, String source) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) return null;
        if (!n.isBoolean()) throw new CanalException(source + ": field \"" + field + "\" must be true or false, found " + n);
        return n.booleanValue();
    }

    private static boolean isInt(JsonNode n) {
        return n.isIntegralNumber() && n.canConvertToInt();
    }
}
