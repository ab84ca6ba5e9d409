package dev.canal.engine.tokenizer;

/**
 * transformers' clean_up_tokenization: drops the space before English punctuation and contractions
 * (" ." → ".", " n't" → "n't"), applied to decoded text when tokenizer_config.json's
 * clean_up_tokenization_spaces is true (its default).
 */
final class TokenizationCleanup {
    private static final String[][] RULES = {
            {" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"}, {" n't", "n't"}, {" 'm", "'m"},
            {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"},
    };
    /** The longest rule's length: text ending in this many non-spaces cannot be changed by what follows. */
    private static final int LONGEST = 4;

    private TokenizationCleanup() {
    }

    static String apply(String text) {
        for (String[] rule : RULES) {
            text = text.replace(rule[0], rule[1]);
        }
        return text;
    }

    /**
     * How much of {@code text} can be cleaned and emitted now without knowing what follows: everything up to the
     * last space that still lies within the final {@link #LONGEST} characters.
     */
    static int safePrefix(String text) {
        int from = Math.max(0, text.length() - LONGEST);
        int space = text.lastIndexOf(' ');
        return space >= from ? space : text.length();
    }
}
