package dev.canal.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.canal.engine.api.CanalException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * A Hugging Face tokenizer.json tokenizer (WordPiece models like BERT's, and BPE models: byte-level like GPT-2 /
 * Llama 3 / Qwen, or SentencePiece-style with byte fallback like Llama 2 / Mistral), behaving like transformers'
 * fast tokenizers.
 * Thread-safe once loaded.
 */
public final class HfTokenizer implements Tokenizer {
    private final String[] idToToken;
    private final Map<String, Integer> tokenToId;
    private final boolean[] special;
    private final WordModel model;
    private final TextNormalizer normalizer;
    private final PreTokenizer preTokenizer;
    private final TokenDecoder decoder;
    private final PostProcessor postProcessor;
    /** Added tokens matched in the raw text, with and without the special ones. */
    private final AddedTokenSplitter rawAddedTokens;
    private final AddedTokenSplitter rawNonSpecialAddedTokens;
    /** Added tokens marked "normalized": matched in normalized text, as HF does. */
    private final AddedTokenSplitter normalizedAddedTokens;
    private final AddedTokenSplitter normalizedNonSpecialAddedTokens;
    private final boolean cleanupSpaces;
    private final OptionalInt bos;
    private final OptionalInt eos;

    private HfTokenizer(Builder b) {
        this.idToToken = b.idToToken;
        this.tokenToId = b.tokenToId;
        this.special = b.special;
        this.model = b.model;
        this.normalizer = b.normalizer;
        this.preTokenizer = b.preTokenizer;
        this.decoder = b.decoder;
        this.postProcessor = b.postProcessor;
        List<AddedToken> raw = b.added.stream().filter(t -> !t.normalized()).toList();
        List<AddedToken> normalized = b.added.stream().filter(AddedToken::normalized).toList();
        UnaryOperator<String> normalize = normalizer == null ? UnaryOperator.identity() : normalizer::normalize;
        this.rawAddedTokens = new AddedTokenSplitter(raw);
        this.rawNonSpecialAddedTokens = new AddedTokenSplitter(raw.stream().filter(t -> !t.special()).toList());
        this.normalizedAddedTokens = new AddedTokenSplitter(normalized, normalize);
        this.normalizedNonSpecialAddedTokens = new AddedTokenSplitter(
                normalized.stream().filter(t -> !t.special()).toList(), normalize);
        this.cleanupSpaces = b.cleanupSpaces;
        this.bos = b.bos;
        this.eos = b.eos;
    }

    /**
     * Loads tokenizer.json; a tokenizer_config.json beside it supplies bos/eos, additional special tokens,
     * clean_up_tokenization_spaces, and add_bos_token / add_eos_token when tokenizer.json has no post-processor.
     */
    public static HfTokenizer load(Path tokenizerJson) {
        if (!Files.isRegularFile(tokenizerJson)) {
            throw new CanalException(tokenizerJson + ": tokenizer file not found");
        }
        TokenizerJsonReader reader = new TokenizerJsonReader(tokenizerJson);
        TokenizerJson json = TokenizerJson.read(tokenizerJson, reader);
        Path configFile = tokenizerJson.resolveSibling("tokenizer_config.json");
        JsonNode config = Files.isRegularFile(configFile) ? reader.readTree(configFile) : null;
        return new HfTokenizer(new Builder(reader, json, config));
    }

    /**
     * Builds a tokenizer from an in-memory tokenizer.json tree (e.g. one converted from a GGUF vocabulary).
     *
     * @param tokenizerJson         the tokenizer.json root object
     * @param tokenizerConfigOrNull the tokenizer_config.json root object, or null when there is none
     * @param source                where the tree came from, named in error messages
     */
    public static HfTokenizer fromJson(JsonNode tokenizerJson, JsonNode tokenizerConfigOrNull, String source) {
        return new HfTokenizer(new Builder(new TokenizerJsonReader(source), TokenizerJson.ofTree(tokenizerJson),
                tokenizerConfigOrNull));
    }

    /** Assembles the parts from the parsed JSON. */
    private static final class Builder {
        String[] idToToken;
        Map<String, Integer> tokenToId;
        boolean[] special;
        WordModel model;
        TextNormalizer normalizer;
        PreTokenizer preTokenizer;
        TokenDecoder decoder;
        PostProcessor postProcessor;
        List<AddedToken> added;
        boolean cleanupSpaces;
        OptionalInt bos;
        OptionalInt eos;

        Builder(TokenizerJsonReader reader, TokenizerJson json, JsonNode config) {
            JsonNode root = json.root();
            if (!root.isObject()) {
                throw reader.error("(root)", "is not a JSON object");
            }
            JsonNode m = root.path("model");
            String type = m.path("type").asText(json.hasMerges() ? "BPE" : "");
            if (!type.equals("BPE") && !type.equals("WordPiece")) {
                throw reader.error("model.type", "\"" + type + "\" is not supported; supported model types: "
                        + TokenizerJsonReader.SUPPORTED_MODELS);
            }
            if (type.equals("BPE")) {
                for (String affix : new String[] {"continuing_subword_prefix", "end_of_word_suffix"}) {
                    if (!m.path(affix).asText("").isEmpty()) {
                        throw reader.error("model." + affix, "is not supported (only empty or null)");
                    }
                }
            }
            Map<String, Integer> vocab = json.vocab(reader);
            added = reader.addedTokens(root);

            tokenToId = new HashMap<>(vocab);
            int size = 0;
            for (int id : vocab.values()) {
                size = Math.max(size, id + 1);
            }
            for (AddedToken t : added) {
                size = Math.max(size, t.id() + 1);
            }
            idToToken = new String[size];
            vocab.forEach((tok, id) -> {
                if (id < 0) {
                    throw reader.error("model.vocab[\"" + tok + "\"]", "has a negative id");
                }
                idToToken[id] = tok;
            });
            Set<String> specialTexts = new HashSet<>();
            Set<String> addedTexts = new HashSet<>();
            for (AddedToken t : added) {
                idToToken[t.id()] = t.content();
                tokenToId.put(t.content(), t.id());
                addedTexts.add(t.content());
                if (t.special()) {
                    specialTexts.add(t.content());
                }
            }
            if (config != null) {
                config.path("additional_special_tokens").forEach(t -> specialTexts.add(tokenText(t)));
            }
            special = new boolean[size];
            for (int id = 0; id < size; id++) {
                special[id] = idToToken[id] != null && specialTexts.contains(idToToken[id]);
            }

            String unk = m.path("unk_token").asText(null);
            int unkId = unk == null ? -1 : tokenToId.getOrDefault(unk, -1);
            if (type.equals("WordPiece")) {
                if (unkId < 0) {
                    throw reader.error("model.unk_token", "is missing or not in the vocabulary; WordPiece needs it");
                }
                model = new WordPieceModel(vocab, unkId, m.path("continuing_subword_prefix").asText("##"),
                        m.path("max_input_chars_per_word").asInt(100));
            } else {
                model = new BpeModel(vocab, json.merges(reader, vocab), unkId, m.path("fuse_unk").asBoolean(false),
                        m.path("byte_fallback").asBoolean(false), m.path("ignore_merges").asBoolean(false));
            }
            normalizer = reader.normalizer(root.get("normalizer"), "normalizer");
            preTokenizer = reader.preTokenizer(root.get("pre_tokenizer"), "pre_tokenizer");
            decoder = reader.decoder(root.get("decoder"), "decoder", addedTexts);

            bos = configuredId(config, "bos_token");
            eos = configuredId(config, "eos_token");
            PostProcessor post = reader.postProcessor(root.get("post_processor"), "post_processor", tokenToId);
            if (post == null) {
                // No post-processor: the slow tokenizers' add_bos_token / add_eos_token decide.
                boolean addBos = config != null && config.path("add_bos_token").asBoolean(false) && bos.isPresent();
                boolean addEos = config != null && config.path("add_eos_token").asBoolean(false) && eos.isPresent();
                post = new PostProcessor(addBos ? new int[] {bos.getAsInt()} : new int[0],
                        addEos ? new int[] {eos.getAsInt()} : new int[0]);
            }
            postProcessor = post;
            if (bos.isEmpty() && post.prefix().length == 1) {
                bos = OptionalInt.of(post.prefix()[0]);
            }
            cleanupSpaces = config != null && config.path("clean_up_tokenization_spaces").asBoolean(true);
        }

        private OptionalInt configuredId(JsonNode config, String key) {
            if (config == null || config.path(key).isNull() || config.path(key).isMissingNode()) {
                return OptionalInt.empty();
            }
            Integer id = tokenToId.get(tokenText(config.get(key)));
            return id == null ? OptionalInt.empty() : OptionalInt.of(id);
        }

        /** tokenizer_config.json writes tokens as strings or as {"__type": "AddedToken", "content": ...}. */
        private static String tokenText(JsonNode t) {
            return t.isTextual() ? t.asText() : t.path("content").asText();
        }
    }

    @Override
    public int vocabSize() {
        return idToToken.length;
    }

    @Override
    public int[] encode(String text, boolean addSpecialTokens, boolean parseSpecial) {
        BpeModel.IntList ids = new BpeModel.IntList(text.length() / 3 + 8);
        AddedTokenSplitter normalizedTokens = parseSpecial ? normalizedAddedTokens : normalizedNonSpecialAddedTokens;
        // Pieces are numbered as they come (added tokens included): Metaspace's "first" scheme needs piece 0.
        int section = 0;
        for (AddedTokenSplitter.Piece piece : (parseSpecial ? rawAddedTokens : rawNonSpecialAddedTokens).split(text)) {
            if (piece.token() != null) {
                ids.add(piece.token().id());
                section++;
                continue;
            }
            String s = piece.text();
            if (s.isEmpty()) {
                section++;
                continue;
            }
            if (normalizer != null) {
                s = normalizer.normalize(s);
            }
            List<AddedTokenSplitter.Piece> subPieces = normalizedTokens.isEmpty()
                    ? List.of(new AddedTokenSplitter.Piece(s, null)) : normalizedTokens.split(s);
            for (AddedTokenSplitter.Piece sub : subPieces) {
                if (sub.token() != null) {
                    ids.add(sub.token().id());
                } else if (!sub.text().isEmpty()) {
                    List<String> words = preTokenizer == null ? List.of(sub.text())
                            : preTokenizer.split(sub.text(), section);
                    for (String word : words) {
                        model.encodeWord(word, ids);
                    }
                }
                section++;
            }
        }
        int[] out = ids.toArray();
        return addSpecialTokens ? postProcessor.apply(out) : out;
    }

    @Override
    public String decode(int[] ids, boolean skipSpecial) {
        List<Integer> kept = new ArrayList<>(ids.length);
        for (int id : ids) {
            if (!(skipSpecial && isSpecial(id))) {
                kept.add(id);
            }
        }
        String text = decodeRaw(kept);
        return cleanupSpaces ? TokenizationCleanup.apply(text) : text;
    }

    /**
     * The decoder chain alone (no special-token filtering, no clean-up). Ids without a token are skipped as HF
     * does: models often pad their embedding past the tokenizer's vocabulary (Qwen3: 151,936 rows for 151,669
     * tokens), and a sampled padding id must not break a stream.
     */
    String decodeRaw(List<Integer> ids) {
        List<String> tokens = new ArrayList<>(ids.size());
        for (int id : ids) {
            if (id >= 0 && id < idToToken.length && idToToken[id] != null) {
                tokens.add(idToToken[id]);
            }
        }
        if (tokens.isEmpty()) {
            return "";
        }
        return String.join("", decoder.decodeChain(tokens));
    }

    @Override
    public StreamingDecoder streamingDecoder(boolean skipSpecial) {
        return new HfStreamingDecoder(this, skipSpecial, cleanupSpaces);
    }

    @Override
    public OptionalInt tokenId(String token) {
        Integer id = tokenToId.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    @Override
    public String token(int id) {
        if (id < 0 || id >= idToToken.length || idToToken[id] == null) {
            throw new IllegalArgumentException("token id " + id + " is not in the vocabulary (size "
                    + idToToken.length + ")");
        }
        return idToToken[id];
    }

    @Override
    public boolean isSpecial(int id) {
        return id >= 0 && id < special.length && special[id];
    }

    @Override
    public OptionalInt bosId() {
        return bos;
    }

    @Override
    public OptionalInt eosId() {
        return eos;
    }
}
