package dev.canal.ggml.convert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.canal.engine.api.CanalException;
import dev.canal.engine.config.ModelConfig;
import dev.canal.ggml.gguf.GgufArray;
import dev.canal.ggml.gguf.GgufValueType;
import dev.canal.ggml.gguf.GgufWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The tokenizer.ggml.* keys of a Hugging Face tokenizer.json (+ tokenizer_config.json, config.json), following
 * gguf-py's LlamaHfVocab / get_vocab_base / SpecialVocab:
 * <ul>
 *   <li>SentencePiece-style BPE with byte fallback (Llama 2, Mistral, stories260K) → model "llama", pre "default".
 *       tokenizer.json has no piece scores, but SentencePiece numbers normal pieces in score order, so the score of
 *       the k-th normal piece is -k (exactly the original scores for stories260K; LlamaHfVocab writes -1000 for all,
 *       which leaves llama.cpp's score-driven merging arbitrary). Byte pieces are BYTE, the unk piece UNKNOWN,
 *       special tokens CONTROL.</li>
 *   <li>Byte-level BPE (GPT-2 style: Llama 3, Qwen) → model "gpt2" with merges; pre from {@link PreTokenizerName};
 *       ids missing from the vocabulary up to config's vocab_size become "[PADn]" UNUSED tokens.</li>
 * </ul>
 */
final class GgufVocabulary {
    static final int NORMAL = 1;
    static final int UNKNOWN = 2;
    static final int CONTROL = 3;
    static final int USER_DEFINED = 4;
    static final int UNUSED = 5;
    static final int BYTE = 6;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern BYTE_PIECE = Pattern.compile("<0x[0-9A-Fa-f]{2}>");
    private static final String[] SPECIAL_TYPES = {"bos", "eos", "unk", "sep", "pad"};

    private GgufVocabulary() {
    }

    static void write(Path dir, ModelConfig config, GgufWriter w) {
        Path tokenizerFile = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(tokenizerFile)) {
            throw new CanalException(dir + ": no tokenizer.json (convert reads the vocabulary from it)");
        }
        JsonNode tok = read(tokenizerFile);
        Path configFile = dir.resolve("tokenizer_config.json");
        JsonNode tokConfig = Files.isRegularFile(configFile) ? read(configFile) : JSON.createObjectNode();
        JsonNode model = tok.path("model");
        if (!model.path("type").asText("BPE").equals("BPE") || !model.path("vocab").isObject()) {
            throw new CanalException(tokenizerFile + ": model.type \"" + model.path("type").asText()
                    + "\" cannot be converted (only BPE tokenizers)");
        }
        Map<Integer, String> byId = new HashMap<>();
        model.path("vocab").properties().forEach(e -> byId.put(e.getValue().asInt(), e.getKey()));
        Map<Integer, JsonNode> added = new HashMap<>();
        for (JsonNode a : tok.path("added_tokens")) added.put(a.path("id").asInt(), a);
        int size = config.vocabSize();
        for (int id : byId.keySet()) size = Math.max(size, id + 1);
        for (int id : added.keySet()) size = Math.max(size, id + 1);
        Set<String> specialTexts = specialTexts(tokConfig);

        boolean spm = model.path("byte_fallback").asBoolean(false);
        List<String> tokens = new ArrayList<>(size);
        int[] types = new int[size];
        float[] scores = new float[size];
        String unk = model.path("unk_token").asText(null);
        int normalRank = 0;
        for (int id = 0; id < size; id++) {
            String text = added.containsKey(id) ? added.get(id).path("content").asText() : byId.get(id);
            if (text == null) {
                tokens.add("[PAD" + id + "]");
                types[id] = UNUSED;
                continue;
            }
            JsonNode a = added.get(id);
            if (spm && BYTE_PIECE.matcher(text).matches()) {
                types[id] = BYTE;
            } else if (spm && text.equals(unk)) {
                types[id] = UNKNOWN;
            } else if (a != null && (a.path("special").asBoolean(false) || specialTexts.contains(text)
                    || looksSpecial(text))) {
                types[id] = CONTROL;
            } else if (a != null) {
                types[id] = USER_DEFINED;
                // llama.cpp expects user-defined tokens pre-normalized (get_vocab_base's Gemma note).
                if (!spm) text = text.replace('\u2581', ' ');
            } else {
                types[id] = NORMAL;
                if (spm) scores[id] = -(float) normalRank++; // -0.0 first, as SentencePiece's own scores
            }
            tokens.add(text);
        }
        w.putString("tokenizer.ggml.model", spm ? "llama" : "gpt2");
        w.putString("tokenizer.ggml.pre", spm ? "default" : PreTokenizerName.identify(tokenizerFile));
        w.putArray("tokenizer.ggml.tokens", GgufArray.ofStrings(tokens));
        if (spm) w.putArray("tokenizer.ggml.scores", GgufArray.ofFloats(scores));
        w.putArray("tokenizer.ggml.token_type", GgufArray.ofInts(GgufValueType.INT32, types));
        if (!spm) w.putArray("tokenizer.ggml.merges", GgufArray.ofStrings(merges(model, tokenizerFile)));
        writeSpecialIds(tokConfig, config, tok, added, size, w);
        writeAddFlags(tokConfig, tok, w);
        JsonNode template = tokConfig.get("chat_template");
        if (template != null && template.isTextual()) {
            w.putString("tokenizer.chat_template", template.asText());
        } else if (template != null && template.isArray()) {
            // Named templates ([{name, template}]): the "default" one is the chat template llama.cpp uses.
            for (JsonNode t : template) {
                String name = t.path("name").asText();
                String key = name.equals("default") ? "tokenizer.chat_template" : "tokenizer.chat_template." + name;
                w.putString(key, t.path("template").asText());
            }
        }
    }

    /** "a b" strings; the pair form of transformers ≥ 4.45 with spaces inside encoded as U+0120 like gguf-py. */
    private static List<String> merges(JsonNode model, Path file) {
        List<String> out = new ArrayList<>();
        for (JsonNode m : model.path("merges")) {
            if (m.isTextual()) {
                out.add(m.asText());
            } else if (m.isArray() && m.size() == 2) {
                out.add(m.get(0).asText().replace(' ', '\u0120') + " " + m.get(1).asText().replace(' ', '\u0120'));
            } else {
                throw new CanalException(file + ": model.merges entry " + m + " is neither \"a b\" nor [a, b]");
            }
        }
        if (out.isEmpty()) throw new CanalException(file + ": a byte-level BPE tokenizer needs model.merges");
        return out;
    }

    /** bos/eos/unk/sep/pad: tokenizer_config's token text looked up in added_tokens, else config.json's *_token_id. */
    private static void writeSpecialIds(JsonNode tokConfig, ModelConfig config, JsonNode tok,
                                        Map<Integer, JsonNode> added, int size, GgufWriter w) {
        for (String typ : SPECIAL_TYPES) {
            Integer id = null;
            JsonNode entry = tokConfig.get(typ + "_token");
            String text = entry == null ? null : entry.isTextual() ? entry.asText()
                    : entry.isObject() ? entry.path("content").asText(null) : null;
            if (text != null) {
                for (JsonNode a : tok.path("added_tokens")) {
                    if (text.equals(a.path("content").asText())) {
                        id = a.path("id").asInt();
                        break;
                    }
                }
            }
            JsonNode fromConfig = config.raw().get(typ + "_token_id");
            if (id == null && fromConfig != null && fromConfig.canConvertToInt()) id = fromConfig.asInt();
            if (id != null && id >= 0 && id < size) {
                String key = typ.equals("pad") ? "padding" : typ.equals("unk") ? "unknown" : typ.equals("sep")
                        ? "seperator" : typ;
                w.putUint32("tokenizer.ggml." + key + "_token_id", id);
            }
        }
    }

    /**
     * add_bos_token / add_eos_token from tokenizer_config.json when it says; otherwise what tokenizer.json's
     * TemplateProcessing post-processor puts around a single sequence (Llama 3 adds BOS there, Qwen nothing);
     * written always, so llama.cpp does exactly what transformers does rather than its per-pre-tokenizer default.
     */
    private static void writeAddFlags(JsonNode tokConfig, JsonNode tok, GgufWriter w) {
        JsonNode single = templateSingle(tok.path("post_processor"));
        for (String typ : new String[] {"bos", "eos"}) {
            JsonNode v = tokConfig.get("add_" + typ + "_token");
            boolean add;
            if (v != null && v.isBoolean()) {
                add = v.asBoolean();
            } else if (single != null && single.size() > 0) {
                JsonNode end = typ.equals("bos") ? single.get(0) : single.get(single.size() - 1);
                add = end.has("SpecialToken");
            } else {
                add = false; // no post-processor template and no flag: transformers adds nothing
            }
            w.putBool("tokenizer.ggml.add_" + typ + "_token", add);
        }
    }

    private static JsonNode templateSingle(JsonNode post) {
        if (post.path("type").asText().equals("TemplateProcessing")) return post.get("single");
        if (post.path("type").asText().equals("Sequence")) {
            for (JsonNode p : post.path("processors")) {
                JsonNode s = templateSingle(p);
                if (s != null) return s;
            }
        }
        return null;
    }

    private static Set<String> specialTexts(JsonNode tokConfig) {
        Set<String> s = new HashSet<>();
        for (JsonNode t : tokConfig.path("additional_special_tokens")) {
            s.add(t.isTextual() ? t.asText() : t.path("content").asText());
        }
        return s;
    }

    /** get_vocab_base's does_token_look_special: added tokens some models forget to mark special. */
    static boolean looksSpecial(String t) {
        return t.equals("<pad>") || t.equals("<mask>") || t.equals("<2mass>") || t.equals("[@BOS@]")
                || (t.startsWith("<|") && t.endsWith("|>")) || (t.startsWith("<｜") && t.endsWith("｜>"));
    }

    private static JsonNode read(Path file) {
        try {
            return JSON.readTree(Files.readString(file));
        } catch (IOException e) {
            String why = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            throw new CanalException(file + ": not valid JSON: " + why);
        }
    }
}
