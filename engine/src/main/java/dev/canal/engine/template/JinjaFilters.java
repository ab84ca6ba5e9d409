package dev.canal.engine.template;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** jinja2's built-in filters that chat templates use, plus transformers' tojson override. */
final class JinjaFilters {
    @FunctionalInterface
    interface Filter {
        Object apply(Object value, CallArgs args);
    }

    private static final Pattern WORD_BEGINNING = Pattern.compile("([-\\s({\\[<]+)");
    private static final Pattern WORD = Pattern.compile("\\w+", Pattern.UNICODE_CHARACTER_CLASS);
    private static final Map<String, Filter> FILTERS = new LinkedHashMap<>();

    static {
        FILTERS.put("abs", (v, a) -> done(a, v instanceof Double d ? Math.abs(d) : (Object) Math.abs(PyOps.asLong(number(v)))));
        FILTERS.put("attr", (v, a) -> PyAccess.getattr(v, a.string(0, "name", "")));
        FILTERS.put("capitalize", (v, a) -> done(a, PyStrings.capitalize(PyOps.str(v))));
        FILTERS.put("center", (v, a) -> center(PyOps.str(v), (int) a.integer(0, "width", 80)));
        FILTERS.put("default", JinjaFilters::defaultFilter);
        FILTERS.put("d", JinjaFilters::defaultFilter);
        FILTERS.put("dictsort", JinjaFilters::dictsort);
        FILTERS.put("escape", (v, a) -> done(a, escape(PyOps.str(v))));
        FILTERS.put("e", (v, a) -> done(a, escape(PyOps.str(v))));
        FILTERS.put("first", (v, a) -> {
            a.done();
            List<Object> items = PyOps.iterate(v);
            return items.isEmpty() ? new Undefined("No first item, sequence was empty.") : items.getFirst();
        });
        FILTERS.put("last", (v, a) -> {
            a.done();
            List<Object> items = PyOps.iterate(v);
            return items.isEmpty() ? new Undefined("No last item, sequence was empty.") : items.getLast();
        });
        FILTERS.put("batch", JinjaFilters::batch);
        FILTERS.put("format", (v, a) -> {
            // jinja2: soft_str(value) % (kwargs or args)
            Map<String, Object> kw = a.keywords();
            return PyPercentFormat.format(PyOps.str(v), kw.isEmpty() ? new PyTuple(a.rest(0)) : new LinkedHashMap<>(kw));
        });
        FILTERS.put("float", (v, a) -> toFloat(v, a.get(0, "default", 0.0)));
        FILTERS.put("int", (v, a) -> toInt(v, a.get(0, "default", 0L), a.integer(1, "base", 10)));
        FILTERS.put("indent", JinjaFilters::indent);
        FILTERS.put("items", (v, a) -> {
            a.done();
            if (v instanceof Undefined) {
                return List.of();
            }
            if (!(v instanceof Map<?, ?> m)) {
                throw TemplateError.runtime("Can only get item pairs from a mapping.");
            }
            List<Object> out = new ArrayList<>();
            m.forEach((k, x) -> out.add(PyTuple.of(k, x)));
            return out;
        });
        FILTERS.put("join", (v, a) -> {
            String sep = PyOps.str(a.get(0, "d", ""));
            Object attribute = a.get(1, "attribute", null);
            a.done();
            StringBuilder sb = new StringBuilder();
            List<Object> items = PyOps.iterate(v);
            for (int i = 0; i < items.size(); i++) {
                Object item = attribute != null ? attrGetter(attribute, null).apply(items.get(i)) : items.get(i);
                sb.append(i > 0 ? sep : "").append(PyOps.str(item));
            }
            return sb.toString();
        });
        FILTERS.put("length", (v, a) -> done(a, (long) PyOps.len(v)));
        FILTERS.put("count", (v, a) -> done(a, (long) PyOps.len(v)));
        FILTERS.put("list", (v, a) -> done(a, PyOps.iterate(v)));
        FILTERS.put("lower", (v, a) -> done(a, PyOps.str(v).toLowerCase(Locale.ROOT)));
        FILTERS.put("upper", (v, a) -> done(a, PyOps.str(v).toUpperCase(Locale.ROOT)));
        FILTERS.put("title", (v, a) -> done(a, jinjaTitle(PyOps.str(v))));
        FILTERS.put("trim", (v, a) -> {
            String chars = a.string(0, "chars", null);
            a.done();
            return PyStrings.strip(PyOps.str(v), chars, true, true);
        });
        FILTERS.put("replace", (v, a) -> {
            String old = PyOps.str(a.required(0, "old"));
            String replacement = PyOps.str(a.required(1, "new"));
            Object count = a.get(2, "count", null);
            a.done();
            return PyStrings.replace(PyOps.str(v), old, replacement, count == null ? -1 : PyOps.asLong(count));
        });
        FILTERS.put("string", (v, a) -> done(a, PyOps.str(v)));
        FILTERS.put("safe", (v, a) -> done(a, PyOps.str(v)));
        FILTERS.put("reverse", (v, a) -> {
            a.done();
            if (v instanceof String s) {
                return PyAccess.slice(s, new PyAccess.SliceValue(null, null, -1L));
            }
            return PyAccess.slice(PyOps.iterate(v), new PyAccess.SliceValue(null, null, -1L));
        });
        FILTERS.put("map", JinjaFilters::map);
        FILTERS.put("select", (v, a) -> select(v, a, false, true));
        FILTERS.put("reject", (v, a) -> select(v, a, false, false));
        FILTERS.put("selectattr", (v, a) -> select(v, a, true, true));
        FILTERS.put("rejectattr", (v, a) -> select(v, a, true, false));
        FILTERS.put("sort", JinjaFilters::sort);
        FILTERS.put("unique", JinjaFilters::unique);
        FILTERS.put("min", (v, a) -> minMax(v, a, -1));
        FILTERS.put("max", (v, a) -> minMax(v, a, 1));
        FILTERS.put("sum", JinjaFilters::sum);
        FILTERS.put("round", JinjaFilters::round);
        FILTERS.put("wordcount", (v, a) -> {
            a.done();
            Matcher m = WORD.matcher(PyOps.str(v));
            long n = 0;
            while (m.find()) {
                n++;
            }
            return n;
        });
        FILTERS.put("tojson", JinjaFilters::tojson);
    }

    private JinjaFilters() {
    }

    static boolean exists(String name) {
        return FILTERS.containsKey(name);
    }

    static Object apply(String name, Object value, List<Object> args, Map<String, Object> kwargs) {
        Filter f = FILTERS.get(name);
        if (f == null) {
            throw TemplateError.runtime("No filter named '" + name + "'.");
        }
        return f.apply(value, new CallArgs(name, args, kwargs));
    }

    private static Object done(CallArgs a, Object result) {
        a.done();
        return result;
    }

    private static Object number(Object v) {
        if (!PyOps.isNumber(v)) {
            throw TemplateError.runtime("bad operand type for abs(): '" + PyOps.typeName(v) + "'");
        }
        return v;
    }

    private static Object defaultFilter(Object v, CallArgs a) {
        Object fallback = a.get(0, "default_value", "");
        boolean bool = a.bool(1, "boolean", false);
        a.done();
        return v instanceof Undefined || (bool && !PyOps.truthy(v)) ? fallback : v;
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&#34;")
                .replace("'", "&#39;");
    }

    private static String center(String s, int width) {
        int len = PyOps.len(s);
        if (width <= len) {
            return s;
        }
        int marg = width - len;
        int left = marg / 2 + (marg & width & 1);
        return " ".repeat(left) + s + " ".repeat(marg - left);
    }

    /** jinja2's title filter: capitalises after "-", whitespace and opening brackets (not Python's str.title). */
    private static String jinjaTitle(String s) {
        StringBuilder sb = new StringBuilder();
        Matcher m = WORD_BEGINNING.matcher(s);
        int last = 0;
        List<String> items = new ArrayList<>();
        while (m.find()) {
            items.add(s.substring(last, m.start()));
            items.add(m.group());
            last = m.end();
        }
        items.add(s.substring(last));
        for (String item : items) {
            if (!item.isEmpty()) {
                int first = item.codePointAt(0);
                sb.append(new String(Character.toChars(first)).toUpperCase(Locale.ROOT))
                        .append(item.substring(Character.charCount(first)).toLowerCase(Locale.ROOT));
            }
        }
        return sb.toString();
    }

    private static Object toInt(Object v, Object fallback, long base) {
        if (v instanceof Undefined u) {
            throw u.fail();
        }
        if (PyOps.isInt(v)) {
            return PyOps.asLong(v);
        }
        if (v instanceof Double d) {
            return Double.isFinite(d) ? (Object) (long) d.doubleValue() : fallback;
        }
        if (v instanceof String s) {
            String t = PyStrings.strip(s, null, true, true).replace("_", "");
            try {
                return Long.parseLong(t.startsWith("+") ? t.substring(1) : t, (int) base);
            } catch (NumberFormatException e) {
                Object f = toFloat(v, null);
                return f instanceof Double d && Double.isFinite(d) ? (Object) (long) d.doubleValue() : fallback;
            }
        }
        return fallback;
    }

    private static Object toFloat(Object v, Object fallback) {
        if (v instanceof Undefined u) {
            throw u.fail();
        }
        if (PyOps.isNumber(v)) {
            return PyOps.asDouble(v);
        }
        if (v instanceof String s) {
            String t = PyStrings.strip(s, null, true, true).replace("_", "").toLowerCase(Locale.ROOT);
            if (t.matches("[+-]?(inf|infinity|nan)")) {
                return t.contains("nan") ? Double.NaN : t.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
            }
            if (t.matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)(e[+-]?\\d+)?")) {
                return Double.parseDouble(t);
            }
        }
        return fallback;
    }

    private static Object batch(Object v, CallArgs a) {
        long size = a.integer(0, "linecount", 1);
        Object fill = a.get(1, "fill_with", null);
        a.done();
        if (size <= 0) {
            throw TemplateError.runtime("batch size must be positive");
        }
        List<Object> out = new ArrayList<>();
        List<Object> current = new ArrayList<>();
        for (Object item : PyOps.iterate(v)) {
            current.add(item);
            if (current.size() == size) {
                out.add(current);
                current = new ArrayList<>();
            }
        }
        if (!current.isEmpty()) {
            while (fill != null && current.size() < size) {
                current.add(fill);
            }
            out.add(current);
        }
        return out;
    }

    private static Object indent(Object v, CallArgs a) {
        Object width = a.get(0, "width", 4L);
        boolean first = a.bool(1, "first", false);
        boolean blank = a.bool(2, "blank", false);
        a.done();
        String indention = width instanceof String w ? w : " ".repeat((int) PyOps.asLong(width));
        if (!(v instanceof String text)) {
            // jinja2 does s += "\n", which only strings survive.
            throw v instanceof Undefined u ? u.fail() : TemplateError.runtime(
                    "unsupported operand type(s) for +=: '" + PyOps.typeName(v) + "' and 'str'");
        }
        List<Object> lines = PyStrings.splitlines(text + "\n");
        StringBuilder rv = new StringBuilder();
        if (blank) {
            for (int i = 0; i < lines.size(); i++) {
                rv.append(i > 0 ? "\n" + indention : "").append(lines.get(i));
            }
        } else {
            rv.append(lines.getFirst());
            for (int i = 1; i < lines.size(); i++) {
                String line = (String) lines.get(i);
                rv.append('\n').append(line.isEmpty() ? "" : indention).append(line);
            }
        }
        return first ? indention + rv : rv.toString();
    }

    /** jinja2's make_attrgetter: "a.b.0" looks up a, then b, then item 0. */
    static Function<Object, Object> attrGetter(Object attribute, Object fallback) {
        List<Object> parts = new ArrayList<>();
        if (attribute instanceof String s) {
            for (String p : s.split("\\.", -1)) {
                parts.add(p.chars().allMatch(Character::isDigit) && !p.isEmpty() ? (Object) Long.parseLong(p) : p);
            }
        } else {
            parts.add(attribute);
        }
        return item -> {
            Object x = item;
            for (Object p : parts) {
                x = PyAccess.getitem(x, p);
            }
            return fallback != null && x instanceof Undefined ? fallback : x;
        };
    }

    private static Object map(Object v, CallArgs a) {
        List<Object> items = PyOps.iterate(v);
        List<Object> positional = a.rest(0);
        Function<Object, Object> f;
        Map<String, Object> kw = a.keywords();
        if (positional.isEmpty() && kw.containsKey("attribute")) {
            Map<String, Object> rest = new LinkedHashMap<>(kw);
            Object attribute = rest.remove("attribute");
            Object fallback = rest.remove("default");
            if (!rest.isEmpty()) {
                throw TemplateError.runtime("Unexpected keyword argument '" + rest.keySet().iterator().next() + "'");
            }
            f = attrGetter(attribute, fallback);
        } else {
            if (positional.isEmpty()) {
                throw TemplateError.runtime("map requires a filter argument");
            }
            String name = PyOps.str(positional.getFirst());
            List<Object> args = positional.subList(1, positional.size());
            f = item -> apply(name, item, args, kw);
        }
        List<Object> out = new ArrayList<>();
        items.forEach(item -> out.add(f.apply(item)));
        return out;
    }

    private static Object select(Object v, CallArgs a, boolean byAttribute, boolean keep) {
        List<Object> positional = a.rest(0);
        Map<String, Object> kw = a.keywords();
        int offset = 0;
        Function<Object, Object> transform = Function.identity();
        if (byAttribute) {
            if (positional.isEmpty()) {
                throw TemplateError.runtime("Missing parameter for attribute name");
            }
            transform = attrGetter(positional.getFirst(), null);
            offset = 1;
        }
        Function<Object, Boolean> test;
        if (positional.size() > offset) {
            String name = PyOps.str(positional.get(offset));
            List<Object> args = positional.subList(offset + 1, positional.size());
            test = x -> JinjaTests.apply(name, x, args, kw);
        } else {
            test = PyOps::truthy;
        }
        List<Object> out = new ArrayList<>();
        for (Object item : PyOps.iterate(v)) {
            if (test.apply(transform.apply(item)) == keep) {
                out.add(item);
            }
        }
        return out;
    }

    private static Function<Object, Object> sortKey(Object attribute, boolean caseSensitive) {
        Function<Object, Object> get = attribute == null ? Function.identity() : attrGetter(attribute, null);
        return item -> {
            Object k = get.apply(item);
            return !caseSensitive && k instanceof String s ? s.toLowerCase(Locale.ROOT) : k;
        };
    }

    private static Comparator<Object> pyOrder(Function<Object, Object> key) {
        return (x, y) -> {
            Object a = key.apply(x);
            Object b = key.apply(y);
            return PyOps.order(a, "<", b) ? -1 : PyOps.order(b, "<", a) ? 1 : 0;
        };
    }

    private static Object sort(Object v, CallArgs a) {
        boolean reverse = a.bool(0, "reverse", false);
        boolean caseSensitive = a.bool(1, "case_sensitive", false);
        Object attribute = a.get(2, "attribute", null);
        a.done();
        List<Object> items = PyOps.iterate(v);
        Comparator<Object> order = pyOrder(sortKey(attribute, caseSensitive));
        items.sort(reverse ? order.reversed() : order);
        return items;
    }

    private static Object dictsort(Object v, CallArgs a) {
        boolean caseSensitive = a.bool(0, "case_sensitive", false);
        String by = a.string(1, "by", "key");
        boolean reverse = a.bool(2, "reverse", false);
        a.done();
        if (!(v instanceof Map<?, ?> m)) {
            throw TemplateError.runtime("dictsort expects a mapping");
        }
        List<Object> items = new ArrayList<>();
        m.forEach((k, x) -> items.add(PyTuple.of(k, x)));
        int pos = by.equals("value") ? 1 : 0;
        Comparator<Object> order = pyOrder(sortKey((long) pos, caseSensitive));
        items.sort(reverse ? order.reversed() : order);
        return items;
    }

    private static Object unique(Object v, CallArgs a) {
        boolean caseSensitive = a.bool(0, "case_sensitive", false);
        Object attribute = a.get(1, "attribute", null);
        a.done();
        Function<Object, Object> key = sortKey(attribute, caseSensitive);
        List<Object> seen = new ArrayList<>();
        List<Object> out = new ArrayList<>();
        for (Object item : PyOps.iterate(v)) {
            Object k = key.apply(item);
            if (seen.stream().noneMatch(s -> PyOps.eq(s, k))) {
                seen.add(k);
                out.add(item);
            }
        }
        return out;
    }

    private static Object minMax(Object v, CallArgs a, int sign) {
        boolean caseSensitive = a.bool(0, "case_sensitive", false);
        Object attribute = a.get(1, "attribute", null);
        a.done();
        List<Object> items = PyOps.iterate(v);
        if (items.isEmpty()) {
            return new Undefined("No aggregated item, sequence was empty.");
        }
        Comparator<Object> order = pyOrder(sortKey(attribute, caseSensitive));
        Object best = items.getFirst();
        for (Object item : items) {
            if (order.compare(item, best) * sign > 0) {
                best = item;
            }
        }
        return best;
    }

    private static Object sum(Object v, CallArgs a) {
        Object attribute = a.get(0, "attribute", null);
        Object total = a.get(1, "start", 0L);
        a.done();
        Function<Object, Object> get = attribute == null ? Function.identity() : attrGetter(attribute, null);
        for (Object item : PyOps.iterate(v)) {
            total = PyArithmetic.binary("+", total, get.apply(item));
        }
        return total;
    }

    private static Object round(Object v, CallArgs a) {
        long precision = a.integer(0, "precision", 0);
        String method = a.string(1, "method", "common");
        a.done();
        if (!PyOps.isNumber(v)) {
            throw TemplateError.runtime("type " + PyOps.typeName(v) + " doesn't define __round__ method");
        }
        double d = PyOps.asDouble(v);
        if (method.equals("common")) {
            if (PyOps.isInt(v)) {
                return PyOps.asLong(v);
            }
            if (!Double.isFinite(d)) {
                return d;
            }
            // Python's round() rounds the exact binary value half-to-even.
            return new BigDecimal(d).setScale((int) precision, RoundingMode.HALF_EVEN).doubleValue();
        }
        double scale = Math.pow(10, precision);
        return switch (method) {
            case "ceil" -> Math.ceil(d * scale) / scale;
            case "floor" -> Math.floor(d * scale) / scale;
            default -> throw TemplateError.runtime("method must be common, ceil or floor");
        };
    }

    /** transformers' tojson: json.dumps(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False). */
    private static Object tojson(Object v, CallArgs a) {
        boolean ensureAscii = a.bool(0, "ensure_ascii", false);
        Object indent = a.get(1, "indent", null);
        Object separators = a.get(2, "separators", null);
        boolean sortKeys = a.bool(3, "sort_keys", false);
        a.done();
        String indentText = switch (indent) {
            case null -> null;
            case String s -> s;
            default -> " ".repeat((int) Math.max(0, PyOps.asLong(indent)));
        };
        String itemSep = null;
        String keySep = null;
        if (separators != null) {
            if (!(separators instanceof List<?> pair) || pair.size() != 2) {
                throw TemplateError.runtime("tojson separators must be a pair (item_separator, key_separator)");
            }
            itemSep = PyOps.str(pair.get(0));
            keySep = PyOps.str(pair.get(1));
        }
        return new PyJson(indentText, itemSep, keySep, sortKeys, ensureAscii).dumps(v);
    }
}
