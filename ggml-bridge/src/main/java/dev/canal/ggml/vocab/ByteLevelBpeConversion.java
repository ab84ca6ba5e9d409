package dev.canal.ggml.vocab;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.canal.engine.api.CanalException;

import java.util.ArrayList;
import java.util.List;

import static dev.canal.ggml.vocab.TokenizerJsonTree.NODES;
import static dev.canal.ggml.vocab.TokenizerJsonTree.typed;

/**
 * tokenizer.ggml.model "gpt2" (byte-level BPE) as a tokenizer.json: the GGUF's vocabulary and merges, the
 * pre-tokenizer regexes llama.cpp uses for tokenizer.ggml.pre as isolated splits, then the byte-to-character
 * mapping (ByteLevel without its own regex), and the ByteLevel decoder.
 */
final class ByteLevelBpeConversion {
    private ByteLevelBpeConversion() {
    }

    record Result(ObjectNode tokenizerJson, ObjectNode config) {
    }

    static Result convert(GgufVocab vocab) {
        if (vocab.merges() == null) {
            throw new CanalException(vocab.source() + ": metadata key tokenizer.ggml.merges is missing; a \"gpt2\" "
                    + "(byte-level BPE) vocabulary needs its merges");
        }
        // llama.cpp: a file without tokenizer.ggml.pre (older conversions) uses the "default" regexes.
        String preName = vocab.pre().orElse("default");
        PreTokenizerRegexes.Pre pre = PreTokenizerRegexes.find(preName).orElseThrow(() -> new CanalException(
                vocab.source() + ": " + GgufVocab.KEY_PRE + " \"" + preName + "\" is not supported; supported: "
                        + PreTokenizerRegexes.supportedNames()));
        boolean addBos = vocab.addBos().orElse(pre.addBos());
        boolean addEos = vocab.addEos().orElse(false);

        ObjectNode root = NODES.objectNode();
        root.put("version", "1.0");
        root.set("added_tokens", TokenizerJsonTree.addedTokens(vocab));
        root.putNull("normalizer");

        List<ObjectNode> steps = new ArrayList<>();
        for (String regex : pre.regexes()) {
            ObjectNode split = typed("Split");
            split.set("pattern", TokenizerJsonTree.regex(regex));
            split.put("behavior", "Isolated");
            split.put("invert", false);
            steps.add(split);
        }
        steps.add(typed("ByteLevel").put("add_prefix_space", false).put("trim_offsets", true)
                .put("use_regex", false));
        root.set("pre_tokenizer", TokenizerJsonTree.sequence("Sequence", "pretokenizers", steps));
        root.set("post_processor", TokenizerJsonTree.templateProcessing(vocab, addBos, addEos));
        root.set("decoder", typed("ByteLevel").put("add_prefix_space", false).put("trim_offsets", true)
                .put("use_regex", false));

        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("unk_token");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", pre.ignoreMerges());
        model.set("vocab", TokenizerJsonTree.vocab(vocab.tokens()));
        ArrayNode merges = model.putArray("merges");
        vocab.merges().forEach(merges::add);
        return new Result(root, TokenizerJsonTree.config(vocab, pre.cleanSpaces()));
    }
}
