package dev.canal.ggml.vocab;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * BPE merges equivalent to a SentencePiece vocabulary, derived the way transformers' SentencePieceExtractor does:
 * every split of a piece into two pieces that are both in the vocabulary is a merge, and merges are ranked by the
 * merged piece's score (highest first; within one piece by the ids of its two halves). A BPE that applies the
 * lowest-ranked pair first then merges the best-scoring piece first, as SentencePiece (and llama.cpp's
 * llm_tokenizer_spm) do; only ties between different pieces of equal score can be broken differently (llama.cpp
 * takes the leftmost pair).
 */
final class SentencePieceMerges {
    private SentencePieceMerges() {
    }

    /** Returns the merges as "left right" strings, best first. */
    static List<String> derive(List<String> pieces, float[] scores) {
        Map<String, Integer> ids = new HashMap<>(pieces.size() * 2);
        for (int id = 0; id < pieces.size(); id++) {
            ids.putIfAbsent(pieces.get(id), id);
        }
        record Merge(int left, int right, int merged) {
        }
        List<Merge> merges = new ArrayList<>();
        for (int id = 0; id < pieces.size(); id++) {
            String piece = pieces.get(id);
            // Split at code point boundaries: a piece is a sequence of characters, not of UTF-16 units.
            for (int at = piece.offsetByCodePoints(0, Math.min(1, piece.length())); at < piece.length();
                 at = piece.offsetByCodePoints(at, 1)) {
                Integer left = ids.get(piece.substring(0, at));
                Integer right = ids.get(piece.substring(at));
                if (left != null && right != null) {
                    merges.add(new Merge(left, right, id));
                }
            }
        }
        // Stable sort: by score descending, then (as the extractor's per-piece order) by piece id, left id, right id.
        merges.sort(Comparator.comparingDouble((Merge m) -> -scores[m.merged()])
                .thenComparingInt(Merge::merged).thenComparingInt(Merge::left).thenComparingInt(Merge::right));
        List<String> out = new ArrayList<>(merges.size());
        for (Merge m : merges) {
            out.add(pieces.get(m.left()) + " " + pieces.get(m.right()));
        }
        return out;
    }
}
