package dev.canal.ggml.vocab;

import dev.canal.engine.api.CanalException;
import dev.canal.ggml.gguf.GgufFile;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The tokenizer.ggml.* metadata of a GGUF file, read and checked once so the converters work on plain values.
 *
 * @param source       the file name, for error messages
 * @param generalName  general.name, or "" (llama.cpp keys a few token attributes on it)
 * @param tokens       token strings by id
 * @param scores       SentencePiece scores by id, or null when the file has none
 * @param types        token types by id (see the TYPE_ constants); all {@link #TYPE_NORMAL} when the file has none
 * @param merges       "a b" merges for byte-level BPE, or null
 */
record GgufVocab(String source, String generalName, String model, Optional<String> pre, List<String> tokens,
                 float[] scores, int[] types, List<String> merges, OptionalInt bos, OptionalInt eos,
                 OptionalInt unknown, Optional<Boolean> addBos, Optional<Boolean> addEos,
                 Optional<Boolean> addSpacePrefix) {

    /** llama.cpp's llama_token_type values as GGUF stores them in tokenizer.ggml.token_type. */
    static final int TYPE_NORMAL = 1;
    static final int TYPE_UNKNOWN = 2;
    static final int TYPE_CONTROL = 3;
    static final int TYPE_USER_DEFINED = 4;
    static final int TYPE_UNUSED = 5;
    static final int TYPE_BYTE = 6;

    static final String KEY_MODEL = "tokenizer.ggml.model";
    static final String KEY_PRE = "tokenizer.ggml.pre";

    static GgufVocab read(GgufFile file) {
        String source = file.name();
        if (!file.has(KEY_MODEL)) {
            throw new CanalException(source + ": metadata key " + KEY_MODEL + " is missing; the file has no tokenizer");
        }
        String model = file.getString(KEY_MODEL);
        List<String> tokens = uniqueTokens(source, file.getStringArray("tokenizer.ggml.tokens"));
        int n = tokens.size();
        float[] scores = file.has("tokenizer.ggml.scores") ? file.getFloatArray("tokenizer.ggml.scores") : null;
        checkLength(source, "tokenizer.ggml.scores", scores == null ? n : scores.length, n);
        int[] types = file.has("tokenizer.ggml.token_type") ? file.getIntArray("tokenizer.ggml.token_type") : null;
        checkLength(source, "tokenizer.ggml.token_type", types == null ? n : types.length, n);
        if (types == null) {
            types = new int[n];
            Arrays.fill(types, TYPE_NORMAL);
        }
        List<String> merges = file.has("tokenizer.ggml.merges") ? file.getStringArray("tokenizer.ggml.merges") : null;
        return new GgufVocab(source, file.findString("general.name").orElse(""), model, file.findString(KEY_PRE),
                tokens, scores, types, merges,
                tokenId(file, "tokenizer.ggml.bos_token_id", n), tokenId(file, "tokenizer.ggml.eos_token_id", n),
                tokenId(file, "tokenizer.ggml.unknown_token_id", n),
                flag(file, "tokenizer.ggml.add_bos_token"), flag(file, "tokenizer.ggml.add_eos_token"),
                flag(file, "tokenizer.ggml.add_space_prefix"));
    }

    int size() {
        return tokens.size();
    }

    /** Empty tokens get llama.cpp's placeholder name; a token text used twice is refused (llama.cpp asserts). */
    private static List<String> uniqueTokens(String source, List<String> raw) {
        if (raw.isEmpty()) {
            throw new CanalException(source + ": metadata key tokenizer.ggml.tokens is empty");
        }
        List<String> tokens = new ArrayList<>(raw.size());
        Map<String, Integer> seen = new HashMap<>(raw.size() * 2);
        for (int id = 0; id < raw.size(); id++) {
            String t = raw.get(id).isEmpty() ? "[EMPTY_" + id + "]" : raw.get(id);
            Integer first = seen.putIfAbsent(t, id);
            if (first != null) {
                throw new CanalException(source + ": metadata key tokenizer.ggml.tokens[" + id + "] \"" + t
                        + "\" repeats token " + first + "; token texts must be unique");
            }
            tokens.add(t);
        }
        return tokens;
    }

    private static void checkLength(String source, String key, int length, int expected) {
        if (length != expected) {
            throw new CanalException(source + ": metadata key " + key + " has " + length
                    + " entries, expected one per token (" + expected + ")");
        }
    }

    /**
     * A special-token id; ids outside the vocabulary (converters write 0xFFFFFFFF for "none") count as absent, as
     * llama.cpp treats them.
     */
    private static OptionalInt tokenId(GgufFile file, String key, int vocabSize) {
        if (!file.has(key)) {
            return OptionalInt.empty();
        }
        long id = file.getLong(key);
        return id >= 0 && id < vocabSize ? OptionalInt.of((int) id) : OptionalInt.empty();
    }

    private static Optional<Boolean> flag(GgufFile file, String key) {
        return file.has(key) ? Optional.of(file.getBool(key)) : Optional.empty();
    }
}
