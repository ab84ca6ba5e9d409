package dev.canal.engine.template;

import java.util.ArrayList;
import java.util.List;

/** Python str behaviour that Java's String lacks: literal unescaping, repr, code-point indexing, split/strip. */
final class PyStrings {
    private PyStrings() {
    }

    /** Decodes a string literal's body as jinja2 does (Python's unicode-escape codec). */
    static String unescape(String body, int line) {
        if (body.indexOf('\\') < 0) {
            return body;
        }
        StringBuilder sb = new StringBuilder(body.length());
        int i = 0;
        while (i < body.length()) {
            char c = body.charAt(i);
            if (c != '\\' || i + 1 >= body.length()) {
                sb.append(c);
                i++;
                continue;
            }
            char e = body.charAt(i + 1);
            i += 2;
            switch (e) {
                case '\n' -> {
                }
                case '\\', '\'', '"' -> sb.append(e);
                case 'a' -> sb.append('\u0007');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'v' -> sb.append('\u000b');
                case 'x', 'u', 'U' -> {
                    int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    if (i + digits > body.length() || !isHex(body, i, digits)) {
                        throw TemplateError.syntax("truncated \\" + e + " escape in string literal", line);
                    }
                    sb.appendCodePoint(Integer.parseInt(body.substring(i, i + digits), 16));
                    i += digits;
                }
                case 'N' -> {
                    int close = body.indexOf('}', i);
                    if (i >= body.length() || body.charAt(i) != '{' || close < 0) {
                        throw TemplateError.syntax("malformed \\N escape in string literal", line);
                    }
                    try {
                        sb.appendCodePoint(Character.codePointOf(body.substring(i + 1, close)));
                    } catch (IllegalArgumentException ex) {
                        throw TemplateError.syntax("unknown Unicode character name in string literal", line);
                    }
                    i = close + 1;
                }
                default -> {
                    if (e >= '0' && e <= '7') {
                        int end = i - 1;
                        while (end < body.length() && end < i + 2 && body.charAt(end) >= '0' && body.charAt(end) <= '7') {
                            end++;
                        }
                        sb.appendCodePoint(Integer.parseInt(body.substring(i - 1, end), 8));
                        i = end;
                    } else {
                        sb.append('\\').append(e);
                    }
                }
            }
        }
        return sb.toString();
    }

    private static boolean isHex(String s, int from, int count) {
        for (int i = from; i < from + count; i++) {
            if (Character.digit(s.charAt(i), 16) < 0) {
                return false;
            }
        }
        return true;
    }

    /** Python's repr(str): single quotes unless the text has ' and no ", non-printables escaped. */
    static String repr(String s) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder sb = new StringBuilder().append(quote);
        s.codePoints().forEach(cp -> {
            if (cp == quote || cp == '\\') {
                sb.append('\\').appendCodePoint(cp);
            } else if (cp == '\t') {
                sb.append("\\t");
            } else if (cp == '\n') {
                sb.append("\\n");
            } else if (cp == '\r') {
                sb.append("\\r");
            } else if (!isPrintable(cp)) {
                sb.append(cp < 0x100 ? String.format("\\x%02x", cp)
                        : cp < 0x10000 ? String.format("\\u%04x", cp) : String.format("\\U%08x", cp));
            } else {
                sb.appendCodePoint(cp);
            }
        });
        return sb.append(quote).toString();
    }

    private static boolean isPrintable(int cp) {
        if (cp == ' ') {
            return true;
        }
        int type = Character.getType(cp);
        return type != Character.CONTROL && type != Character.FORMAT && type != Character.SURROGATE
                && type != Character.PRIVATE_USE && type != Character.UNASSIGNED && type != Character.LINE_SEPARATOR
                && type != Character.PARAGRAPH_SEPARATOR && type != Character.SPACE_SEPARATOR;
    }

    /** Python orders strings by code point; Java's compareTo orders UTF-16 units. */
    static int compare(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int x = a.codePointAt(i);
            int y = b.codePointAt(j);
            if (x != y) {
                return Integer.compare(x, y);
            }
            i += Character.charCount(x);
            j += Character.charCount(y);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    /** One-character strings, one per code point (Python iterates and indexes strings by code point). */
    static List<Object> chars(String s) {
        List<Object> out = new ArrayList<>();
        s.codePoints().forEach(cp -> out.add(new String(Character.toChars(cp))));
        return out;
    }

    static String strip(String s, String chars, boolean left, boolean right) {
        int[] cps = s.codePoints().toArray();
        int start = 0;
        int end = cps.length;
        while (left && start < end && stripped(cps[start], chars)) {
            start++;
        }
        while (right && end > start && stripped(cps[end - 1], chars)) {
            end--;
        }
        return new String(cps, start, end - start);
    }

    private static boolean stripped(int cp, String chars) {
        return chars == null ? PyChars.isSpace(cp) : chars.indexOf(new String(Character.toChars(cp))) >= 0;
    }

    /** str.split / str.rsplit; sep null splits on whitespace runs and drops empty parts. */
    static List<Object> split(String s, String sep, long maxSplit, boolean fromRight) {
        List<Object> parts = new ArrayList<>();
        if (sep == null) {
            List<int[]> words = new ArrayList<>();
            int i = 0;
            while (i < s.length()) {
                while (i < s.length() && PyChars.isSpace(s.charAt(i))) {
                    i++;
                }
                int start = i;
                while (i < s.length() && !PyChars.isSpace(s.charAt(i))) {
                    i++;
                }
                if (i > start) {
                    words.add(new int[] {start, i});
                }
            }
            if (maxSplit < 0 || words.size() <= maxSplit + 1) {
                words.forEach(w -> parts.add(s.substring(w[0], w[1])));
            } else if (!fromRight) {
                for (int k = 0; k < maxSplit; k++) {
                    parts.add(s.substring(words.get(k)[0], words.get(k)[1]));
                }
                parts.add(strip(s.substring(words.get((int) maxSplit)[0]), null, false, true));
            } else {
                int firstKept = words.size() - (int) maxSplit;
                parts.add(strip(s.substring(0, words.get(firstKept - 1)[1]), null, true, false));
                for (int k = firstKept; k < words.size(); k++) {
                    parts.add(s.substring(words.get(k)[0], words.get(k)[1]));
                }
            }
            return parts;
        }
        if (sep.isEmpty()) {
            throw TemplateError.runtime("empty separator");
        }
        if (!fromRight) {
            int from = 0;
            int at;
            while ((maxSplit < 0 || parts.size() < maxSplit) && (at = s.indexOf(sep, from)) >= 0) {
                parts.add(s.substring(from, at));
                from = at + sep.length();
            }
            parts.add(s.substring(from));
            return parts;
        }
        int to = s.length();
        int at;
        while ((maxSplit < 0 || parts.size() < maxSplit) && to >= sep.length()
                && (at = s.lastIndexOf(sep, to - sep.length())) >= 0) {
            parts.addFirst(s.substring(at + sep.length(), to));
            to = at;
        }
        parts.addFirst(s.substring(0, to));
        return parts;
    }

    static String replace(String s, String old, String replacement, long count) {
        if (count < 0) {
            return s.replace(old, replacement);
        }
        StringBuilder sb = new StringBuilder();
        int from = 0;
        long done = 0;
        if (old.isEmpty()) {
            int[] cps = s.codePoints().toArray();
            for (int cp : cps) {
                if (done++ < count) {
                    sb.append(replacement);
                }
                sb.appendCodePoint(cp);
            }
            if (done < count) {
                sb.append(replacement);
            }
            return sb.toString();
        }
        int at;
        while (done < count && (at = s.indexOf(old, from)) >= 0) {
            sb.append(s, from, at).append(replacement);
            from = at + old.length();
            done++;
        }
        return sb.append(s.substring(from)).toString();
    }

    /** Python's str.title: upper-case a cased letter after an uncased character, lower-case the rest. */
    static String title(String s) {
        StringBuilder sb = new StringBuilder();
        boolean previousCased = false;
        for (int cp : s.codePoints().toArray()) {
            boolean cased = Character.isUpperCase(cp) || Character.isLowerCase(cp) || Character.isTitleCase(cp);
            if (cased) {
                sb.append(previousCased ? new String(Character.toChars(cp)).toLowerCase(java.util.Locale.ROOT)
                        : new String(Character.toChars(Character.toTitleCase(cp))));
            } else {
                sb.appendCodePoint(cp);
            }
            previousCased = cased;
        }
        return sb.toString();
    }

    static String capitalize(String s) {
        if (s.isEmpty()) {
            return s;
        }
        int first = s.codePointAt(0);
        return new String(Character.toChars(Character.toTitleCase(first)))
                + s.substring(Character.charCount(first)).toLowerCase(java.util.Locale.ROOT);
    }

    /** Python's index of a UTF-16 offset (code points before it). */
    static long codePointIndex(String s, int utf16Index) {
        return utf16Index < 0 ? -1 : s.codePointCount(0, utf16Index);
    }

    /** str.splitlines(): splits on every Python line boundary, no trailing empty part. */
    static List<Object> splitlines(String s) {
        List<Object> lines = new ArrayList<>(List.of(
                s.split("\r\n|[\n\r\u000b\f\u001c\u001d\u001e\u0085\u2028\u2029]", -1)));
        if (!lines.isEmpty() && lines.getLast().equals("")) {
            lines.removeLast();
        }
        return lines;
    }
}
