package dev.canal.ggml.convert;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.canal.engine.api.CanalException;
import dev.canal.engine.config.ModelConfig;
import dev.canal.ggml.gguf.GgufFile;
import dev.canal.ggml.gguf.GgufWriter;
import dev.canal.engine.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Byte-level BPE vocabularies (Llama 3, Qwen3) and the pre-tokenizer identification by probe hash. */
class GgufVocabularyTest {
    @TempDir
    Path tmp;

    private static Path tokenizers(String name) {
        return Fixtures.models().resolve("tokenizers").resolve(name);
    }

    private GgufFile vocabulary(String tokenizer, int vocabSize, String arch) throws IOException {
        Path dir = tmp.resolve(tokenizer);
        Files.createDirectories(dir);
        for (String f : List.of("tokenizer.json", "tokenizer_config.json")) {
            Files.copy(tokenizers(tokenizer).resolve(f), dir.resolve(f));
        }
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.putArray("architectures").add(arch);
        c.put("hidden_size", 64).put("intermediate_size", 128).put("num_hidden_layers", 1)
                .put("num_attention_heads", 2).put("vocab_size", vocabSize);
        ModelConfig config = ModelConfig.fromJson(c, dir.resolve("config.json").toString());
        GgufWriter w = new GgufWriter();
        GgufVocabulary.write(dir, config, w);
        Path out = dir.resolve("vocab.gguf");
        w.write(out);
        return GgufFile.open(out);
    }

    @Test
    void qwen3VocabularyIsGpt2WithMergesPaddingAndControlTokens() throws IOException {
        try (GgufFile g = vocabulary("qwen3", 151936, "Qwen3ForCausalLM")) {
            assertEquals("gpt2", g.getString("tokenizer.ggml.model"));
            assertEquals("qwen2", g.getString("tokenizer.ggml.pre"));
            List<String> tokens = g.getStringArray("tokenizer.ggml.tokens");
            int[] types = g.getIntArray("tokenizer.ggml.token_type");
            assertEquals(151936, tokens.size(), "padded to config.json's vocab_size");
            int imStart = tokens.indexOf("<|im_start|>");
            assertEquals(151644, imStart);
            assertEquals(GgufVocabulary.CONTROL, types[imStart]);
            assertEquals("[PAD151935]", tokens.get(151935));
            assertEquals(GgufVocabulary.UNUSED, types[151935]);
            assertEquals(GgufVocabulary.NORMAL, types[tokens.indexOf("Ġthe")]);
            assertEquals(151387, g.getStringArray("tokenizer.ggml.merges").size());
            assertEquals("Ġ Ġ", g.getStringArray("tokenizer.ggml.merges").getFirst());
            assertFalse(g.has("tokenizer.ggml.scores"));
            assertEquals(151645, g.getInt("tokenizer.ggml.eos_token_id"));
            assertEquals(151643, g.getInt("tokenizer.ggml.padding_token_id"));
            assertFalse(g.getBool("tokenizer.ggml.add_bos_token"));
            assertTrue(g.getString("tokenizer.chat_template").contains("<|im_start|>"));
        }
    }

    /**
     * The probe hashes are llama.cpp's (canal's tokenizer encodes the probe like transformers). This Llama 3
     * tokenizer.json adds no BOS (its post-processor is ByteLevel only), so its own hash is llama.cpp's entry for
     * Smaug-Llama-3 (c136ed14…, a Llama 3 tokenizer without BOS); with BOS put back it is llama-bpe's. add_bos_token
     * says what transformers does with it: nothing (no BOS template, no flag).
     */
    @Test
    void llama3IsLlamaBpeAndAddBosFollowsItsPostProcessor() throws IOException {
        try (GgufFile g = vocabulary("llama3", 128256, "LlamaForCausalLM")) {
            assertEquals("gpt2", g.getString("tokenizer.ggml.model"));
            assertEquals("llama-bpe", g.getString("tokenizer.ggml.pre"));
            assertEquals(128000, g.getInt("tokenizer.ggml.bos_token_id"));
            assertFalse(g.getBool("tokenizer.ggml.add_bos_token"));
            assertEquals(GgufVocabulary.CONTROL, g.getIntArray("tokenizer.ggml.token_type")[128000]);
            assertEquals(280147, g.getStringArray("tokenizer.ggml.merges").size());
        }
    }

    @Test
    void mistralIsSentencePieceStyleWithScoresInPieceOrder() throws IOException {
        try (GgufFile g = vocabulary("mistral", 32000, "MistralForCausalLM")) {
            assertEquals("llama", g.getString("tokenizer.ggml.model"));
            float[] scores = g.getFloatArray("tokenizer.ggml.scores");
            int[] types = g.getIntArray("tokenizer.ggml.token_type");
            assertEquals(GgufVocabulary.UNKNOWN, types[0]);
            assertEquals(GgufVocabulary.CONTROL, types[1]);
            assertEquals(GgufVocabulary.BYTE, types[3]);
            assertEquals(GgufVocabulary.NORMAL, types[259]);
            assertEquals(-0f, scores[259]);
            assertEquals(-(31999 - 259), scores[31999]);
        }
    }

    /** A byte-level BPE whose probe hash llama.cpp does not list (GPT-2 bytes, one merge) is refused by name. */
    @Test
    void anUnknownByteLevelPreTokenizerIsRefused() throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        ObjectNode vocab = model.putObject("vocab");
        int id = 0;
        for (int b = 0; b < 256; b++) vocab.put(byteLevelChar(b), id++);
        vocab.put("\u0120t", id);
        model.putArray("merges").add("\u0120 t");
        root.putObject("pre_tokenizer").put("type", "ByteLevel").put("add_prefix_space", false)
                .put("use_regex", true);
        root.putObject("decoder").put("type", "ByteLevel");
        root.putArray("added_tokens");
        Path dir = tmp.resolve("tiny-bpe");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("tokenizer.json"), json.writeValueAsString(root));
        CanalException e = assertThrows(CanalException.class, () -> PreTokenizerName.identify(dir.resolve("tokenizer.json")));
        assertTrue(e.getMessage().contains("unknown byte-level BPE pre-tokenizer (probe hash "), e.getMessage());
    }

    /** GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves, the rest for U+0100 onwards. */
    private static String byteLevelChar(int b) {
        boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
        if (printable) return String.valueOf((char) b);
        int n = 0;
        for (int x = 0; x < b; x++) {
            if (!((x >= '!' && x <= '~') || (x >= 0xA1 && x <= 0xAC) || (x >= 0xAE && x <= 0xFF))) n++;
        }
        return String.valueOf((char) (256 + n));
    }
}
