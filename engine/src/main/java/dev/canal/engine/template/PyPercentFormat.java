package dev.canal.engine.template;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.List;
import java.util.Map;

/**
 * Python's printf-style formatting (format % args), used by the `%` operator on strings and jinja2's format
 * filter: %s %r %d %i %u %f %F %e %E %g %G %x %X %o %c %% with flags, width, precision and %(key)s.
 */
final class PyPercentFormat {
    private PyPercentFormat() {
    }

    static String format(String fmt, Object args) {
        List<?> positional = args instanceof PyTuple t ? t : null;
        // Like CPython: any non-tuple, non-str object with __getitem__ (dict, list) may serve as the mapping.
        boolean mappingLike = positional == null && (args instanceof Map || args instanceof List);
        int next = 0;
        boolean singleUsed = false;
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < fmt.length()) {
            char c = fmt.charAt(i++);
            if (c != '%') {
                out.append(c);
                continue;
            }
            if (i >= fmt.length()) {
                throw error("incomplete format");
            }
            Object value = null;
            boolean haveValue = false;
            if (fmt.charAt(i) == '(') {
                int close = fmt.indexOf(')', i);
                if (close < 0 || !(args instanceof Map<?, ?> m)) {
                    throw error(close < 0 ? "incomplete format key" : "format requires a mapping");
                }
                Object key = PyOps.findKey(m, fmt.substring(i + 1, close));
                if (key == PyOps.NO_KEY) {
                    throw error("KeyError: '" + fmt.substring(i + 1, close) + "'");
                }
                value = m.get(key);
                haveValue = true;
                i = close + 1;
            }
            String flags = "";
            while (i < fmt.length() && "-+ #0".indexOf(fmt.charAt(i)) >= 0) {
                flags += fmt.charAt(i++);
            }
            int width = -1;
            int start = i;
            while (i < fmt.length() && Character.isDigit(fmt.charAt(i))) {
                i++;
            }
            if (i > start) {
                width = Integer.parseInt(fmt.substring(start, i));
            }
            int precision = -1;
            if (i < fmt.length() && fmt.charAt(i) == '.') {
                start = ++i;
                while (i < fmt.length() && Character.isDigit(fmt.charAt(i))) {
                    i++;
                }
                precision = i > start ? Integer.parseInt(fmt.substring(start, i)) : 0;
            }
            while (i < fmt.length() && "hlL".indexOf(fmt.charAt(i)) >= 0) {
                i++;
            }
            if (i >= fmt.length()) {
                throw error("incomplete format");
            }
            char conversion = fmt.charAt(i++);
            if (conversion == '%') {
                if (i - 2 >= 0 && fmt.charAt(i - 2) == '%' && !haveValue) {
                    out.append('%');
                    continue;
                }
                throw error("unsupported format character '%'");
            }
            if (!haveValue) {
                if (positional != null) {
                    if (next >= positional.size()) {
                        throw error("not enough arguments for format string");
                    }
                    value = positional.get(next++);
                } else {
                    if (singleUsed) {
                        throw error("not enough arguments for format string");
                    }
                    value = args;
                    singleUsed = true;
                }
            }
            out.append(pad(convert(conversion, value, flags, precision), flags, width, conversion));
        }
        boolean unused = positional != null ? next < positional.size() : !singleUsed && !mappingLike;
        if (unused) {
            throw error("not all arguments converted during string formatting");
        }
        return out.toString();
    }

    private static String convert(char conversion, Object value, String flags, int precision) {
        return switch (conversion) {
            case 's' -> cut(PyOps.str(value), precision);
            case 'r', 'a' -> cut(PyOps.repr(value), precision);
            case 'd', 'i', 'u', 'x', 'X', 'o' -> {
                BigInteger n = integer(value, conversion, "diu".indexOf(conversion) >= 0);
                String digits = n.abs().toString(conversion == 'o' ? 8 : conversion == 'x' || conversion == 'X' ? 16 : 10);
                if (precision > digits.length()) {
                    digits = "0".repeat(precision - digits.length()) + digits;
                }
                if (flags.contains("#") && "xXo".indexOf(conversion) >= 0) {
                    digits = (conversion == 'o' ? "0o" : "0x") + digits;
                }
                if (conversion == 'X') {
                    digits = digits.toUpperCase(java.util.Locale.ROOT);
                }
                yield sign((n.signum() < 0 ? "-" : "") + digits, flags);
            }
            case 'f', 'F', 'e', 'E', 'g', 'G' -> sign(floating(conversion, real(value, conversion), precision, flags), flags);
            case 'c' -> {
                if (value instanceof String s && s.codePointCount(0, s.length()) == 1) {
                    yield s;
                }
                BigInteger cp = integer(value, 'c', false);
                if (cp.signum() < 0 || cp.compareTo(BigInteger.valueOf(Character.MAX_CODE_POINT)) > 0) {
                    throw error("%c arg not in range(0x110000)");
                }
                yield new String(Character.toChars(cp.intValue()));
            }
            default -> throw error("unsupported format character '" + conversion + "'");
        };
    }

    private static String cut(String s, int precision) {
        return precision >= 0 && precision < s.length() ? s.substring(0, precision) : s;
    }

    private static BigInteger integer(Object value, char conversion, boolean acceptFloat) {
        if (PyOps.isInt(value)) {
            return BigInteger.valueOf(PyOps.asLong(value));
        }
        if (acceptFloat && value instanceof Double d && Double.isFinite(d)) {
            return new BigDecimal(d).toBigInteger();
        }
        throw error("%" + conversion + " format: " + (acceptFloat ? "a real number" : "an integer")
                + " is required, not " + PyOps.typeName(value));
    }

    private static double real(Object value, char conversion) {
        if (PyOps.isNumber(value)) {
            return PyOps.asDouble(value);
        }
        throw error("must be real number, not " + PyOps.typeName(value));
    }

    private static String floating(char conversion, double d, int precision, String flags) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            String s = Double.isNaN(d) ? "nan" : d > 0 ? "inf" : "-inf";
            return Character.isUpperCase(conversion) ? s.toUpperCase(java.util.Locale.ROOT) : s;
        }
        int p = precision < 0 ? 6 : precision;
        boolean alternate = flags.contains("#");
        boolean negative = (Double.doubleToRawLongBits(d) & Long.MIN_VALUE) != 0; // -0.0 keeps its sign, as in C
        BigDecimal exact = new BigDecimal(Math.abs(d));
        String s = switch (Character.toLowerCase(conversion)) {
            case 'f' -> exact.setScale(p, RoundingMode.HALF_EVEN).toPlainString() + (alternate && p == 0 ? "." : "");
            case 'e' -> alternatePoint(scientific(exact, p), alternate && p == 0);
            default -> general(exact, p == 0 ? 1 : p, alternate);
        };
        s = (negative ? "-" : "") + s;
        return Character.isUpperCase(conversion) ? s.toUpperCase(java.util.Locale.ROOT) : s;
    }

    /** With '#', a mantissa without digits after the point still shows the point (1.e+05). */
    private static String alternatePoint(String s, boolean apply) {
        if (!apply || s.contains(".")) {
            return s;
        }
        int e = s.indexOf('e');
        return e < 0 ? s + "." : s.substring(0, e) + "." + s.substring(e);
    }

    private static String scientific(BigDecimal exact, int p) {
        if (exact.signum() == 0) {
            return "0" + (p > 0 ? "." + "0".repeat(p) : "") + "e+00";
        }
        BigDecimal rounded = exact.round(new MathContext(p + 1, RoundingMode.HALF_EVEN));
        int exponent = rounded.precision() - rounded.scale() - 1;
        String digits = rounded.unscaledValue().abs().toString();
        digits = (digits + "0".repeat(Math.max(0, p + 1 - digits.length()))).substring(0, p + 1);
        String mantissa = digits.charAt(0) + (p > 0 ? "." + digits.substring(1) : "");
        int abs = Math.abs(exponent);
        return (rounded.signum() < 0 ? "-" : "") + mantissa + "e" + (exponent < 0 ? "-" : "+") + (abs < 10 ? "0" : "") + abs;
    }

    private static String general(BigDecimal exact, int p, boolean keepZeros) {
        int exponent;
        if (exact.signum() == 0) {
            exponent = 0;
        } else {
            BigDecimal rounded = exact.round(new MathContext(p, RoundingMode.HALF_EVEN));
            exponent = rounded.precision() - rounded.scale() - 1;
        }
        String s = exponent >= -4 && exponent < p
                ? exact.setScale(p - 1 - exponent, RoundingMode.HALF_EVEN).toPlainString()
                : scientific(exact, p - 1);
        if (keepZeros) {
            return alternatePoint(s, true);
        }
        int e = s.indexOf('e');
        String mantissa = e < 0 ? s : s.substring(0, e);
        if (mantissa.contains(".")) {
            mantissa = mantissa.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return e < 0 ? mantissa : mantissa + s.substring(e);
    }

    private static String sign(String s, String flags) {
        if (s.startsWith("-")) {
            return s;
        }
        return flags.contains("+") ? "+" + s : flags.contains(" ") ? " " + s : s;
    }

    private static String pad(String s, String flags, int width, char conversion) {
        int len = s.codePointCount(0, s.length());
        if (width <= len) {
            return s;
        }
        String fill = " ".repeat(width - len);
        if (flags.contains("-")) {
            return s + fill;
        }
        if (flags.contains("0") && "sraSc".indexOf(conversion) < 0) {
            int signLength = !s.isEmpty() && "+- ".indexOf(s.charAt(0)) >= 0 ? 1 : 0;
            if (s.startsWith("0x", signLength) || s.startsWith("0X", signLength) || s.startsWith("0o", signLength)) {
                signLength += 2;
            }
            return s.substring(0, signLength) + "0".repeat(width - len) + s.substring(signLength);
        }
        return fill + s;
    }

    private static TemplateError error(String message) {
        return TemplateError.runtime(message);
    }
}
