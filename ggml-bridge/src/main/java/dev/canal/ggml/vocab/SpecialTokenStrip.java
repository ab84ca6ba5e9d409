package dev.canal.ggml.vocab;

import java.util.Locale;
import java.util.Set;

/**
 * Which added tokens swallow the whitespace beside them. GGUF has no key for this; llama.cpp sets it by model or
 * pre-tokenizer name (llama_vocab::load, "set attributes by model/tokenizer name"), matching the lstrip / rstrip
 * flags of those models' tokenizer.json, and so do we.
 */
record SpecialTokenStrip(Set<String> lstripTokens, boolean rstripAll, Set<String> rstripExceptions) {
    private static final SpecialTokenStrip NONE = new SpecialTokenStrip(Set.of(), false, Set.of());

    static SpecialTokenStrip of(GgufVocab vocab) {
        String pre = vocab.pre().orElse("");
        String name = vocab.generalName().toLowerCase(Locale.ROOT);
        if (pre.contains("jina-v2-de") || pre.contains("jina-v2-es") || pre.contains("jina-v2-code")) {
            return new SpecialTokenStrip(Set.of("<mask>"), false, Set.of());
        }
        if (name.contains("phi-3") || name.contains("phi3")) {
            // Phi-3: every control / user-defined token eats the whitespace after it, except these three.
            return new SpecialTokenStrip(Set.of(), true, Set.of("<unk>", "<s>", "<|endoftext|>"));
        }
        return NONE;
    }

    boolean lstrip(String token) {
        return lstripTokens.contains(token);
    }

    boolean rstrip(String token) {
        return rstripAll && !rstripExceptions.contains(token);
    }
}
