package dev.canal.engine.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The "pre_tokenizer" of tokenizer.json: splits normalized text into words that BPE encodes separately. */
interface PreTokenizer {

    /**
     * @param sectionIndex index of this piece among the pieces the added tokens cut the input into (Metaspace's
     *                     "first" scheme only prepends to piece 0)
     */
    List<String> split(String text, int sectionIndex);

    /** How a Split pre-tokenizer treats the matched delimiters (HF's SplitDelimiterBehavior). */
    enum Behavior { REMOVED, ISOLATED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS }

    /** Splits on a pattern, keeping, dropping or attaching the matches; invert makes the matches the pieces. */
    record Split(Pattern pattern, Behavior behavior, boolean invert) implements PreTokenizer {
        @Override
        public List<String> split(String text, int sectionIndex) {
            // Pieces alternate between non-matches (false) and matches (true), as HF's split does.
            List<String> parts = new ArrayList<>();
            List<Boolean> isMatch = new ArrayList<>();
            Matcher m = pattern.matcher(text);
            int prev = 0;
            while (m.find()) {
                if (m.end() == m.start()) {
                    continue;
                }
                if (prev < m.start()) {
                    parts.add(text.substring(prev, m.start()));
                    isMatch.add(invert);
                }
                parts.add(m.group());
                isMatch.add(!invert);
                prev = m.end();
            }
            if (prev < text.length()) {
                parts.add(text.substring(prev));
                isMatch.add(invert);
            }
            return applyBehavior(parts, isMatch);
        }

        private List<String> applyBehavior(List<String> parts, List<Boolean> delimiter) {
            List<String> out = new ArrayList<>();
            switch (behavior) {
                case ISOLATED -> out.addAll(parts);
                case REMOVED -> {
                    for (int i = 0; i < parts.size(); i++) {
                        if (!delimiter.get(i)) {
                            out.add(parts.get(i));
                        }
                    }
                }
                case MERGED_WITH_PREVIOUS -> {
                    for (int i = 0; i < parts.size(); i++) {
                        if (delimiter.get(i) && !out.isEmpty() && !delimiter.get(i - 1)) {
                            out.set(out.size() - 1, out.getLast() + parts.get(i));
                        } else {
                            out.add(parts.get(i));
                        }
                    }
                }
                case MERGED_WITH_NEXT -> {
                    String pending = null;
                    for (int i = 0; i < parts.size(); i++) {
                        if (delimiter.get(i)) {
                            if (pending != null) {
                                out.add(pending);
                            }
                            pending = parts.get(i);
                        } else {
                            out.add(pending == null ? parts.get(i) : pending + parts.get(i));
                            pending = null;
                        }
                    }
                    if (pending != null) {
                        out.add(pending);
                    }
                }
                case CONTIGUOUS -> {
                    for (int i = 0; i < parts.size(); i++) {
                        if (delimiter.get(i) && i > 0 && delimiter.get(i - 1)) {
                            out.set(out.size() - 1, out.getLast() + parts.get(i));
                        } else {
                            out.add(parts.get(i));
                        }
                    }
                }
            }
            return out;
        }
    }

    /** GPT-2 byte-level: optional leading space, optional GPT-2 word regex, then bytes as characters. */
    record ByteLevel(boolean addPrefixSpace, boolean useRegex) implements PreTokenizer {
        static final Pattern GPT2 = HfRegex.compile(
                "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");

        @Override
        public List<String> split(String text, int sectionIndex) {
            if (addPrefixSpace && !text.startsWith(" ")) {
                text = " " + text;
            }
            List<String> words = new ArrayList<>();
            if (useRegex) {
                Matcher m = GPT2.matcher(text);
                while (m.find()) {
                    words.add(ByteLevelAlphabet.encode(m.group()));
                }
            } else {
                words.add(ByteLevelAlphabet.encode(text));
            }
            return words;
        }
    }

    /** SentencePiece's '▁' for spaces; split keeps '▁' at the start of each word (MergedWithNext). */
    record Metaspace(String replacement, String prependScheme, boolean addPrefixSpace, boolean splitWords)
            implements PreTokenizer {
        @Override
        public List<String> split(String text, int sectionIndex) {
            String s = text.replace(" ", replacement);
            boolean prepend = addPrefixSpace && !s.startsWith(replacement)
                    && (prependScheme.equals("always") || (prependScheme.equals("first") && sectionIndex == 0));
            if (prepend) {
                s = replacement + s;
            }
            if (!splitWords) {
                return List.of(s);
            }
            List<String> words = new ArrayList<>();
            int start = 0;
            for (int i = s.indexOf(replacement, 1); i > 0; i = s.indexOf(replacement, i + replacement.length())) {
                words.add(s.substring(start, i));
                start = i;
            }
            if (start < s.length()) {
                words.add(s.substring(start));
            }
            return words;
        }
    }

    record Sequence(List<PreTokenizer> steps) implements PreTokenizer {
        @Override
        public List<String> split(String text, int sectionIndex) {
            List<String> words = List.of(text);
            for (PreTokenizer step : steps) {
                List<String> next = new ArrayList<>();
                for (String w : words) {
                    next.addAll(step.split(w, sectionIndex));
                }
                words = next;
            }
            return words;
        }
    }
}
