package dev.canal.engine.quant.fp8;

import com.fasterxml.jackson.databind.JsonNode;
import dev.canal.engine.api.CanalException;
import dev.canal.engine.quant.QuantizationConfig;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * What the FP8 and NVFP4 readers need from a compressed-tensors {@code quantization_config}: the storage format
 * (top level, or the one every config group names under "mixed-precision") and each group's weight arguments.
 */
public final class CompressedTensors {
    public static final String METHOD = "compressed-tensors";

    private CompressedTensors() {
    }

    /** The format the layers are stored in, or "" when none is named or the groups disagree. */
    public static String format(QuantizationConfig config) {
        String top = config.node().path("format").asText("");
        if (!top.isEmpty() && !top.equals("mixed-precision")) return top;
        String common = null;
        for (JsonNode group : groups(config).values()) {
            String f = group.path("format").asText("");
            if (f.isEmpty() || (common != null && !common.equals(f))) return top;
            common = f;
        }
        return common == null ? top : common;
    }

    /** Group name → group object of "config_groups" (empty when there is none). */
    public static Map<String, JsonNode> groups(QuantizationConfig config) {
        JsonNode groups = config.node().path("config_groups");
        Map<String, JsonNode> out = new java.util.LinkedHashMap<>();
        if (!groups.isObject()) return out;
        for (Iterator<Map.Entry<String, JsonNode>> it = groups.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(e.getKey(), e.getValue());
        }
        return out;
    }

    /** Each group's "weights" arguments, named "config_groups.<group>.weights" for messages. */
    public static List<Map.Entry<String, JsonNode>> weightArgs(QuantizationConfig config) {
        List<Map.Entry<String, JsonNode>> out = new ArrayList<>();
        for (Map.Entry<String, JsonNode> g : groups(config).entrySet()) {
            JsonNode w = g.getValue().path("weights");
            if (w.isObject()) out.add(Map.entry("config_groups." + g.getKey() + ".weights", w));
        }
        if (out.isEmpty()) {
            throw new CanalException(config.source() + ": no config_groups with \"weights\" arguments");
        }
        return out;
    }

    /** An integer argument, or {@code fallback} when absent or null. */
    public static int intArg(JsonNode args, String field, int fallback, String where) {
        JsonNode v = args.get(field);
        if (v == null || v.isNull()) return fallback;
        if (!v.canConvertToInt() || !v.canConvertToExactIntegral()) {
            throw new CanalException(where + ": \"" + field + "\" is " + v + ", expected an integer");
        }
        return v.asInt();
    }
}
