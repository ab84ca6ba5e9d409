package dev.canal.engine.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Cuts text at added tokens before anything else sees it, so that normalizers and pre-tokenizers cannot break
 * them: scanning left to right, the longest added token starting at each position wins (HF's leftmost-longest
 * matching). single_word tokens only match between non-word characters; lstrip / rstrip tokens swallow the
 * whitespace beside them.
 */
final class AddedTokenSplitter {

    /** A piece of the input: plain text, or an added token (then {@code token} is set). */
    record Piece(String text, AddedToken token) {
    }

    /** An added token and the text that stands for it in the input this splitter sees. */
    private record Pattern(String text, AddedToken token) {
    }

    private final Map<Character, List<Pattern>> byFirstChar = new HashMap<>();

    /** Matches each token by its content as written. */
    AddedTokenSplitter(List<AddedToken> tokens) {
        this(tokens, UnaryOperator.identity());
    }

    /**
     * @param patternOf the text a token is matched as: normalized tokens are looked for in normalized text,
     *                  so their content is normalized the same way
     */
    AddedTokenSplitter(List<AddedToken> tokens, UnaryOperator<String> patternOf) {
        for (AddedToken t : tokens) {
            String text = patternOf.apply(t.content());
            if (!text.isEmpty()) {
                byFirstChar.computeIfAbsent(text.charAt(0), k -> new ArrayList<>()).add(new Pattern(text, t));
            }
        }
        Comparator<Pattern> longestFirst = Comparator.comparingInt(p -> -p.text().length());
        byFirstChar.values().forEach(l -> l.sort(longestFirst));
    }

    boolean isEmpty() {
        return byFirstChar.isEmpty();
    }

    List<Piece> split(String text) {
        List<Piece> pieces = new ArrayList<>();
        int start = 0;
        int i = 0;
        while (i < text.length()) {
            Pattern match = matchAt(text, i);
            if (match == null) {
                i++;
                continue;
            }
            if (i > start) {
                pieces.add(new Piece(text.substring(start, i), null));
            }
            pieces.add(new Piece(match.text(), match.token()));
            i += match.text().length();
            start = i;
        }
        if (start < text.length()) {
            pieces.add(new Piece(text.substring(start), null));
        }
        applyStripping(pieces);
        return pieces;
    }

    private Pattern matchAt(String text, int i) {
        List<Pattern> candidates = byFirstChar.get(text.charAt(i));
        if (candidates == null) {
            return null;
        }
        for (Pattern p : candidates) {
            if (text.startsWith(p.text(), i) && (!p.token().singleWord() || isWordBoundary(text, i, p.text()))) {
                return p;
            }
        }
        return null;
    }

    /** single_word tokens only match when no word character (regex \w) touches them on either side. */
    private static boolean isWordBoundary(String text, int i, String match) {
        int end = i + match.length();
        boolean before = i > 0 && isWordChar(text.codePointBefore(i));
        boolean after = end < text.length() && isWordChar(text.codePointAt(end));
        return !before && !after;
    }

    private static boolean isWordChar(int cp) {
        int type = Character.getType(cp);
        return Character.isLetterOrDigit(cp) || type == Character.CONNECTOR_PUNCTUATION
                || type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK
                || type == Character.ENCLOSING_MARK;
    }

    /** lstrip / rstrip tokens swallow the whitespace beside them. */
    private static void applyStripping(List<Piece> pieces) {
        for (int i = 0; i < pieces.size(); i++) {
            AddedToken t = pieces.get(i).token();
            if (t == null) {
                continue;
            }
            if (t.lstrip() && i > 0 && pieces.get(i - 1).token() == null) {
                pieces.set(i - 1, new Piece(HfRegex.trimEnd(pieces.get(i - 1).text()), null));
            }
            if (t.rstrip() && i + 1 < pieces.size() && pieces.get(i + 1).token() == null) {
                pieces.set(i + 1, new Piece(HfRegex.trimStart(pieces.get(i + 1).text()), null));
            }
        }
    }
}
