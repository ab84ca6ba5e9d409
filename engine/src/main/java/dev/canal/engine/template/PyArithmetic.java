package dev.canal.engine.template;

import java.util.ArrayList;
import java.util.List;

/** Python's binary and unary arithmetic on template values (+ - * / // % ** and unary - +). */
final class PyArithmetic {
    private PyArithmetic() {
    }

    static Object binary(String op, Object a, Object b) {
        if (op.equals("%") && a instanceof String format) {
            return PyPercentFormat.format(format, b); // str % anything, even Undefined (it prints as "")
        }
        if (a instanceof Undefined u) {
            throw u.fail();
        }
        if (b instanceof Undefined u) {
            throw u.fail();
        }
        if (PyOps.isNumber(a) && PyOps.isNumber(b)) {
            return PyOps.isInt(a) && PyOps.isInt(b)
                    ? integer(op, PyOps.asLong(a), PyOps.asLong(b))
                    : floating(op, PyOps.asDouble(a), PyOps.asDouble(b));
        }
        if (op.equals("+")) {
            if (a instanceof String x && b instanceof String y) {
                return x + y;
            }
            if (a instanceof List<?> x && b instanceof List<?> y && (a instanceof PyTuple == b instanceof PyTuple)) {
                List<Object> joined = new ArrayList<>(x);
                joined.addAll(y);
                return a instanceof PyTuple ? new PyTuple(joined) : joined;
            }
            if (a instanceof String) {
                throw TemplateError.runtime("can only concatenate str (not \"" + PyOps.typeName(b) + "\") to str");
            }
        }
        if (op.equals("*")) {
            if (PyOps.isInt(b) && (a instanceof String || a instanceof List)) {
                return repeat(a, PyOps.asLong(b));
            }
            if (PyOps.isInt(a) && (b instanceof String || b instanceof List)) {
                return repeat(b, PyOps.asLong(a));
            }
        }
        throw TemplateError.runtime("unsupported operand type(s) for " + op + ": '" + PyOps.typeName(a) + "' and '"
                + PyOps.typeName(b) + "'");
    }

    private static Object repeat(Object seq, long times) {
        if (seq instanceof String s) {
            return times <= 0 ? "" : s.repeat(Math.toIntExact(times));
        }
        List<Object> out = new ArrayList<>();
        for (long i = 0; i < times; i++) {
            out.addAll((List<?>) seq);
        }
        return seq instanceof PyTuple ? new PyTuple(out) : out;
    }

    private static Object integer(String op, long a, long b) {
        try {
            return switch (op) {
                case "+" -> Math.addExact(a, b);
                case "-" -> Math.subtractExact(a, b);
                case "*" -> Math.multiplyExact(a, b);
                case "/" -> floating(op, a, b);
                case "//" -> {
                    zeroCheck(b == 0, "integer division or modulo by zero");
                    yield Math.floorDiv(a, b);
                }
                case "%" -> {
                    zeroCheck(b == 0, "integer modulo by zero");
                    yield Math.floorMod(a, b);
                }
                case "**" -> b < 0 ? (Object) Math.pow(a, b) : power(a, b);
                default -> throw new IllegalArgumentException(op);
            };
        } catch (ArithmeticException e) {
            throw TemplateError.runtime("integer overflow in " + a + " " + op + " " + b);
        }
    }

    private static long power(long base, long exponent) {
        long result = 1;
        for (long i = 0; i < exponent; i++) {
            result = Math.multiplyExact(result, base);
            if (result == 0 || result == 1 && base == 1) {
                break;
            }
        }
        return result;
    }

    private static Object floating(String op, double a, double b) {
        return switch (op) {
            case "+" -> a + b;
            case "-" -> a - b;
            case "*" -> a * b;
            case "/" -> {
                zeroCheck(b == 0, "division by zero");
                yield a / b;
            }
            case "//" -> {
                zeroCheck(b == 0, "float floor division by zero");
                yield Math.floor(a / b);
            }
            case "%" -> {
                zeroCheck(b == 0, "float modulo");
                double r = a % b;
                yield r != 0 && (r < 0) != (b < 0) ? r + b : r;
            }
            case "**" -> Math.pow(a, b);
            default -> throw new IllegalArgumentException(op);
        };
    }

    private static void zeroCheck(boolean zero, String message) {
        if (zero) {
            throw TemplateError.runtime(message);
        }
    }

    static Object negate(Object v) {
        if (v instanceof Double d) {
            return -d;
        }
        if (PyOps.isInt(v)) {
            return -PyOps.asLong(v);
        }
        if (v instanceof Undefined u) {
            throw u.fail();
        }
        throw TemplateError.runtime("bad operand type for unary -: '" + PyOps.typeName(v) + "'");
    }

    static Object plus(Object v) {
        if (v instanceof Double) {
            return v;
        }
        if (PyOps.isInt(v)) {
            return PyOps.asLong(v);
        }
        if (v instanceof Undefined u) {
            throw u.fail();
        }
        throw TemplateError.runtime("bad operand type for unary +: '" + PyOps.typeName(v) + "'");
    }
}
