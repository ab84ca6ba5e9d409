package dev.canal.engine.template;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads a call's arguments by position or keyword, Python style, and rejects unknown or surplus ones. */
final class CallArgs {
    private static final Object MISSING = new Object();

    private final String function;
    private final List<Object> args;
    private final Map<String, Object> kwargs;
    private final Set<String> usedKeywords = new HashSet<>();
    private int maxPosition;

    CallArgs(String function, List<Object> args, Map<String, Object> kwargs) {
        this.function = function;
        this.args = args;
        this.kwargs = kwargs;
    }

    /** The argument at position (or named name), or the default when absent. */
    Object get(int position, String name, Object defaultValue) {
        maxPosition = Math.max(maxPosition, position + 1);
        Object v = position < args.size() ? args.get(position) : MISSING;
        if (name != null && kwargs.containsKey(name)) {
            if (v != MISSING) {
                throw TemplateError.runtime(function + "() got multiple values for argument '" + name + "'");
            }
            usedKeywords.add(name);
            v = kwargs.get(name);
        }
        return v == MISSING ? defaultValue : v;
    }

    Object required(int position, String name) {
        Object v = get(position, name, MISSING);
        if (v == MISSING) {
            throw TemplateError.runtime(function + "() missing required argument '" + name + "'");
        }
        return v;
    }

    String string(int position, String name, String defaultValue) {
        Object v = get(position, name, defaultValue);
        if (v != null && !(v instanceof String)) {
            throw TemplateError.runtime(function + "() argument '" + name + "' must be str, not " + PyOps.typeName(v));
        }
        return (String) v;
    }

    long integer(int position, String name, long defaultValue) {
        Object v = get(position, name, defaultValue);
        if (v == null) {
            return defaultValue;
        }
        if (!PyOps.isInt(v)) {
            throw TemplateError.runtime(function + "() argument '" + name + "' must be int, not " + PyOps.typeName(v));
        }
        return PyOps.asLong(v);
    }

    boolean bool(int position, String name, boolean defaultValue) {
        return PyOps.truthy(get(position, name, defaultValue));
    }

    List<Object> rest(int from) {
        maxPosition = Math.max(maxPosition, args.size());
        return from >= args.size() ? List.of() : args.subList(from, args.size());
    }

    /** All keyword arguments, taken as read (for filters such as map that pass them on). */
    Map<String, Object> keywords() {
        usedKeywords.addAll(kwargs.keySet());
        return kwargs;
    }

    /** Call after reading every argument: surplus positional or unknown keyword arguments are errors. */
    void done() {
        if (args.size() > maxPosition) {
            throw TemplateError.runtime(function + "() takes at most " + maxPosition + " positional argument(s) ("
                    + args.size() + " given)");
        }
        for (String k : kwargs.keySet()) {
            if (!usedKeywords.contains(k)) {
                throw TemplateError.runtime(function + "() got an unexpected keyword argument '" + k + "'");
            }
        }
    }
}
