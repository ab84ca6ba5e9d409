package dev.canal.engine.tokenizer;

import java.text.Normalizer;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The "normalizer" of tokenizer.json: rewrites each piece of text between added tokens before splitting. */
interface TextNormalizer {

    String normalize(String text);

    record Unicode(Normalizer.Form form) implements TextNormalizer {
        @Override
        public String normalize(String text) {
            return Normalizer.normalize(text, form);
        }
    }

    record Prepend(String prefix) implements TextNormalizer {
        @Override
        public String normalize(String text) {
            return prefix + text;
        }
    }

    /** Replaces every match of a literal string or a regex. */
    record Replace(Pattern pattern, String content) implements TextNormalizer {
        @Override
        public String normalize(String text) {
            return pattern.matcher(text).replaceAll(Matcher.quoteReplacement(content));
        }
    }

    record Lowercase() implements TextNormalizer {
        @Override
        public String normalize(String text) {
            return text.toLowerCase(Locale.ROOT);
        }
    }

    record Strip(boolean left, boolean right) implements TextNormalizer {
        @Override
        public String normalize(String text) {
            String s = left ? HfRegex.trimStart(text) : text;
            return right ? HfRegex.trimEnd(s) : s;
        }
    }

    record Sequence(List<TextNormalizer> steps) implements TextNormalizer {
        @Override
        public String normalize(String text) {
            for (TextNormalizer step : steps) {
                text = step.normalize(text);
            }
            return text;
        }
    }
}
