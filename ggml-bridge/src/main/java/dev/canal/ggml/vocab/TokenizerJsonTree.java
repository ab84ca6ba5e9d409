package dev.canal.ggml.vocab;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/** Builders for the pieces of a Hugging Face tokenizer.json tree that both converters write. */
final class TokenizerJsonTree {
    static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private TokenizerJsonTree() {
    }

    static ObjectNode typed(String type) {
        ObjectNode n = NODES.objectNode();
        n.put("type", type);
        return n;
    }

    /** {"String": s}: a literal pattern. */
    static ObjectNode literal(String s) {
        ObjectNode p = NODES.objectNode();
        p.put("String", s);
        return p;
    }

    /** {"Regex": r}: a regex pattern. */
    static ObjectNode regex(String r) {
        ObjectNode p = NODES.objectNode();
        p.put("Regex", r);
        return p;
    }

    static ObjectNode sequence(String type, String listName, List<ObjectNode> items) {
        ObjectNode n = typed(type);
        ArrayNode list = n.putArray(listName);
        items.forEach(list::add);
        return n;
    }

    /** The vocabulary as token → id. */
    static ObjectNode vocab(List<String> tokens) {
        ObjectNode v = NODES.objectNode();
        for (int id = 0; id < tokens.size(); id++) {
            v.put(tokens.get(id), id);
        }
        return v;
    }

    /**
     * Control and unknown-typed tokens become special added tokens (llama.cpp matches them in text only when asked
     * to parse special tokens); user-defined ones become plain added tokens, which llama.cpp always matches. Both
     * match the raw text (normalized false), as llama.cpp partitions the text before any other processing.
     */
    static ArrayNode addedTokens(GgufVocab vocab) {
        ArrayNode added = NODES.arrayNode();
        SpecialTokenStrip strip = SpecialTokenStrip.of(vocab);
        int[] types = vocab.types();
        for (int id = 0; id < vocab.size(); id++) {
            int t = types[id];
            if (t != GgufVocab.TYPE_CONTROL && t != GgufVocab.TYPE_UNKNOWN && t != GgufVocab.TYPE_USER_DEFINED) {
                continue;
            }
            ObjectNode a = added.addObject();
            a.put("id", id);
            a.put("content", vocab.tokens().get(id));
            a.put("single_word", false);
            a.put("lstrip", strip.lstrip(vocab.tokens().get(id)));
            a.put("rstrip", strip.rstrip(vocab.tokens().get(id)));
            a.put("normalized", false);
            a.put("special", t != GgufVocab.TYPE_USER_DEFINED);
        }
        return added;
    }

    /** A TemplateProcessing post-processor that puts BOS before and/or EOS after the sequence. */
    static ObjectNode templateProcessing(GgufVocab vocab, boolean addBos, boolean addEos) {
        ObjectNode post = typed("TemplateProcessing");
        ArrayNode single = post.putArray("single");
        ObjectNode specials = NODES.objectNode();
        if (addBos && vocab.bos().isPresent()) {
            specialToken(single, specials, vocab, vocab.bos().getAsInt());
        }
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        if (addEos && vocab.eos().isPresent()) {
            specialToken(single, specials, vocab, vocab.eos().getAsInt());
        }
        post.set("special_tokens", specials);
        return post;
    }

    private static void specialToken(ArrayNode single, ObjectNode specials, GgufVocab vocab, int id) {
        String text = vocab.tokens().get(id);
        single.addObject().putObject("SpecialToken").put("id", text).put("type_id", 0);
        ObjectNode s = specials.putObject(text);
        s.put("id", text);
        s.putArray("ids").add(id);
        s.putArray("tokens").add(text);
    }

    /** The tokenizer_config.json part HfTokenizer reads: bos/eos by text and the decode clean-up switch. */
    static ObjectNode config(GgufVocab vocab, boolean cleanUpSpaces) {
        ObjectNode c = NODES.objectNode();
        vocab.bos().ifPresent(id -> c.put("bos_token", vocab.tokens().get(id)));
        vocab.eos().ifPresent(id -> c.put("eos_token", vocab.tokens().get(id)));
        c.put("clean_up_tokenization_spaces", cleanUpSpaces);
        return c;
    }
}
