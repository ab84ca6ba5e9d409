package dev.canal.engine.tokenizer;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Compiles the regexes of tokenizer.json (written for Rust's Oniguruma / JavaScript with the u flag) with
 * java.util.regex. Java already understands \p{L}, \p{N}, (?i:...), lookahead and possessive forms; what differs is
 * \s (ASCII-only in Java), so \s and \S are spelt out as the Unicode whitespace set the reference tokenizer uses.
 */
final class HfRegex {
    /** ECMAScript's \s: WhiteSpace and LineTerminator code points. */
    static final String WHITESPACE_CHARS =
            "\\t\\n\\x0B\\f\\r \\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000\\uFEFF";

    private HfRegex() {
    }

    static Pattern compile(String regex) throws PatternSyntaxException {
        return Pattern.compile(translate(regex));
    }

    static boolean isWhitespace(int cp) {
        return switch (cp) {
            case '\t', '\n', 0x0B, '\f', '\r', ' ', 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF -> true;
            default -> cp >= 0x2000 && cp <= 0x200A;
        };
    }

    /** Rewrites \s and \S (inside and outside character classes); everything else is passed through. */
    static String translate(String regex) {
        StringBuilder out = new StringBuilder(regex.length() + 64);
        int classDepth = 0;
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '\\' && i + 1 < regex.length()) {
                char n = regex.charAt(i + 1);
                i++;
                if (n == 's') {
                    out.append(classDepth > 0 ? WHITESPACE_CHARS : "[" + WHITESPACE_CHARS + "]");
                } else if (n == 'S') {
                    // A nested class inside a class is a union in java.util.regex.
                    out.append("[^").append(WHITESPACE_CHARS).append(']');
                } else {
                    out.append(c).append(n);
                }
            } else {
                if (c == '[') {
                    classDepth++;
                } else if (c == ']' && classDepth > 0) {
                    classDepth--;
                }
                out.append(c);
            }
        }
        return out.toString();
    }

    /** Removes leading / trailing whitespace as JavaScript's trimStart / trimEnd do. */
    static String trimStart(String s) {
        int i = 0;
        while (i < s.length() && isWhitespace(s.charAt(i))) {
            i++;
        }
        return s.substring(i);
    }

    static String trimEnd(String s) {
        int i = s.length();
        while (i > 0 && isWhitespace(s.charAt(i - 1))) {
            i--;
        }
        return s.substring(0, i);
    }
}
