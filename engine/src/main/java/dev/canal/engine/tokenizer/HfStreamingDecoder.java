package dev.canal.engine.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Streams the same text as {@link HfTokenizer#decode} of the whole sequence. Each step decodes a short window
 * (the tokens of the last emitted chunk plus the new ones) and emits what the new tokens added. Starting the
 * window on already-emitted tokens keeps position-dependent decoders (SentencePiece's strip of the first
 * token's space) from applying twice, and text ending in U+FFFD is a character still incomplete, so it waits.
 */
final class HfStreamingDecoder implements StreamingDecoder {
    private static final char REPLACEMENT = '\uFFFD';

    private final HfTokenizer tokenizer;
    private final boolean skipSpecial;
    private final boolean cleanup;
    private final List<Integer> window = new ArrayList<>();
    /** Tokens of window[0, readIndex) have been emitted already. */
    private int readIndex;
    private String emittedWindowText = "";
    /** Decoded text held back because clean-up may still remove its trailing space. */
    private String pendingCleanup = "";

    HfStreamingDecoder(HfTokenizer tokenizer, boolean skipSpecial, boolean cleanup) {
        this.tokenizer = tokenizer;
        this.skipSpecial = skipSpecial;
        this.cleanup = cleanup;
    }

    @Override
    public String push(int id) {
        if (skipSpecial && tokenizer.isSpecial(id)) {
            return "";
        }
        window.add(id);
        String text = tokenizer.decodeRaw(window);
        if (text.length() <= emittedWindowText.length() || text.charAt(text.length() - 1) == REPLACEMENT) {
            return "";
        }
        // The window's text extends what was emitted for its first tokens; should a decoder ever rewrite
        // earlier text, what was emitted stays and only the differing tail is added.
        String added = text.substring(commonPrefix(text, emittedWindowText));
        // Slide: the window now starts at the tokens just emitted.
        window.subList(0, readIndex).clear();
        readIndex = window.size();
        emittedWindowText = tokenizer.decodeRaw(window);
        return clean(added, false);
    }

    @Override
    public void skip(int[] ids, int count) {
        for (int i = 0; i < count; i++) push(ids[i]);
        // A trailing space kept back for clean-up was part of the skipped text: it must not open the answer.
        pendingCleanup = "";
    }

    @Override
    public String flush() {
        String rest = "";
        if (readIndex < window.size()) {
            String text = tokenizer.decodeRaw(window);
            rest = text.substring(commonPrefix(text, emittedWindowText));
        }
        window.clear();
        readIndex = 0;
        emittedWindowText = "";
        return clean(rest, true);
    }

    private static int commonPrefix(String a, String b) {
        int n = Math.min(a.length(), b.length());
        int i = 0;
        while (i < n && a.charAt(i) == b.charAt(i)) {
            i++;
        }
        return i;
    }

    private String clean(String added, boolean last) {
        if (!cleanup) {
            return added;
        }
        String text = pendingCleanup + added;
        int cut = last ? text.length() : TokenizationCleanup.safePrefix(text);
        pendingCleanup = text.substring(cut);
        return TokenizationCleanup.apply(text.substring(0, cut));
    }
}
