package dev.canal.engine.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Cuts text at added tokens before anything else sees it, so that normalizers and pre-tokenizers cannot break
 * them: scanning left to right, the longest added token starting at each position wins.
 */
final class AddedTokenSplitter {

    /** A piece of the input: plain text, or an added token (then {@code token} is set). */
    record Piece(String text, AddedToken token) {
    }

    private final Map<Character, List<AddedToken>> byFirstChar = new HashMap<>();

    AddedTokenSplitter(List<AddedToken> tokens) {
        for (AddedToken t : tokens) {
            if (!t.content().isEmpty()) {
                byFirstChar.computeIfAbsent(t.content().charAt(0), k -> new ArrayList<>()).add(t);
            }
        }
        Comparator<AddedToken> longestFirst = Comparator.comparingInt(t -> -t.content().length());
        byFirstChar.values().forEach(l -> l.sort(longestFirst));
    }

    List<Piece> split(String text) {
        List<Piece> pieces = new ArrayList<>();
        int start = 0;
        int i = 0;
        while (i < text.length()) {
            AddedToken match = matchAt(text, i);
            if (match == null) {
                i++;
                continue;
            }
            if (i > start) {
                pieces.add(new Piece(text.substring(start, i), null));
            }
            pieces.add(new Piece(match.content(), match));
            i += match.content().length();
            start = i;
        }
        if (start < text.length()) {
            pieces.add(new Piece(text.substring(start), null));
        }
        applyStripping(pieces);
        return pieces;
    }

    private AddedToken matchAt(String text, int i) {
        List<AddedToken> candidates = byFirstChar.get(text.charAt(i));
        if (candidates == null) {
            return null;
        }
        for (AddedToken t : candidates) {
            if (text.startsWith(t.content(), i) && (!t.singleWord() || isWordBoundary(text, i, t))) {
                return t;
            }
        }
        return null;
    }

    /** single_word tokens only match when not glued to letters or digits on either side. */
    private static boolean isWordBoundary(String text, int i, AddedToken t) {
        int end = i + t.content().length();
        boolean before = i > 0 && Character.isLetterOrDigit(text.codePointBefore(i));
        boolean after = end < text.length() && Character.isLetterOrDigit(text.codePointAt(end));
        return !before && !after;
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
