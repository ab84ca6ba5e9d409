package dev.canal.engine.config;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelConfigTest {

    private static final String MINIMAL = """
            {"hidden_size": 64, "intermediate_size": 172, "num_hidden_layers": 2, "num_attention_heads": 8,
             "vocab_size": 512%s}""";

    @TempDir
    Path dir;

    private ModelConfig parse(String json) throws IOException {
        Path f = dir.resolve("config.json");
        Files.writeString(f, json);
        return ModelConfig.read(f);
    }

    private void fails(String json, String... fragments) throws IOException {
        Path f = dir.resolve("config.json");
        Files.writeString(f, json);
        CanalException e = assertThrows(CanalException.class, () -> ModelConfig.read(f));
        assertTrue(e.getMessage().startsWith(f + ": "), e.getMessage());
        for (String s : fragments) assertTrue(e.getMessage().contains(s), "expected \"" + s + "\" in: " + e.getMessage());
    }

    @Test
    void readsTheFixture() {
        Path file = Fixtures.model("stories260K-hf-derived").resolve("config.json");
        ModelConfig c = ModelConfig.read(file);
        assertEquals(file.toString(), c.source());
        assertEquals(List.of("LlamaForCausalLM"), c.architectures());
        assertEquals("llama", c.modelType());
        assertEquals(64, c.hiddenSize());
        assertEquals(172, c.intermediateSize());
        assertEquals(5, c.numHiddenLayers());
        assertEquals(8, c.numAttentionHeads());
        assertEquals(4, c.numKeyValueHeads());
        assertEquals(8, c.headDim());
        assertEquals(512, c.vocabSize());
        assertEquals(512, c.maxPositionEmbeddings());
        assertEquals(1e-5, c.rmsNormEps());
        assertEquals(10000.0, c.ropeTheta());
        assertNull(c.ropeScaling());
        assertEquals("silu", c.hiddenAct());
        assertFalse(c.attentionBias());
        assertFalse(c.mlpBias());
        assertTrue(c.tieWordEmbeddings());
        assertEquals(0, c.slidingWindow());
        assertEquals("float32", c.torchDtype());
        assertEquals(List.of(1), c.bosTokenIds());
        assertEquals(List.of(2), c.eosTokenIds());
        assertNull(c.quantizationConfig());
        assertEquals(64, c.qDim());
        assertEquals(32, c.kvDim());
    }

    @Test
    void defaultsWhenOptionalFieldsAreAbsent() throws IOException {
        ModelConfig c = parse(MINIMAL.formatted(""));
        assertEquals(8, c.numKeyValueHeads(), "no num_key_value_heads: plain multi-head attention");
        assertEquals(8, c.headDim(), "head_dim defaults to hidden_size / heads");
        assertEquals(10000.0, c.ropeTheta());
        assertFalse(c.tieWordEmbeddings());
        assertTrue(c.eosTokenIds().isEmpty());
    }

    @Test
    void missingHiddenSize() throws IOException {
        fails("{\"intermediate_size\": 1, \"num_hidden_layers\": 1, \"num_attention_heads\": 1, \"vocab_size\": 1}",
                "missing field \"hidden_size\"");
    }

    @Test
    void badJson() throws IOException {
        fails("{\"hidden_size\": 64,", "not valid JSON");
        fails("[]", "expected a JSON object");
    }

    @Test
    void missingFile() {
        Path f = dir.resolve("config.json");
        CanalException e = assertThrows(CanalException.class, () -> ModelConfig.read(f));
        assertTrue(e.getMessage().contains(f + ": not found"), e.getMessage());
    }

    @Test
    void headsMustBeAMultipleOfKvHeads() throws IOException {
        fails(MINIMAL.formatted(", \"num_key_value_heads\": 3"),
                "num_attention_heads 8 is not a multiple of num_key_value_heads 3");
    }

    @Test
    void fieldsMustBePositiveIntegers() throws IOException {
        fails(MINIMAL.formatted(", \"num_key_value_heads\": 0"), "\"num_key_value_heads\" must be a positive integer");
        fails(MINIMAL.formatted(", \"head_dim\": 8.5"), "\"head_dim\" must be a positive integer");
        fails(MINIMAL.formatted("").replace("\"hidden_size\": 64", "\"hidden_size\": 60"),
                "hidden_size 60 is not a multiple of num_attention_heads 8");
    }

    @Test
    void llama3RopeScaling() throws IOException {
        // The rope_scaling block of Llama 3.1 / 3.2 configs.
        ModelConfig c = parse(MINIMAL.formatted("""
                , "rope_theta": 500000.0, "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0,
                  "low_freq_factor": 1.0, "original_max_position_embeddings": 8192, "rope_type": "llama3"},
                  "eos_token_id": [128001, 128008, 128009]"""));
        RopeScaling r = c.ropeScaling();
        assertEquals("llama3", r.type());
        assertEquals(32.0, r.factor());
        assertEquals(1.0, r.lowFreqFactor());
        assertEquals(4.0, r.highFreqFactor());
        assertEquals(8192, r.originalMaxPositionEmbeddings());
        assertTrue(Double.isNaN(r.mscale()), "unused by llama3");
        assertEquals(500000.0, c.ropeTheta());
        assertEquals(List.of(128001, 128008, 128009), c.eosTokenIds());
        // Older configs spell the key "type".
        assertEquals("linear", parse(MINIMAL.formatted(", \"rope_scaling\": {\"type\": \"linear\", \"factor\": 2}"))
                .ropeScaling().type());
        fails(MINIMAL.formatted(", \"rope_scaling\": {\"factor\": 2}"), "rope_scaling has neither rope_type nor type");
    }

    @Test
    void textConfigOfMultimodalWrappers() throws IOException {
        ModelConfig c = parse("{\"architectures\": [\"Qwen3VLForConditionalGeneration\"], \"model_type\": \"qwen3_vl\","
                + " \"text_config\": " + MINIMAL.formatted(", \"num_key_value_heads\": 2") + "}");
        assertEquals(64, c.hiddenSize());
        assertEquals(2, c.numKeyValueHeads());
        assertEquals("qwen3_vl", c.modelType());
    }
}
