package dev.canal.engine.tokenizer;

import java.text.Normalizer;
import java.util.Locale;

/**
 * HF's BertNormalizer: drops control characters (and U+0000, U+FFFD) and turns whitespace into spaces
 * (clean_text), puts spaces around CJK ideographs (handle_chinese_chars), removes accents by NFD plus dropping
 * non-spacing marks (strip_accents; null means "as lowercase"), and lowercases character by character.
 */
record BertNormalizer(boolean cleanText, boolean handleChineseChars, boolean stripAccents, boolean lowercase)
        implements TextNormalizer {

    @Override
    public String normalize(String text) {
        StringBuilder sb = new StringBuilder(text.length() + 8);
        text.codePoints().forEach(c -> {
            if (cleanText) {
                if (c == 0 || c == 0xFFFD || isControl(c)) {
                    return;
                }
                if (BertPreTokenizer.isWhitespace(c)) {
                    sb.append(' ');
                    return;
                }
            }
            if (handleChineseChars && isChineseChar(c)) {
                sb.append(' ').appendCodePoint(c).append(' ');
            } else {
                sb.appendCodePoint(c);
            }
        });
        String s = sb.toString();
        if (stripAccents) {
            String nfd = Normalizer.normalize(s, Normalizer.Form.NFD);
            StringBuilder kept = new StringBuilder(nfd.length());
            nfd.codePoints().filter(c -> Character.getType(c) != Character.NON_SPACING_MARK)
                    .forEach(kept::appendCodePoint);
            s = kept.toString();
        }
        if (lowercase) {
            // Per character, as Rust's char::to_lowercase: no context rules such as the Greek final sigma.
            StringBuilder lower = new StringBuilder(s.length());
            s.codePoints().forEach(c -> lower.append(Character.toString(c).toLowerCase(Locale.ROOT)));
            s = lower.toString();
        }
        return s;
    }

    /** Rust's char::is_other minus tab, newline and carriage return. */
    private static boolean isControl(int c) {
        if (c == '\t' || c == '\n' || c == '\r') {
            return false;
        }
        int t = Character.getType(c);
        return t == Character.CONTROL || t == Character.FORMAT || t == Character.SURROGATE
                || t == Character.PRIVATE_USE || t == Character.UNASSIGNED;
    }

    /** The CJK blocks of BERT's original tokenizer (HF keeps its 0x2B920 lower bound, not 0x2B820). */
    static boolean isChineseChar(int c) {
        return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF)
                || (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF)
                || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
    }
}
