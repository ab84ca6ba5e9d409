package dev.canal.engine.template;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** jinja2's `is` tests (defined, none, string, mapping, iterable, sequence, eq, in ...) with Python semantics. */
final class JinjaTests {
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
        // jinja2's Undefined defines __call__ (to raise), so callable() is true for it.
        TESTS.put("callable", (v, a) -> v instanceof PyCallable || v instanceof Undefined);
        TESTS.put("escaped", (v, a) -> false);
        // value % 2 == 1 as in jinja2, so floats work too (1e3 is even).
        TESTS.put("odd", (v, a) -> PyOps.eq(PyArithmetic.binary("%", v, 2L), 1L));
        TESTS.put("even", (v, a) -> PyOps.eq(PyArithmetic.binary("%", v, 2L), 0L));
        TESTS.put("divisibleby", (v, a) -> PyOps.eq(PyArithmetic.binary("%", v, a.required(0, "num")), 0L));
        // jinja2 tests str(value).islower(), so numbers and lists are tested by their text.
        TESTS.put("lower", (v, a) -> isLower(PyOps.str(v)));
        TESTS.put("upper", (v, a) -> isUpper(PyOps.str(v)));
        TESTS.put("sameas", (v, a) -> {
            Object other = a.required(0, "other");
            return v == other || v instanceof Boolean && v.equals(other);
        });
        TESTS.put("in", (v, a) -> PyOps.contains(a.required(0, "seq"), v));
        TESTS.put("filter", (v, a) -> v instanceof String s && JinjaFilters.exists(s));
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

    private JinjaTests() {
    }

    private static void order(String name, String symbol, String alias, String op) {
        Test t = (v, a) -> PyOps.order(v, op, a.required(0, "other"));
        TESTS.put(name, t);
        TESTS.put(symbol, t);
        if (alias != null) {
            TESTS.put(alias, t);
        }
    }

    static boolean isLower(String s) {
        return hasCased(s) && s.equals(s.toLowerCase(Locale.ROOT));
    }

    static boolean isUpper(String s) {
        return hasCased(s) && s.equals(s.toUpperCase(Locale.ROOT));
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
