package dev.canal.engine.tokenizer;

import java.util.Map;

/**
 * The WordPiece model of tokenizer.json (BERT): greedy longest match from the start of the word, pieces after the
 * first carrying continuing_subword_prefix ("##"). A word that cannot be covered completely, or that is longer than
 * max_input_chars_per_word characters, becomes the single unknown token, as in HF tokenizers.
 */
final class WordPieceModel implements WordModel {
    private final Map<String, Integer> vocab;
    private final int unkId;
    private final String continuingPrefix;
    private final int maxInputCharsPerWord;
    private final int maxPieceChars;

    WordPieceModel(Map<String, Integer> vocab, int unkId, String continuingPrefix, int maxInputCharsPerWord) {
        this.vocab = vocab;
        this.unkId = unkId;
        this.continuingPrefix = continuingPrefix;
        this.maxInputCharsPerWord = maxInputCharsPerWord;
        int longest = 0;
        for (String piece : vocab.keySet()) {
            longest = Math.max(longest, piece.codePointCount(0, piece.length()));
        }
        // Bounds the inner search: no piece is longer than the longest vocabulary entry.
        this.maxPieceChars = longest;
    }

    @Override
    public void encodeWord(String word, BpeModel.IntList out) {
        if (word.isEmpty()) {
            return;
        }
        if (word.codePointCount(0, word.length()) > maxInputCharsPerWord) {
            out.add(unkId);
            return;
        }
        BpeModel.IntList pieces = new BpeModel.IntList(8);
        int start = 0;
        while (start < word.length()) {
            int limit = start;
            for (int k = 0; k < maxPieceChars && limit < word.length(); k++) {
                limit = word.offsetByCodePoints(limit, 1);
            }
            Integer id = null;
            int end;
            for (end = limit; end > start; end = word.offsetByCodePoints(end, -1)) {
                String piece = word.substring(start, end);
                id = vocab.get(start > 0 ? continuingPrefix + piece : piece);
                if (id != null) {
                    break;
                }
            }
            if (id == null) {
                out.add(unkId);
                return;
            }
            pieces.add(id);
            start = end;
        }
        for (int i = 0; i < pieces.size(); i++) {
            out.add(pieces.get(i));
        }
    }
}
