package dev.canal.ggml.vocab;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.canal.engine.api.CanalException;

import java.util.ArrayList;
import java.util.List;

import static dev.canal.ggml.vocab.TokenizerJsonTree.NODES;
import static dev.canal.ggml.vocab.TokenizerJsonTree.literal;
import static dev.canal.ggml.vocab.TokenizerJsonTree.typed;

/**
 * tokenizer.ggml.model "llama" (SentencePiece BPE, Llama 2 / Mistral / Phi-3 style) as the tokenizer.json that
 * transformers' LlamaConverter writes in legacy mode: a byte-fallback BPE whose merges come from the scores, a
 * normalizer that prepends '▁' and turns spaces into '▁', and the matching decoder.
 */
final class SentencePieceConversion {
    static final String SPACE = "\u2581";

    private SentencePieceConversion() {
    }

    static ObjectNode tokenizerJson(GgufVocab vocab) {
        if (vocab.scores() == null) {
            throw new CanalException(vocab.source() + ": metadata key tokenizer.ggml.scores is missing; a \"llama\" "
                    + "(SentencePiece) vocabulary needs scores to derive its merges");
        }
        // llama.cpp's defaults for SPM vocabularies: a space prefix and BOS, no EOS.
        boolean spacePrefix = vocab.addSpacePrefix().orElse(true);
        boolean addBos = vocab.addBos().orElse(true);
        boolean addEos = vocab.addEos().orElse(false);

        ObjectNode root = NODES.objectNode();
        root.put("version", "1.0");
        root.set("added_tokens", TokenizerJsonTree.addedTokens(vocab));

        List<ObjectNode> normalizers = new ArrayList<>();
        if (spacePrefix) {
            normalizers.add(typed("Prepend").put("prepend", SPACE));
        }
        ObjectNode replace = typed("Replace");
        replace.set("pattern", literal(" "));
        replace.put("content", SPACE);
        normalizers.add(replace);
        root.set("normalizer", TokenizerJsonTree.sequence("Sequence", "normalizers", normalizers));
        root.putNull("pre_tokenizer");
        root.set("post_processor", TokenizerJsonTree.templateProcessing(vocab, addBos, addEos));

        List<ObjectNode> decoders = new ArrayList<>();
        ObjectNode spaceBack = typed("Replace");
        spaceBack.set("pattern", literal(SPACE));
        spaceBack.put("content", " ");
        decoders.add(spaceBack);
        decoders.add(typed("ByteFallback"));
        decoders.add(typed("Fuse"));
        if (spacePrefix) {
            decoders.add(typed("Strip").put("content", " ").put("start", 1).put("stop", 0));
        }
        root.set("decoder", TokenizerJsonTree.sequence("Sequence", "decoders", decoders));

        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        if (vocab.unknown().isPresent()) {
            model.put("unk_token", vocab.tokens().get(vocab.unknown().getAsInt()));
        } else {
            model.putNull("unk_token");
        }
        model.put("fuse_unk", true);
        model.put("byte_fallback", true);
        model.put("ignore_merges", false);
        model.set("vocab", TokenizerJsonTree.vocab(vocab.tokens()));
        ArrayNode merges = model.putArray("merges");
        SentencePieceMerges.derive(vocab.tokens(), vocab.scores()).forEach(merges::add);
        return root;
    }
}
