package dev.canal.engine.quant.compressed;

import com.fasterxml.jackson.databind.JsonNode;
import dev.canal.engine.api.CanalException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One compressed-tensors config group whose weights are stored "pack-quantized": integer weights of 4 or 8 bits,
 * one scale (and, when asymmetric, one zero point) per group of inputs or per output channel.
 *
 * @param name      the config group's key ("group_0"), for messages
 * @param bits      4 or 8
 * @param groupSize inputs per group; −1 for the "channel" strategy (one group per row)
 * @param symmetric whether the zero point is 0 (no weight_zero_point tensor)
 * @param targets   module names ("re:" regular expressions, exact names) or class names ("Linear") it applies to
 */
record PackQuantizedScheme(String name, int bits, int groupSize, boolean symmetric, List<String> targets) {

    static PackQuantizedScheme of(String source, String name, JsonNode group) {
        String where = source + " config_groups." + name;
        JsonNode w = group.path("weights");
        if (!w.isObject()) throw new CanalException(where + ": no \"weights\" object (weight-only integer schemes)");
        String type = w.path("type").asText("int");
        if (!type.equals("int")) {
            throw new CanalException(where + ".weights: \"type\" is \"" + type + "\"; pack-quantized holds \"int\"");
        }
        int bits = w.path("num_bits").asInt(-1);
        if (bits != 4 && bits != 8) {
            throw new CanalException(where + ".weights: \"num_bits\" is " + w.path("num_bits")
                    + "; canal reads int4 and int8 pack-quantized weights");
        }
        String strategy = w.path("strategy").asText("").toLowerCase(Locale.ROOT);
        int groupSize;
        switch (strategy) {
            case "group" -> {
                groupSize = w.path("group_size").asInt(-1);
                if (groupSize <= 0) {
                    throw new CanalException(where + ".weights: strategy \"group\" with \"group_size\" "
                            + w.path("group_size") + ", expected a positive size");
                }
            }
            case "channel" -> groupSize = -1;
            default -> throw new CanalException(where + ".weights: strategy \"" + strategy + "\" is not supported "
                    + "(canal reads \"group\" and \"channel\")");
        }
        if (w.path("dynamic").asBoolean(false)) {
            throw new CanalException(where + ".weights: \"dynamic\": true has no stored scales to read");
        }
        JsonNode input = group.get("input_activations");
        if (input != null && !input.isNull()) {
            throw new CanalException(where + ": \"input_activations\" are quantized too; canal runs weight-only "
                    + "pack-quantized schemes (W4A16, W8A16)");
        }
        List<String> targets = new ArrayList<>();
        JsonNode t = group.path("targets");
        if (t.isArray()) for (JsonNode e : t) targets.add(e.asText());
        if (targets.isEmpty()) throw new CanalException(where + ": no \"targets\"");
        for (String target : targets) {
            if (target.startsWith("re:")) {
                try {
                    Pattern.compile(target.substring(3));
                } catch (PatternSyntaxException e) {
                    throw new CanalException(where + ": target \"" + target + "\" is not a valid regular expression");
                }
            }
        }
        return new PackQuantizedScheme(name, bits, groupSize, w.path("symmetric").asBoolean(true),
                List.copyOf(targets));
    }

    /**
     * How specifically this scheme names {@code module}: 3 an exact name, 2 a regular expression (matched at the
     * start, as Python's re.match), 1 a class name such as "Linear" (every linear layer), 0 not at all.
     */
    int match(String module) {
        int best = 0;
        for (String target : targets) best = Math.max(best, matchOne(target, module));
        return best;
    }

    static int matchOne(String target, String module) {
        if (target.startsWith("re:")) return Pattern.compile(target.substring(3)).matcher(module).lookingAt() ? 2 : 0;
        if (target.equals(module)) return 3;
        // A target without dots that is no module's name is a module class; canal's packed layers are all linear.
        return !target.contains(".") && Character.isUpperCase(target.charAt(0)) ? 1 : 0;
    }

    int perWord() {
        return 32 / bits;
    }

    String describe() {
        return "compressed-tensors int" + bits + " " + (groupSize == -1 ? "per-channel" : "g" + groupSize)
                + (symmetric ? " sym" : " asym");
    }
}
