package dev.canal.engine.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The Python methods templates call on strings, dicts and lists. Methods that mutate a list or dict are refused
 * exactly as jinja2's ImmutableSandboxedEnvironment refuses them (an Undefined that fails when called).
 */
final class PyMethods {
    private static final Set<String> MUTATING_LIST = Set.of("append", "clear", "pop", "reverse", "insert", "sort",
            "extend", "remove");
    private static final Set<String> MUTATING_DICT = Set.of("clear", "pop", "popitem", "setdefault", "update");

    private PyMethods() {
    }

    /** A bound method, an Undefined for a refused mutating method, or null when the type has no such method. */
    static Object lookup(Object self, String name) {
        return switch (self) {
            case String s -> stringMethod(s, name);
            case Map<?, ?> m -> MUTATING_DICT.contains(name) ? unsafe("dict", name) : dictMethod(m, name);
            case PyTuple t -> sequenceMethod(t, name);
            case List<?> l -> MUTATING_LIST.contains(name) ? unsafe("list", name) : sequenceMethod(l, name);
            case null, default -> null;
        };
    }

    private static Undefined unsafe(String type, String name) {
        return new Undefined("access to attribute '" + name + "' of '" + type + "' object is unsafe.");
    }

    private static PyCallable dictMethod(Map<?, ?> m, String name) {
        return switch (name) {
            case "get" -> (args, kwargs) -> {
                CallArgs a = new CallArgs("get", args, kwargs);
                Object key = a.required(0, null);
                Object def = a.get(1, null, null);
                a.done();
                Object found = PyOps.findKey(m, key);
                return found != PyOps.NO_KEY ? m.get(found) : def;
            };
            case "items" -> noArgs(name, () -> {
                List<Object> out = new ArrayList<>();
                m.forEach((k, v) -> out.add(PyTuple.of(k, v)));
                return out;
            });
            case "keys" -> noArgs(name, () -> new ArrayList<Object>(m.keySet()));
            case "values" -> noArgs(name, () -> new ArrayList<Object>(m.values()));
            case "copy" -> noArgs(name, () -> new java.util.LinkedHashMap<Object, Object>(m));
            default -> null;
        };
    }

    private static PyCallable sequenceMethod(List<?> l, String name) {
        return switch (name) {
            case "index" -> (args, kwargs) -> {
                Object x = new CallArgs("index", args, kwargs).required(0, null);
                for (int i = 0; i < l.size(); i++) {
                    if (PyOps.eq(l.get(i), x)) {
                        return (long) i;
                    }
                }
                throw TemplateError.runtime(PyOps.repr(x) + " is not in list");
            };
            case "count" -> (args, kwargs) -> {
                Object x = new CallArgs("count", args, kwargs).required(0, null);
                return l.stream().filter(v -> PyOps.eq(v, x)).count();
            };
            case "copy" -> l instanceof PyTuple ? null : noArgs(name, () -> new ArrayList<Object>(l));
            default -> null;
        };
    }

    private static PyCallable noArgs(String name, java.util.function.Supplier<Object> body) {
        return (args, kwargs) -> {
            new CallArgs(name, args, kwargs).done();
            return body.get();
        };
    }

    private static PyCallable stringMethod(String s, String name) {
        return switch (name) {
            case "startswith", "endswith" -> (args, kwargs) -> {
                CallArgs a = new CallArgs(name, args, kwargs);
                Object affix = a.required(0, null);
                String target = (String) PyAccess.slice(s, new PyAccess.SliceValue(a.get(1, null, null),
                        a.get(2, null, null), null));
                a.done();
                List<?> options = affix instanceof PyTuple t ? t : List.of(affix);
                for (Object o : options) {
                    if (!(o instanceof String x)) {
                        throw TemplateError.runtime(name + " first arg must be str or a tuple of str, not "
                                + PyOps.typeName(o));
                    }
                    if (name.equals("startswith") ? target.startsWith(x) : target.endsWith(x)) {
                        return true;
                    }
                }
                return false;
            };
            case "split", "rsplit" -> (args, kwargs) -> {
                CallArgs a = new CallArgs(name, args, kwargs);
                String sep = a.string(0, "sep", null);
                long max = a.integer(1, "maxsplit", -1);
                a.done();
                return PyStrings.split(s, sep, max, name.equals("rsplit"));
            };
            case "strip", "lstrip", "rstrip" -> (args, kwargs) -> {
                CallArgs a = new CallArgs(name, args, kwargs);
                String chars = a.string(0, "chars", null);
                a.done();
                return PyStrings.strip(s, chars, !name.equals("rstrip"), !name.equals("lstrip"));
            };
            case "upper" -> noArgs(name, () -> s.toUpperCase(Locale.ROOT));
            case "lower" -> noArgs(name, () -> s.toLowerCase(Locale.ROOT));
            case "casefold" -> noArgs(name, () -> s.toUpperCase(Locale.ROOT).toLowerCase(Locale.ROOT));
            case "title" -> noArgs(name, () -> PyStrings.title(s));
            case "capitalize" -> noArgs(name, () -> PyStrings.capitalize(s));
            case "replace" -> (args, kwargs) -> {
                CallArgs a = new CallArgs(name, args, kwargs);
                String old = a.string(0, "old", null);
                String replacement = a.string(1, "new", null);
                long count = a.integer(2, "count", -1);
                a.done();
                if (old == null || replacement == null) {
                    throw TemplateError.runtime("replace() takes at least 2 arguments");
                }
                return PyStrings.replace(s, old, replacement, count);
            };
            case "find", "rfind", "index", "rindex", "count" -> (args, kwargs) -> {
                CallArgs a = new CallArgs(name, args, kwargs);
                String sub = a.string(0, "sub", null);
                a.done();
                if (sub == null) {
                    throw TemplateError.runtime(name + "() takes at least 1 argument");
                }
                if (name.equals("count")) {
                    return sub.isEmpty() ? (long) PyOps.len(s) + 1 : (long) PyStrings.split(s, sub, -1, false).size() - 1;
                }
                int at = name.startsWith("r") ? s.lastIndexOf(sub) : s.indexOf(sub);
                if (at < 0 && name.contains("index")) {
                    throw TemplateError.runtime("substring not found");
                }
                return PyStrings.codePointIndex(s, at);
            };
            case "join" -> (args, kwargs) -> {
                CallArgs a = new CallArgs(name, args, kwargs);
                Object items = a.required(0, "iterable");
                a.done();
                StringBuilder sb = new StringBuilder();
                List<Object> parts = PyOps.iterate(items);
                for (int i = 0; i < parts.size(); i++) {
                    if (!(parts.get(i) instanceof String part)) {
                        throw TemplateError.runtime("sequence item " + i + ": expected str instance, "
                                + PyOps.typeName(parts.get(i)) + " found");
                    }
                    sb.append(i > 0 ? s : "").append(part);
                }
                return sb.toString();
            };
            case "isdigit", "isdecimal", "isnumeric" -> predicate(name, s, Character::isDigit);
            case "isalpha" -> predicate(name, s, Character::isLetter);
            case "isalnum" -> predicate(name, s, Character::isLetterOrDigit);
            case "isspace" -> predicate(name, s, PyChars::isSpace);
            case "islower" -> noArgs(name, () -> hasCased(s) && s.equals(s.toLowerCase(Locale.ROOT)));
            case "isupper" -> noArgs(name, () -> hasCased(s) && s.equals(s.toUpperCase(Locale.ROOT)));
            case "splitlines" -> noArgs(name, () -> PyStrings.splitlines(s));
            case "removeprefix" -> (args, kwargs) -> {
                String p = new CallArgs(name, args, kwargs).string(0, "prefix", "");
                return s.startsWith(p) ? s.substring(p.length()) : s;
            };
            case "removesuffix" -> (args, kwargs) -> {
                String p = new CallArgs(name, args, kwargs).string(0, "suffix", "");
                return !p.isEmpty() && s.endsWith(p) ? s.substring(0, s.length() - p.length()) : s;
            };
            case "zfill" -> (args, kwargs) -> {
                long width = new CallArgs(name, args, kwargs).integer(0, "width", 0);
                int pad = (int) Math.max(0, width - PyOps.len(s));
                boolean signed = s.startsWith("-") || s.startsWith("+");
                return signed ? s.charAt(0) + "0".repeat(pad) + s.substring(1) : "0".repeat(pad) + s;
            };
            case "format" -> (args, kwargs) -> PyStrFormat.format(s, args, kwargs);
            default -> null;
        };
    }

    private static PyCallable predicate(String name, String s, java.util.function.IntPredicate test) {
        return noArgs(name, () -> !s.isEmpty() && s.codePoints().allMatch(test));
    }

    private static boolean hasCased(String s) {
        return s.codePoints().anyMatch(cp -> Character.isUpperCase(cp) || Character.isLowerCase(cp));
    }
}
