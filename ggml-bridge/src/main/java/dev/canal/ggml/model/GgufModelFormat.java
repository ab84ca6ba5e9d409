package dev.canal.ggml.model;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.config.ModelConfig;
import dev.canal.engine.spi.ModelFormat;
import dev.canal.engine.spi.ModelSource;
import dev.canal.engine.template.ChatTemplate;
import dev.canal.engine.tokenizer.Tokenizer;
import dev.canal.ggml.gguf.GgufFile;
import dev.canal.ggml.vocab.GgufTokenizers;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * GGUF model files (llama.cpp's format) for the engine's loader: the metadata becomes a Hugging Face
 * {@link ModelConfig} naming the Hugging Face architecture class, the tensors are served under Hugging Face names,
 * so the same architecture implementation runs a GGUF file and a safetensors directory. Registered as a
 * {@link ModelFormat} service.
 */
public final class GgufModelFormat implements ModelFormat {
    private static final byte[] MAGIC = "GGUF".getBytes(StandardCharsets.US_ASCII);
    /** End-of-turn tokens that also end generation (Llama 3's <|eot_id|>, <|eom_id|>). */
    private static final String[] EXTRA_EOS_KEYS = {"tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id"};

    @Override
    public String name() {
        return "gguf";
    }

    @Override
    public boolean canOpen(Path path) {
        if (!Files.isRegularFile(path)) return false;
        try (InputStream in = Files.newInputStream(path)) {
            return Arrays.equals(in.readNBytes(MAGIC.length), MAGIC);
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public ModelSource open(Path path) {
        GgufFile file = GgufFile.open(path);
        try {
            ModelConfig config = GgufModelConfig.from(file);
            GgufWeightStore weights = GgufWeightStore.of(file);
            Tokenizer tokenizer = GgufTokenizers.fromMetadata(file);
            if (tokenizer.vocabSize() > config.vocabSize()) {
                throw new CanalException(file.name() + ": the vocabulary has " + tokenizer.vocabSize()
                        + " tokens but the model's vocabulary size is " + config.vocabSize());
            }
            return new ModelSource(path.toString(), name(), config, weights, tokenizer, chatTemplate(file, tokenizer),
                    eosIds(file, tokenizer));
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    private static Optional<ChatTemplate> chatTemplate(GgufFile file, Tokenizer tokenizer) {
        Optional<String> text = file.findString("tokenizer.chat_template");
        if (text.isEmpty()) return Optional.empty();
        try {
            return Optional.of(ChatTemplate.of(text.get(), tokenText(tokenizer, tokenizer.bosId()),
                    tokenText(tokenizer, tokenizer.eosId())));
        } catch (CanalException e) {
            throw new CanalException(file.name() + ": tokenizer.chat_template: " + e.getMessage(), e);
        }
    }

    private static String tokenText(Tokenizer tokenizer, OptionalInt id) {
        return id.isPresent() ? tokenizer.token(id.getAsInt()) : null;
    }

    /** tokenizer.ggml.eos_token_id plus the end-of-turn ids, else the tokenizer's EOS. */
    private static Set<Integer> eosIds(GgufFile file, Tokenizer tokenizer) {
        Set<Integer> ids = new LinkedHashSet<>();
        addId(file, "tokenizer.ggml.eos_token_id", tokenizer, ids);
        for (String key : EXTRA_EOS_KEYS) addId(file, key, tokenizer, ids);
        if (ids.isEmpty()) tokenizer.eosId().ifPresent(ids::add);
        return Set.copyOf(ids);
    }

    private static void addId(GgufFile file, String key, Tokenizer tokenizer, Set<Integer> ids) {
        if (!file.has(key)) return;
        long id = file.getLong(key);
        if (id == 0xFFFF_FFFFL || id == -1) return; // converters' "no such token"
        if (id < 0 || id >= tokenizer.vocabSize()) {
            throw new CanalException(file.name() + ": metadata key " + key + " = " + id
                    + " is outside the vocabulary of " + tokenizer.vocabSize() + " tokens");
        }
        ids.add((int) id);
    }
}
