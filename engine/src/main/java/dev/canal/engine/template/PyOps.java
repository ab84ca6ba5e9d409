package dev.canal.engine.template;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Python semantics for template values: truthiness, str()/repr(), ==, ordering, arithmetic, `in`, len() and
 * iteration. Values are String, Long, Double, Boolean, null (None), List, PyTuple, Map, Namespace, Undefined,
 * LoopContext and PyCallable; Booleans behave as the ints 0 and 1 in arithmetic and comparisons, as in Python.
 */
final class PyOps {
    private PyOps() {
    }

    static String typeName(Object v) {
        return switch (v) {
            case null -> "NoneType";
            case Boolean b -> "bool";
            case Long l -> "int";
            case Double d -> "float";
            case String s -> "str";
            case PyTuple t -> "tuple";
            case List<?> l -> "list";
            case Map<?, ?> m -> "dict";
            case Namespace n -> "Namespace";
            case Undefined u -> "Undefined";
            case LoopContext c -> "LoopContext";
            case PyCallable c -> "function";
            default -> v.getClass().getSimpleName();
        };
    }

    static boolean isNumber(Object v) {
        return v instanceof Long || v instanceof Double || v instanceof Boolean;
    }

    static boolean isInt(Object v) {
        return v instanceof Long || v instanceof Boolean;
    }

    static long asLong(Object v) {
        return v instanceof Boolean b ? (b ? 1 : 0) : (Long) v;
    }

    static double asDouble(Object v) {
        return v instanceof Double d ? d : asLong(v);
    }

    static boolean truthy(Object v) {
        return switch (v) {
            case null -> false;
            case Boolean b -> b;
            case Long l -> l != 0;
            case Double d -> d != 0.0;
            case String s -> !s.isEmpty();
            case List<?> l -> !l.isEmpty();
            case Map<?, ?> m -> !m.isEmpty();
            case Undefined u -> false;
            default -> true;
        };
    }

    // ---- str() and repr()

    static String str(Object v) {
        return switch (v) {
            case String s -> s;
            case Undefined u -> "";
            case null, default -> repr(v);
        };
    }

    static String repr(Object v) {
        return switch (v) {
            case null -> "None";
            case Boolean b -> b ? "True" : "False";
            case Long l -> l.toString();
            case Double d -> floatRepr(d);
            case String s -> PyStrings.repr(s);
            case Undefined u -> "Undefined";
            case PyTuple t -> t.size() == 1 ? "(" + repr(t.get(0)) + ",)" : join(t, "(", ")");
            case List<?> l -> join(l, "[", "]");
            case Map<?, ?> m -> {
                StringBuilder sb = new StringBuilder("{");
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (!first) {
                        sb.append(", ");
                    }
                    first = false;
                    sb.append(repr(e.getKey())).append(": ").append(repr(e.getValue()));
                }
                yield sb.append('}').toString();
            }
            case Namespace n -> "<Namespace " + repr(n.attributes) + ">";
            case LoopContext c -> "<LoopContext " + c.attribute("index") + "/" + c.attribute("length") + ">";
            default -> "<" + typeName(v) + " object>";
        };
    }

    private static String join(List<?> items, String open, String close) {
        StringBuilder sb = new StringBuilder(open);
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(repr(items.get(i)));
        }
        return sb.append(close).toString();
    }

    /** Python's float repr: the shortest round-trip digits, scientific below 1e-4 and from 1e16 on. */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        if (d == 0) {
            return 1 / d < 0 ? "-0.0" : "0.0";
        }
        // Since JDK 19 Double.toString yields the shortest digits that round-trip, as Python's repr does.
        BigDecimal exact = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = exact.unscaledValue().toString();
        int exponent = digits.length() - 1 - exact.scale();
        StringBuilder sb = new StringBuilder(d < 0 ? "-" : "");
        if (exponent < -4 || exponent >= 16) {
            sb.append(digits.charAt(0));
            if (digits.length() > 1) {
                sb.append('.').append(digits, 1, digits.length());
            }
            int abs = Math.abs(exponent);
            sb.append('e').append(exponent < 0 ? '-' : '+').append(abs < 10 ? "0" : "").append(abs);
        } else if (exponent < 0) {
            sb.append("0.").append("0".repeat(-exponent - 1)).append(digits);
        } else if (digits.length() <= exponent + 1) {
            sb.append(digits).append("0".repeat(exponent + 1 - digits.length())).append(".0");
        } else {
            sb.append(digits, 0, exponent + 1).append('.').append(digits, exponent + 1, digits.length());
        }
        return sb.toString();
    }

    // ---- comparison

    static boolean eq(Object a, Object b) {
        if (a == b) {
            return true;
        }
        if (a == null || b == null) {
            return false;
        }
        if (isNumber(a) && isNumber(b)) {
            if (isInt(a) && isInt(b)) {
                return asLong(a) == asLong(b);
            }
            return asDouble(a) == asDouble(b);
        }
        if (a instanceof PyTuple != b instanceof PyTuple) {
            return false;
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (int i = 0; i < x.size(); i++) {
                if (!eq(x.get(i), y.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (Map.Entry<?, ?> e : x.entrySet()) {
                Object key = findKey(y, e.getKey());
                if (key == NO_KEY || !eq(e.getValue(), y.get(key))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Undefined && b instanceof Undefined) {
            return true;
        }
        return a.equals(b);
    }

    static final Object NO_KEY = new Object();

    /** The map's own key that equals key under Python equality (1 == 1.0 == True), or NO_KEY. */
    static Object findKey(Map<?, ?> map, Object key) {
        if (map.containsKey(key)) {
            return key;
        }
        for (Object k : map.keySet()) {
            if (eq(k, key)) {
                return k;
            }
        }
        return NO_KEY;
    }

    /** a OP b for OP in < <= > >=, raising Python's TypeError for unorderable types. */
    static boolean order(Object a, String op, Object b) {
        if (a instanceof Undefined u) {
            throw u.fail();
        }
        if (b instanceof Undefined u) {
            throw u.fail();
        }
        int c;
        if (isNumber(a) && isNumber(b)) {
            if (isInt(a) && isInt(b)) {
                c = Long.compare(asLong(a), asLong(b));
            } else {
                double x = asDouble(a);
                double y = asDouble(b);
                if (Double.isNaN(x) || Double.isNaN(y)) {
                    return false;
                }
                c = Double.compare(x, y) ;
                if (x == y) {
                    c = 0;
                }
            }
        } else if (a instanceof String x && b instanceof String y) {
            c = PyStrings.compare(x, y);
        } else if (a instanceof List<?> x && b instanceof List<?> y && (a instanceof PyTuple == b instanceof PyTuple)) {
            c = compareSequences(x, y, op);
        } else {
            throw TemplateError.runtime("'" + op + "' not supported between instances of '" + typeName(a) + "' and '"
                    + typeName(b) + "'");
        }
        return switch (op) {
            case "<" -> c < 0;
            case "<=" -> c <= 0;
            case ">" -> c > 0;
            default -> c >= 0;
        };
    }

    private static int compareSequences(List<?> x, List<?> y, String op) {
        for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
            if (!eq(x.get(i), y.get(i))) {
                return order(x.get(i), "<", y.get(i)) ? -1 : 1;
            }
        }
        return Integer.compare(x.size(), y.size());
    }

    static boolean contains(Object container, Object item) {
        return switch (container) {
            case String s -> {
                if (!(item instanceof String needle)) {
                    if (item instanceof Undefined u) {
                        throw u.fail();
                    }
                    throw TemplateError.runtime("'in <string>' requires string as left operand, not " + typeName(item));
                }
                yield s.contains(needle);
            }
            case List<?> l -> l.stream().anyMatch(x -> eq(x, item));
            case Map<?, ?> m -> findKey(m, item) != NO_KEY;
            case Undefined u -> false;
            case null, default -> throw TemplateError.runtime("argument of type '" + typeName(container) + "' is not iterable");
        };
    }

    // ---- len() and iteration

    static int len(Object v) {
        return switch (v) {
            case String s -> s.codePointCount(0, s.length());
            case List<?> l -> l.size();
            case Map<?, ?> m -> m.size();
            case Undefined u -> 0;
            case null, default -> throw TemplateError.runtime("object of type '" + typeName(v) + "' has no len()");
        };
    }

    static List<Object> iterate(Object v) {
        return switch (v) {
            case String s -> PyStrings.chars(s);
            case List<?> l -> new ArrayList<>(l);
            case Map<?, ?> m -> new ArrayList<>(m.keySet());
            case Undefined u -> new ArrayList<>();
            case null, default -> throw TemplateError.runtime("'" + typeName(v) + "' object is not iterable");
        };
    }

    static boolean isIterable(Object v) {
        return v instanceof String || v instanceof List || v instanceof Map || v instanceof Undefined;
    }
}
