package dev.canal.engine.template;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** jinja2's `is` tests (defined, none, string, mapping, iterable, sequence, eq, in ...) with Python semantics. */
final class Tests {
    @FunctionalInterface
    interface Test {
        boolean test(Object value, CallArgs args);
    }

    private static final Map<String, Test> TESTS = new HashMap<>();

    static {
        TESTS.put("defined", (v, a) -> !(v instanceof Undefined));
        TESTS.put("undefined", (v, a) -> v instanceof Undefined);
        TESTS.put("none", (v, a) -> v == null);
        TESTS.put("boolean", (v, a) -> v instanceof Boolean);
        TESTS.put("true", (v, a) -> Boolean.TRUE.equals(v));
        TESTS.put("false", (v, a) -> Boolean.FALSE.equals(v));
        TESTS.put("string", (v, a) -> v instanceof String);
        TESTS.put("mapping", (v, a) -> v instanceof Map);
        TESTS.put("number", (v, a) -> PyOps.isNumber(v));
        TESTS.put("integer", (v, a) -> v instanceof Long);
        TESTS.put("float", (v, a) -> v instanceof Double);
        TESTS.put("iterable", (v, a) -> PyOps.isIterable(v));
        // Python's test: has len() and __getitem__, which dicts and jinja2's Undefined also have.
        TESTS.put("sequence", (v, a) -> v instanceof String || v instanceof List || v instanceof Map || v instanceof Undefined);
        TESTS.put("callable", (v, a) -> v instanceof PyCallable);
        TESTS.put("escaped", (v, a) -> false);
        TESTS.put("odd", (v, a) -> Math.floorMod(integer(v), 2L) == 1);
        TESTS.put("even", (v, a) -> Math.floorMod(integer(v), 2L) == 0);
        TESTS.put("divisibleby", (v, a) -> {
            long n = a.integer(0, "num", 1);
            if (n == 0) {
                throw TemplateError.runtime("integer division or modulo by zero");
            }
            return Math.floorMod(integer(v), n) == 0;
        });
        TESTS.put("lower", (v, a) -> v instanceof String s && hasCased(s) && s.equals(s.toLowerCase(Locale.ROOT)));
        TESTS.put("upper", (v, a) -> v instanceof String s && hasCased(s) && s.equals(s.toUpperCase(Locale.ROOT)));
        TESTS.put("sameas", (v, a) -> {
            Object other = a.required(0, "other");
            return v == other || v instanceof Boolean && v.equals(other);
        });
        TESTS.put("in", (v, a) -> PyOps.contains(a.required(0, "seq"), v));
        TESTS.put("filter", (v, a) -> v instanceof String s && Filters.exists(s));
        TESTS.put("test", (v, a) -> v instanceof String s && TESTS.containsKey(s));
        Test eq = (v, a) -> PyOps.eq(v, a.required(0, "other"));
        Test ne = (v, a) -> !PyOps.eq(v, a.required(0, "other"));
        for (String n : List.of("eq", "equalto", "==")) {
            TESTS.put(n, eq);
        }
        for (String n : List.of("ne", "!=")) {
            TESTS.put(n, ne);
        }
        order("lt", "<", "lessthan", "<");
        order("le", "<=", null, "<=");
        order("gt", ">", "greaterthan", ">");
        order("ge", ">=", null, ">=");
    }

    private Tests() {
    }

    private static void order(String name, String symbol, String alias, String op) {
        Test t = (v, a) -> PyOps.order(v, op, a.required(0, "other"));
        TESTS.put(name, t);
        TESTS.put(symbol, t);
        if (alias != null) {
            TESTS.put(alias, t);
        }
    }

    private static long integer(Object v) {
        if (!PyOps.isInt(v)) {
            throw TemplateError.runtime("not all arguments converted during string formatting: "
                    + PyOps.typeName(v) + " is not an integer");
        }
        return PyOps.asLong(v);
    }

    private static boolean hasCased(String s) {
        return s.codePoints().anyMatch(cp -> Character.isUpperCase(cp) || Character.isLowerCase(cp));
    }

    static boolean apply(String name, Object value, List<Object> args, Map<String, Object> kwargs) {
        Test t = TESTS.get(name);
        if (t == null) {
            throw TemplateError.runtime("No test named '" + name + "'.");
        }
        return t.test(value, new CallArgs(name, args, kwargs));
    }
}
