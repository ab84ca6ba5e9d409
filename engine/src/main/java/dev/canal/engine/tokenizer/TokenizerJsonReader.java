package dev.canal.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.canal.engine.api.CanalException;

import java.io.IOException;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Reads the parts of a tokenizer.json; every problem becomes a CanalException naming the file and field. */
final class TokenizerJsonReader {
    static final String SUPPORTED_MODELS = "BPE, WordPiece";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Where the JSON came from (a file, or e.g. "model.gguf (tokenizer metadata)"), for error messages. */
    private final String source;

    TokenizerJsonReader(Path file) {
        this(file.toString());
    }

    TokenizerJsonReader(String source) {
        this.source = source;
    }

    JsonNode readTree(Path path) {
        try {
            return JSON.readTree(path.toFile());
        } catch (IOException e) {
            throw unreadable(path, e);
        }
    }

    CanalException unreadable(Path path, IOException e) {
        String why = e instanceof com.fasterxml.jackson.core.JsonProcessingException j
                ? "is not valid JSON: " + j.getOriginalMessage() : "cannot be read: " + e;
        return new CanalException(path + " " + why, e);
    }

    CanalException error(String field, String what) {
        return new CanalException(source + ": " + field + " " + what);
    }

    Map<String, Integer> vocab(JsonNode model) {
        JsonNode v = model.get("vocab");
        if (v == null || !v.isObject() || v.isEmpty()) {
            throw error("model.vocab", "is missing or empty; expected an object of token → id");
        }
        Map<String, Integer> vocab = new HashMap<>(v.size() * 4 / 3 + 1);
        for (var it = v.properties().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().canConvertToInt()) {
                throw error("model.vocab[\"" + e.getKey() + "\"]", "is not an integer id");
            }
            vocab.put(e.getKey(), e.getValue().intValue());
        }
        return vocab;
    }

    /** model.merges of a tree as a flat list of pieces: left and right of rank 0, then of rank 1, ... */
    List<String> mergePieces(JsonNode model) {
        JsonNode m = model.get("merges");
        if (m == null || !m.isArray()) {
            throw error("model.merges", "is missing; expected a list of \"a b\" strings or [\"a\", \"b\"] pairs");
        }
        List<String> pieces = new ArrayList<>(2 * m.size());
        for (int rank = 0; rank < m.size(); rank++) {
            JsonNode e = m.get(rank);
            if (e.isTextual()) {
                splitMerge(e.asText(), rank, pieces);
            } else if (e.isArray() && e.size() == 2) {
                pieces.add(e.get(0).asText());
                pieces.add(e.get(1).asText());
            } else {
                throw error("model.merges[" + rank + "]", "is neither \"a b\" nor [\"a\", \"b\"]");
            }
        }
        return pieces;
    }

    /** Adds the two pieces of a merge written "a b" (a piece may itself start with a space). */
    void splitMerge(String merge, int rank, List<String> pieces) {
        int space = merge.indexOf(' ', 1);
        if (space < 0) {
            throw error("model.merges[" + rank + "]", "\"" + merge + "\" is not two pieces separated by a space");
        }
        pieces.add(merge.substring(0, space));
        pieces.add(merge.substring(space + 1));
    }

    /** The merge table of a flat list of pieces (see {@link #mergePieces}); the first listing of a pair wins. */
    MergeTable merges(List<String> pieces, Map<String, Integer> vocab) {
        MergeTable merges = new MergeTable(pieces.size() / 2);
        for (int rank = 0; rank < pieces.size() / 2; rank++) {
            String a = pieces.get(2 * rank);
            String b = pieces.get(2 * rank + 1);
            Integer left = vocab.get(a);
            Integer right = vocab.get(b);
            Integer merged = vocab.get(a + b);
            if (left == null || right == null || merged == null) {
                throw error("model.merges[" + rank + "]", "(\"" + a + "\", \"" + b
                        + "\") uses a piece that is not in model.vocab");
            }
            merges.putIfAbsent(MergeTable.pair(left, right), MergeTable.entry(rank, merged));
        }
        return merges;
    }

    List<AddedToken> addedTokens(JsonNode root) {
        List<AddedToken> out = new ArrayList<>();
        JsonNode list = root.path("added_tokens");
        for (int i = 0; i < list.size(); i++) {
            JsonNode t = list.get(i);
            if (!t.path("id").canConvertToInt() || !t.path("content").isTextual()) {
                throw error("added_tokens[" + i + "]", "needs an integer id and a string content");
            }
            out.add(new AddedToken(t.get("id").intValue(), t.get("content").asText(), t.path("special").asBoolean(false),
                    t.path("single_word").asBoolean(false), t.path("lstrip").asBoolean(false),
                    t.path("rstrip").asBoolean(false),
                    t.path("normalized").asBoolean(!t.path("special").asBoolean(false))));
        }
        return out;
    }

    TextNormalizer normalizer(JsonNode n, String field) {
        if (n == null || n.isNull()) {
            return null;
        }
        String type = n.path("type").asText();
        return switch (type) {
            case "NFC" -> new TextNormalizer.Unicode(Normalizer.Form.NFC);
            case "NFD" -> new TextNormalizer.Unicode(Normalizer.Form.NFD);
            case "NFKC" -> new TextNormalizer.Unicode(Normalizer.Form.NFKC);
            case "NFKD" -> new TextNormalizer.Unicode(Normalizer.Form.NFKD);
            case "Prepend" -> new TextNormalizer.Prepend(n.path("prepend").asText());
            case "Replace" -> new TextNormalizer.Replace(pattern(n.path("pattern"), field + ".pattern"),
                    n.path("content").asText());
            case "Lowercase" -> new TextNormalizer.Lowercase();
            case "BertNormalizer" -> {
                boolean lowercase = n.path("lowercase").asBoolean(true);
                JsonNode strip = n.path("strip_accents");
                yield new BertNormalizer(n.path("clean_text").asBoolean(true),
                        n.path("handle_chinese_chars").asBoolean(true),
                        strip.isBoolean() ? strip.asBoolean() : lowercase, lowercase);
            }
            case "Strip" -> new TextNormalizer.Strip(n.path("strip_left").asBoolean(true),
                    n.path("strip_right").asBoolean(true));
            case "Sequence" -> {
                List<TextNormalizer> steps = new ArrayList<>();
                JsonNode list = n.path("normalizers");
                for (int i = 0; i < list.size(); i++) {
                    steps.add(normalizer(list.get(i), field + ".normalizers[" + i + "]"));
                }
                yield new TextNormalizer.Sequence(steps);
            }
            default -> throw error(field, "has unsupported type \"" + type
                    + "\"; supported: NFC, NFD, NFKC, NFKD, Prepend, Replace, Lowercase, BertNormalizer, Strip, "
                    + "Sequence");
        };
    }

    PreTokenizer preTokenizer(JsonNode n, String field) {
        if (n == null || n.isNull()) {
            return null;
        }
        String type = n.path("type").asText();
        return switch (type) {
            case "ByteLevel" -> new PreTokenizer.ByteLevel(n.path("add_prefix_space").asBoolean(true),
                    n.path("use_regex").asBoolean(true));
            case "Split" -> new PreTokenizer.Split(pattern(n.path("pattern"), field + ".pattern"),
                    behavior(n.path("behavior").asText("Isolated"), field), n.path("invert").asBoolean(false));
            case "BertPreTokenizer" -> new BertPreTokenizer();
            case "Metaspace" -> {
                String scheme = n.path("prepend_scheme").asText("always");
                boolean addPrefix = n.has("add_prefix_space") ? n.get("add_prefix_space").asBoolean()
                        : !scheme.equals("never");
                yield new PreTokenizer.Metaspace(n.path("replacement").asText("\u2581"), scheme, addPrefix,
                        n.path("split").asBoolean(true));
            }
            case "Sequence" -> {
                List<PreTokenizer> steps = new ArrayList<>();
                JsonNode list = n.path("pretokenizers");
                for (int i = 0; i < list.size(); i++) {
                    steps.add(preTokenizer(list.get(i), field + ".pretokenizers[" + i + "]"));
                }
                yield new PreTokenizer.Sequence(steps);
            }
            default -> throw error(field, "has unsupported type \"" + type
                    + "\"; supported: ByteLevel, Split, BertPreTokenizer, Metaspace, Sequence");
        };
    }

    private PreTokenizer.Behavior behavior(String name, String field) {
        return switch (name) {
            case "Removed" -> PreTokenizer.Behavior.REMOVED;
            case "Isolated" -> PreTokenizer.Behavior.ISOLATED;
            case "MergedWithPrevious" -> PreTokenizer.Behavior.MERGED_WITH_PREVIOUS;
            case "MergedWithNext" -> PreTokenizer.Behavior.MERGED_WITH_NEXT;
            case "Contiguous" -> PreTokenizer.Behavior.CONTIGUOUS;
            default -> throw error(field + ".behavior", "\"" + name + "\" is not a split behavior");
        };
    }

    TokenDecoder decoder(JsonNode n, String field, Set<String> addedTokens) {
        if (n == null || n.isNull()) {
            return TokenDecoder.NONE;
        }
        String type = n.path("type").asText();
        return switch (type) {
            case "ByteLevel" -> new TokenDecoder.ByteLevel(addedTokens);
            case "Replace" -> new TokenDecoder.Replace(pattern(n.path("pattern"), field + ".pattern"),
                    n.path("content").asText());
            case "ByteFallback" -> new TokenDecoder.ByteFallback();
            case "Fuse" -> new TokenDecoder.Fuse();
            case "WordPiece" -> new WordPieceDecoder(n.path("prefix").asText("##"),
                    n.path("cleanup").asBoolean(true));
            case "Strip" -> new TokenDecoder.Strip(n.path("content").asText(" "), n.path("start").asInt(0),
                    n.path("stop").asInt(0));
            case "Metaspace" -> {
                boolean addPrefix = n.has("add_prefix_space") ? n.get("add_prefix_space").asBoolean()
                        : !n.path("prepend_scheme").asText("always").equals("never");
                yield new TokenDecoder.Metaspace(n.path("replacement").asText("\u2581"), addPrefix);
            }
            case "Sequence" -> {
                List<TokenDecoder> steps = new ArrayList<>();
                JsonNode list = n.path("decoders");
                for (int i = 0; i < list.size(); i++) {
                    steps.add(decoder(list.get(i), field + ".decoders[" + i + "]", addedTokens));
                }
                yield new TokenDecoder.Sequence(steps);
            }
            default -> throw error(field, "has unsupported type \"" + type
                    + "\"; supported: ByteLevel, Replace, ByteFallback, Fuse, WordPiece, Strip, Metaspace, Sequence");
        };
    }

    /**
     * The post-processor as ids around the sequence. Returns null when there is none, so the caller can fall back
     * to tokenizer_config.json's add_bos_token / add_eos_token.
     */
    PostProcessor postProcessor(JsonNode n, String field, Map<String, Integer> ids) {
        if (n == null || n.isNull()) {
            return null;
        }
        String type = n.path("type").asText();
        return switch (type) {
            case "ByteLevel" -> PostProcessor.NONE;
            case "TemplateProcessing" -> template(n, field, ids);
            case "BertProcessing", "RobertaProcessing" -> new PostProcessor(
                    new int[] {specialPair(n.path("cls"), field + ".cls", ids)},
                    new int[] {specialPair(n.path("sep"), field + ".sep", ids)});
            case "Sequence" -> {
                List<PostProcessor> steps = new ArrayList<>();
                JsonNode list = n.path("processors");
                for (int i = 0; i < list.size(); i++) {
                    steps.add(postProcessor(list.get(i), field + ".processors[" + i + "]", ids));
                }
                yield PostProcessor.chain(steps);
            }
            default -> throw error(field, "has unsupported type \"" + type
                    + "\"; supported: TemplateProcessing, ByteLevel, BertProcessing, RobertaProcessing, Sequence");
        };
    }

    private int specialPair(JsonNode pair, String field, Map<String, Integer> ids) {
        if (pair.size() == 2 && pair.get(1).canConvertToInt()) {
            return pair.get(1).intValue();
        }
        Integer id = ids.get(pair.path(0).asText());
        if (id == null) {
            throw error(field, "names a token that is not in the vocabulary");
        }
        return id;
    }

    private PostProcessor template(JsonNode n, String field, Map<String, Integer> ids) {
        List<Integer> before = new ArrayList<>();
        List<Integer> after = new ArrayList<>();
        boolean seenSequence = false;
        JsonNode single = n.path("single");
        for (int i = 0; i < single.size(); i++) {
            JsonNode item = single.get(i);
            if (item.has("Sequence")) {
                seenSequence = true;
                continue;
            }
            String name = item.path("SpecialToken").path("id").asText(null);
            if (name == null) {
                throw error(field + ".single[" + i + "]", "is neither a SpecialToken nor a Sequence");
            }
            List<Integer> target = seenSequence ? after : before;
            JsonNode special = n.path("special_tokens").path(name).path("ids");
            if (special.isArray() && !special.isEmpty()) {
                special.forEach(id -> target.add(id.intValue()));
            } else if (ids.containsKey(name)) {
                target.add(ids.get(name));
            } else {
                throw error(field + ".single[" + i + "]", "names special token \"" + name + "\" that has no id");
            }
        }
        return new PostProcessor(before.stream().mapToInt(Integer::intValue).toArray(),
                after.stream().mapToInt(Integer::intValue).toArray());
    }

    private Pattern pattern(JsonNode p, String field) {
        if (p.has("String")) {
            return Pattern.compile(Pattern.quote(p.get("String").asText()));
        }
        if (p.has("Regex")) {
            try {
                return HfRegex.compile(p.get("Regex").asText());
            } catch (PatternSyntaxException e) {
                throw error(field, "regex cannot be compiled: " + e.getDescription());
            }
        }
        throw error(field, "needs a \"String\" or a \"Regex\"");
    }
}
