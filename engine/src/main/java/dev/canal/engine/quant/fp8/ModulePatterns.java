package dev.canal.engine.quant.fp8;

import com.fasterxml.jackson.databind.JsonNode;
import dev.canal.engine.api.CanalException;
import dev.canal.engine.quant.QuantizationConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The lists of modules a quantization config leaves in float, as predicates over module names
 * ("model.layers.0.mlp.down_proj"): compressed-tensors' {@code ignore} (a name, or {@code re:} and a regex matched
 * at the start of the name, as Python's re.match), ModelOpt's {@code exclude_modules} / {@code ignore} (shell
 * wildcards, as fnmatch) and the plain names of {@code ignored_layers} / {@code modules_to_not_convert}.
 */
public final class ModulePatterns {

    private ModulePatterns() {
    }

    /** The strings of the array fields {@code fields} of the config (absent or null fields count as empty). */
    public static List<String> strings(QuantizationConfig config, String... fields) {
        List<String> out = new ArrayList<>();
        for (String field : fields) {
            JsonNode v = config.node().get(field);
            if (v == null || v.isNull()) continue;
            if (!v.isArray()) {
                throw new CanalException(config.source() + ": \"" + field + "\" is " + v + ", expected a list of "
                        + "module names");
            }
            for (JsonNode e : v) {
                if (!e.isTextual()) {
                    throw new CanalException(config.source() + ": \"" + field + "\" holds " + e
                            + ", expected module names");
                }
                out.add(e.asText());
            }
        }
        return out;
    }

    /** compressed-tensors' ignore list: exact names, or "re:" regexes matched from the start of the name. */
    public static Predicate<String> compressedTensors(List<String> ignore, String source) {
        List<Predicate<String>> tests = new ArrayList<>();
        for (String entry : ignore) {
            if (entry.startsWith("re:")) {
                Pattern p = compile(entry.substring(3), entry, source);
                tests.add(name -> p.matcher(name).lookingAt());
            } else {
                tests.add(entry::equals);
            }
        }
        return anyOf(tests);
    }

    /** Shell wildcards ('*' any run, '?' one character), matched against the whole name, as fnmatch. */
    public static Predicate<String> wildcards(List<String> patterns, String source) {
        List<Predicate<String>> tests = new ArrayList<>();
        for (String entry : patterns) {
            StringBuilder regex = new StringBuilder();
            for (char c : entry.toCharArray()) {
                switch (c) {
                    case '*' -> regex.append(".*");
                    case '?' -> regex.append('.');
                    default -> regex.append(Pattern.quote(String.valueOf(c)));
                }
            }
            Pattern p = compile(regex.toString(), entry, source);
            tests.add(name -> p.matcher(name).matches());
        }
        return anyOf(tests);
    }

    /** Plain module names. */
    public static Predicate<String> exact(List<String> names) {
        List<String> copy = List.copyOf(names);
        return copy::contains;
    }

    private static Predicate<String> anyOf(List<Predicate<String>> tests) {
        return name -> {
            for (Predicate<String> t : tests) if (t.test(name)) return true;
            return false;
        };
    }

    private static Pattern compile(String regex, String entry, String source) {
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new CanalException(source + ": ignore entry \"" + entry + "\" is not a valid pattern ("
                    + e.getDescription() + ")");
        }
    }
}
