package dev.canal.engine.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Python's json.dumps as transformers' tojson filter calls it (ensure_ascii=False by default), including the
 * spacing rules: ", " and ": " without indent, "," and ": " with indent, and custom separators.
 */
final class PyJson {
    private final String indent;
    private final String itemSeparator;
    private final String keySeparator;
    private final boolean sortKeys;
    private final boolean ensureAscii;

    PyJson(String indent, String itemSeparator, String keySeparator, boolean sortKeys, boolean ensureAscii) {
        this.indent = indent;
        this.itemSeparator = itemSeparator != null ? itemSeparator : indent != null ? "," : ", ";
        this.keySeparator = keySeparator != null ? keySeparator : ": ";
        this.sortKeys = sortKeys;
        this.ensureAscii = ensureAscii;
    }

    String dumps(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, 0);
        return sb.toString();
    }

    private void write(StringBuilder sb, Object value, int level) {
        switch (value) {
            case null -> sb.append("null");
            case Boolean b -> sb.append(b ? "true" : "false");
            case Long l -> sb.append(l);
            case Double d -> sb.append(floatJson(d));
            case String s -> quote(sb, s);
            case List<?> l -> {
                if (l.isEmpty()) {
                    sb.append("[]");
                    return;
                }
                sb.append('[');
                for (int i = 0; i < l.size(); i++) {
                    sb.append(i == 0 ? "" : itemSeparator);
                    newline(sb, level + 1);
                    write(sb, l.get(i), level + 1);
                }
                newline(sb, level);
                sb.append(']');
            }
            case Map<?, ?> m -> {
                if (m.isEmpty()) {
                    sb.append("{}");
                    return;
                }
                List<Map.Entry<String, Object>> entries = new ArrayList<>();
                m.forEach((k, v) -> entries.add(Map.entry(key(k), v == null ? NULL : v)));
                if (sortKeys) {
                    entries.sort((a, b) -> PyStrings.compare(a.getKey(), b.getKey()));
                }
                sb.append('{');
                for (int i = 0; i < entries.size(); i++) {
                    sb.append(i == 0 ? "" : itemSeparator);
                    newline(sb, level + 1);
                    quote(sb, entries.get(i).getKey());
                    sb.append(keySeparator);
                    Object v = entries.get(i).getValue();
                    write(sb, v == NULL ? null : v, level + 1);
                }
                newline(sb, level);
                sb.append('}');
            }
            default -> throw TemplateError.runtime("Object of type " + PyOps.typeName(value) + " is not JSON serializable");
        }
    }

    /** Map.entry refuses null values; this stands in for None while sorting. */
    private static final Object NULL = new Object();

    private void newline(StringBuilder sb, int level) {
        if (indent != null) {
            sb.append('\n').append(indent.repeat(level));
        }
    }

    private static String key(Object k) {
        return switch (k) {
            case String s -> s;
            case null -> "null";
            case Boolean b -> b ? "true" : "false";
            case Long l -> l.toString();
            case Double d -> floatJson(d);
            default -> throw TemplateError.runtime("keys must be str, int, float, bool or None, not " + PyOps.typeName(k));
        };
    }

    private static String floatJson(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        return PyOps.floatRepr(d);
    }

    private void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7e)) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
