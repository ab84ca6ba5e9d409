package dev.canal.engine.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * HF's WordPiece decoder: a token with the continuing prefix ("##") joins the previous one without it, any other
 * token after the first is preceded by a space; cleanup then applies transformers' clean-up rules.
 */
record WordPieceDecoder(String prefix, boolean cleanup) implements TokenDecoder {

    @Override
    public List<String> decodeChain(List<String> tokens) {
        List<String> out = new ArrayList<>(tokens.size());
        for (int i = 0; i < tokens.size(); i++) {
            String t = tokens.get(i);
            if (i > 0) {
                t = t.startsWith(prefix) ? t.substring(prefix.length()) : " " + t;
            }
            out.add(cleanup ? TokenizationCleanup.apply(t) : t);
        }
        return out;
    }
}
