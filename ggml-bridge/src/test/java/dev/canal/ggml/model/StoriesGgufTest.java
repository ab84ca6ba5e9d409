package dev.canal.ggml.model;

import dev.canal.engine.api.Canal;
import dev.canal.engine.api.Generation;
import dev.canal.engine.api.GenerationOptions;
import dev.canal.engine.api.LoadOptions;
import dev.canal.engine.api.Model;
import dev.canal.engine.api.SamplerSettings;
import dev.canal.engine.api.Session;
import dev.canal.engine.backend.cpu.CpuBackend;
import dev.canal.engine.config.ModelConfig;
import dev.canal.engine.generate.ModelLoader;
import dev.canal.engine.spi.Architectures;
import dev.canal.engine.spi.DecoderModel;
import dev.canal.engine.spi.InferenceState;
import dev.canal.engine.spi.ModelSource;
import dev.canal.engine.template.ChatTemplate;
import dev.canal.ggml.gguf.GgufFile;
import dev.canal.ggml.gguf.GgufTensor;
import dev.canal.ggml.gguf.GgufWriter;
import dev.canal.engine.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real stories260K as llama.cpp's GGUF (F32): it must load through the engine's loader, run on the same Llama
 * implementation as the Hugging Face copy of the weights and reproduce llama2.c's greedy output exactly.
 */
class StoriesGgufTest {
    static final Path DIR = Fixtures.models().resolve("stories260K-gguf");
    static final Path GGUF = DIR.resolve("stories260K.gguf");
    private static final Path HF = Fixtures.models().resolve("stories260K-hf-derived");

    static int[] expectedIds() throws IOException {
        return Arrays.stream(Files.readString(DIR.resolve("expected_greedy_200_ids.txt")).trim().split("\\s+"))
                .mapToInt(Integer::parseInt).toArray();
    }

    @Test
    void greedyFromBosMatchesLlama2c() throws IOException {
        try (Model model = Canal.load(GGUF, new LoadOptions(2, 0, 16)); Session session = model.newSession()) {
            Generation g = session.complete("", new GenerationOptions(200, SamplerSettings.greedy(), List.of()),
                    t -> { });
            assertArrayEquals(expectedIds(), g.tokenIds());
            assertEquals(Files.readString(DIR.resolve("expected_greedy_200.txt")), g.text());
            assertEquals(1, g.promptTokens(), "BOS alone");
        }
    }

    @Test
    void theLoaderPicksTheGgufFormatAndDescribesTheModel() {
        try (ModelSource src = ModelLoader.open(GGUF)) {
            assertEquals("gguf", src.format());
            ModelConfig c = src.config();
            assertEquals(List.of("LlamaForCausalLM"), c.architectures());
            assertEquals("llama", Architectures.forConfig(c).name());
            assertEquals(64, c.hiddenSize());
            assertEquals(172, c.intermediateSize());
            assertEquals(5, c.numHiddenLayers());
            assertEquals(8, c.numAttentionHeads());
            assertEquals(4, c.numKeyValueHeads());
            assertEquals(8, c.headDim());
            assertEquals(512, c.vocabSize());
            assertEquals(2048, c.maxPositionEmbeddings());
            assertEquals(1e-5, c.rmsNormEps(), 1e-12);
            assertEquals(10000.0, c.ropeTheta());
            assertEquals(1.0, c.partialRotaryFactor());
            assertNull(c.ropeScaling());
            assertTrue(c.ropeInterleaved(), "llama.cpp's Llama files pair rope dimensions (2i, 2i+1)");
            assertFalse(c.tieWordEmbeddings(), "this file ships output.weight");
            assertEquals(Set.of(2), src.eosTokenIds());
            assertEquals(48, src.weights().names().size());
            assertArrayEquals(new long[] {32, 64}, src.weights().tensor("model.layers.0.self_attn.k_proj.weight").shape());
            assertArrayEquals(new long[] {64, 172}, src.weights().tensor("model.layers.4.mlp.down_proj.weight").shape());
            assertTrue(src.chatTemplate().isEmpty());
        }
    }

    /**
     * tokenizer.chat_template is compiled with the vocabulary's BOS/EOS texts, and end-of-turn ids end generation
     * with EOS (a copy of the fixture with those keys added; <unk> stands in for an end-of-turn token).
     */
    @Test
    void chatTemplateAndEndOfTurnIds(@TempDir Path dir) {
        Path file = dir.resolve("chat.gguf");
        try (GgufFile in = GgufFile.open(GGUF)) {
            GgufWriter w = new GgufWriter().copyMetadata(in)
                    .putString("tokenizer.chat_template",
                            "{{ bos_token }}{% for m in messages %}[{{ m['role'] }}] {{ m['content'] }}{{ eos_token }}"
                                    + "{% endfor %}{% if add_generation_prompt %}[assistant] {% endif %}")
                    .putUint32("tokenizer.ggml.eot_token_id", 0);
            for (GgufTensor t : in.tensors().values()) w.addTensor(t.name(), t.type(), t.ne(), t.data());
            w.write(file);
        }
        try (ModelSource src = ModelLoader.open(file)) {
            assertEquals(Set.of(2, 0), src.eosTokenIds());
            ChatTemplate template = src.chatTemplate().orElseThrow();
            assertEquals("<s>[user] Hi</s>[assistant] ",
                    template.render(List.of(Map.of("role", "user", "content", "Hi")), null, true, Map.of()));
        }
    }

    @Test
    void canOpenOnlyGgufFiles() {
        GgufModelFormat f = new GgufModelFormat();
        assertTrue(f.canOpen(GGUF));
        assertFalse(f.canOpen(DIR), "a directory");
        assertFalse(f.canOpen(DIR.resolve("expected_greedy_200.txt")), "a text file");
        assertFalse(f.canOpen(DIR.resolve("absent.gguf")));
    }

    /**
     * GGUF and safetensors hold the same numbers, but llama.cpp's converter permuted Q/K rows for the (2i, 2i+1)
     * rope pairing: with ropeInterleaved the logits must agree with the Hugging Face layout's to float rounding
     * (the only difference is the order of the rotation's float operations).
     */
    @Test
    void logitsEqualTheSafetensorsModelsAtEveryPosition() {
        int[] tokens = {1, 403, 407, 261, 378, 432, 383, 286};
        try (ModelSource gguf = ModelLoader.open(GGUF); ModelSource hf = ModelLoader.open(HF);
             CpuBackend b1 = new CpuBackend(1); CpuBackend b2 = new CpuBackend(1)) {
            DecoderModel g = Architectures.forConfig(gguf.config()).load(gguf.config(), gguf.weights(), b1);
            DecoderModel h = Architectures.forConfig(hf.config()).load(hf.config(), hf.weights(), b2);
            InferenceState gs = g.newState(32, 1), hs = h.newState(32, 1);
            float[] gl = new float[512], hl = new float[512];
            for (int pos = 0; pos < tokens.length; pos++) {
                g.forward(gs, new int[] {tokens[pos]}, 1, pos, gl);
                h.forward(hs, new int[] {tokens[pos]}, 1, pos, hl);
                for (int i = 0; i < gl.length; i++) {
                    assertEquals(hl[i], gl[i], 1e-4f * Math.max(1, Math.abs(hl[i])), "position " + pos + " logit " + i);
                }
            }
        }
    }
}
