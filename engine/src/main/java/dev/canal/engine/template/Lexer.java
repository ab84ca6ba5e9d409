package dev.canal.engine.template;

import dev.canal.engine.template.Token.Kind;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits a template into tokens the way jinja2's lexer does with Hugging Face's settings (trim_blocks and
 * lstrip_blocks on, keep_trailing_newline off). Whitespace control is decided here, so the parser and
 * renderer never see the whitespace a tag removes. The rules mirror jinja2/lexer.py closely, including its
 * quirks (line_starting, brace balancing, "-%}" eating all following whitespace), because a chat template's
 * output must match Python byte for byte.
 */
final class Lexer {
    private static final Pattern FLOAT = Pattern.compile(
            "(?<!\\.)(\\d+_)*\\d+((\\.(\\d+_)*\\d+)?[eE][+\\-]?(\\d+_)*\\d+|\\.(\\d+_)*\\d+)");
    private static final Pattern INTEGER = Pattern.compile(
            "0[bB](_?[01])+|0[oO](_?[0-7])+|0[xX](_?[0-9a-fA-F])+|[1-9](_?\\d)*|0(_?0)*");
    private static final Pattern STRING = Pattern.compile(
            "'([^'\\\\]*(?:\\\\.[^'\\\\]*)*)'|\"([^\"\\\\]*(?:\\\\.[^\"\\\\]*)*)\"", Pattern.DOTALL);
    /** Python's \\s (what str.isspace accepts), which is wider than Java's. */
    private static final String S = "[\\t\\n\\x0b\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
    private static final Pattern RAW_BEGIN = Pattern.compile("\\{%[-+]?" + S + "*raw" + S + "*(?:-%\\}" + S + "*|%\\})");
    private static final Pattern RAW_END = Pattern.compile(
            "\\{%([-+]?)" + S + "*endraw" + S + "*(?:\\+%\\}|-%\\}" + S + "*|%\\}\\n?)", Pattern.DOTALL);
    /** Longest first, as jinja2 sorts its operator regex. */
    private static final String[] OPERATORS = {
        "**", "//", "==", "!=", ">=", "<=",
        "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}", ">", "<", "=", ".", ":", "|", ",", ";"};

    private final String src;
    private final List<Token> tokens = new ArrayList<>();
    private int pos;
    private int line = 1;
    /** jinja2's line_starting: the previous match ended with a newline, so lstrip_blocks may strip up to here. */
    private boolean lineStarting = true;

    private Lexer(String source) {
        this.src = normalizeNewlines(source);
    }

    static List<Token> tokenize(String source) {
        Lexer lexer = new Lexer(source);
        lexer.run();
        return lexer.tokens;
    }

    /** \r\n and \r become \n, and one trailing newline is dropped (keep_trailing_newline=False). */
    private static String normalizeNewlines(String source) {
        String s = source.replace("\r\n", "\n").replace('\r', '\n');
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }

    private void run() {
        int n = src.length();
        while (pos < n) {
            int tag = findTag(pos);
            if (tag < 0) {
                emitText(src.substring(pos), pos, n);
                pos = n;
                break;
            }
            char type = src.charAt(tag + 1);
            int afterTag = tag + 2;
            char sign = afterTag < n && (src.charAt(afterTag) == '-' || src.charAt(afterTag) == '+')
                    ? src.charAt(afterTag) : 0;
            String text = stripBeforeTag(src.substring(pos, tag), sign, type != '{');
            emitText(text, pos, tag);
            int contentStart = afterTag + (sign != 0 ? 1 : 0);
            if (type == '%') {
                Matcher raw = RAW_BEGIN.matcher(src).region(tag, n);
                if (raw.lookingAt()) {
                    lexRaw(tag, raw.end());
                    continue;
                }
            }
            if (type == '#') {
                lexComment(tag, contentStart);
                continue;
            }
            tokens.add(new Token(type == '%' ? Kind.BLOCK_BEGIN : Kind.VAR_BEGIN, src.substring(tag, contentStart),
                    null, line));
            pos = contentStart;
            lineStarting = false;
            lexInsideTag(type == '%');
        }
        // jinja2 reports "unexpected end of template" at the line of the last token, not the last line.
        tokens.add(new Token(Kind.EOF, "", null, tokens.isEmpty() ? 1 : tokens.getLast().line()));
    }

    private int findTag(int from) {
        int i = src.indexOf('{', from);
        while (i >= 0 && i + 1 < src.length()) {
            char c = src.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') {
                return i;
            }
            i = src.indexOf('{', i + 1);
        }
        return -1;
    }

    /** "-" strips all whitespace before the tag; lstrip_blocks strips a block/comment's own indentation. */
    private String stripBeforeTag(String text, char sign, boolean lstripApplies) {
        if (sign == '-') {
            return PyChars.rstrip(text);
        }
        if (sign != '+' && lstripApplies) {
            int lineStart = text.lastIndexOf('\n') + 1;
            if ((lineStart > 0 || lineStarting) && lineStart < text.length() && PyChars.allSpace(text, lineStart)) {
                return text.substring(0, lineStart);
            }
        }
        return text;
    }

    /** Adds a text token (if not empty) and advances the line count over the source range it came from. */
    private void emitText(String text, int from, int to) {
        if (!text.isEmpty()) {
            tokens.add(new Token(Kind.TEXT, text, text, line));
        }
        line += countNewlines(from, to);
    }

    private int countNewlines(int from, int to) {
        int count = 0;
        for (int i = from; i < to; i++) {
            if (src.charAt(i) == '\n') {
                count++;
            }
        }
        return count;
    }

    private void advanceTo(int end) {
        line += countNewlines(pos, end);
        lineStarting = end > 0 && src.charAt(end - 1) == '\n';
        pos = end;
    }

    private void lexComment(int tag, int contentStart) {
        int close = src.indexOf("#}", contentStart);
        if (close < 0) {
            throw TemplateError.syntax("Missing end of comment tag", line);
        }
        int end = close + 2;
        char before = close - 1 >= contentStart ? src.charAt(close - 1) : 0;
        if (before == '-') {
            end = skipSpace(end);
        } else if (before != '+' && end < src.length() && src.charAt(end) == '\n') {
            end++;
        }
        pos = tag;
        advanceTo(end);
    }

    private void lexRaw(int tag, int bodyStart) {
        pos = tag;
        advanceTo(bodyStart);
        Matcher end = RAW_END.matcher(src).region(bodyStart, src.length());
        if (!end.find()) {
            throw TemplateError.syntax("Missing end of raw directive", line);
        }
        String sign = end.group(1);
        String text = stripBeforeTag(src.substring(bodyStart, end.start()), sign.isEmpty() ? 0 : sign.charAt(0), true);
        emitText(text, bodyStart, end.start());
        pos = end.start();
        advanceTo(end.end());
    }

    private int skipSpace(int from) {
        int i = from;
        while (i < src.length() && PyChars.isSpace(src.charAt(i))) {
            i++;
        }
        return i;
    }

    /** Tokens up to the closing %} or }}; the closers only count while brackets are balanced, as in jinja2. */
    private void lexInsideTag(boolean block) {
        Deque<String> balance = new ArrayDeque<>();
        int n = src.length();
        while (true) {
            if (pos >= n) {
                throw TemplateError.syntax("unexpected end of template, expected '"
                        + (block ? "end of statement block" : "end of print statement") + "'", line);
            }
            if (balance.isEmpty() && closeTag(block)) {
                return;
            }
            char c = src.charAt(pos);
            if (PyChars.isSpace(c)) {
                advanceTo(skipSpace(pos));
                continue;
            }
            int start = pos;
            Matcher m;
            if (Character.isDigit(c) && (m = FLOAT.matcher(src).region(pos, n).useTransparentBounds(true)).lookingAt()) {
                String digits = m.group().replace("_", "");
                add(Kind.FLOAT, m.group(), Double.parseDouble(digits), m.end());
            } else if (Character.isDigit(c) && (m = INTEGER.matcher(src).region(pos, n)).lookingAt()) {
                add(Kind.INTEGER, m.group(), parseInteger(m.group()), m.end());
            } else if (Character.isLetter(c) || c == '_') {
                int end = pos + 1;
                while (end < n && (Character.isLetterOrDigit(src.charAt(end)) || src.charAt(end) == '_')) {
                    end++;
                }
                add(Kind.NAME, src.substring(pos, end), null, end);
            } else if ((c == '\'' || c == '"') && (m = STRING.matcher(src).region(pos, n)).lookingAt()) {
                String body = m.group(1) != null ? m.group(1) : m.group(2);
                add(Kind.STRING, m.group(), PyStrings.unescape(body, line), m.end());
            } else {
                String op = matchOperator();
                if (op == null) {
                    throw TemplateError.syntax("unexpected char '" + c + "' at " + start, line);
                }
                trackBalance(op, balance);
                add(Kind.OP, op, null, pos + op.length());
            }
        }
    }

    private boolean closeTag(boolean block) {
        int end;
        if (block) {
            if (src.startsWith("+%}", pos)) {
                end = pos + 3;
            } else if (src.startsWith("-%}", pos)) {
                end = skipSpace(pos + 3);
            } else if (src.startsWith("%}", pos)) {
                end = pos + 2;
                if (end < src.length() && src.charAt(end) == '\n') {
                    end++; // trim_blocks
                }
            } else {
                return false;
            }
        } else if (src.startsWith("-}}", pos)) {
            end = skipSpace(pos + 3);
        } else if (src.startsWith("}}", pos)) {
            end = pos + 2;
        } else {
            return false;
        }
        tokens.add(new Token(block ? Kind.BLOCK_END : Kind.VAR_END, src.substring(pos, end), null, line));
        advanceTo(end);
        return true;
    }

    private String matchOperator() {
        for (String op : OPERATORS) {
            if (src.startsWith(op, pos)) {
                return op;
            }
        }
        return null;
    }

    private void trackBalance(String op, Deque<String> balance) {
        switch (op) {
            case "{" -> balance.push("}");
            case "(" -> balance.push(")");
            case "[" -> balance.push("]");
            case "}", ")", "]" -> {
                if (balance.isEmpty()) {
                    throw TemplateError.syntax("unexpected '" + op + "'", line);
                }
                String expected = balance.pop();
                if (!expected.equals(op)) {
                    throw TemplateError.syntax("unexpected '" + op + "', expected '" + expected + "'", line);
                }
            }
            default -> {
            }
        }
    }

    private void add(Kind kind, String text, Object value, int end) {
        tokens.add(new Token(kind, text, value, line));
        advanceTo(end);
    }

    private Object parseInteger(String literal) {
        String s = literal.replace("_", "");
        int radix = 10;
        if (s.length() > 1 && Character.isLetter(s.charAt(1))) {
            radix = switch (Character.toLowerCase(s.charAt(1))) {
                case 'b' -> 2;
                case 'o' -> 8;
                default -> 16;
            };
            s = s.substring(2);
        }
        try {
            return Long.parseLong(s, radix);
        } catch (NumberFormatException e) {
            throw TemplateError.syntax("integer literal too large: " + literal, line);
        }
    }
}
