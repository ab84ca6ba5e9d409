package dev.canal.models;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.canal.engine.api.CanalException;
import dev.canal.engine.api.Canal;
import dev.canal.engine.api.LoadOptions;
import dev.canal.engine.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each way a model directory can be wrong gets its own message naming the file, field or tensor. */
class ModelLoadErrorsTest {
    private static final Path STORIES = Fixtures.model("stories260K-hf-derived");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Path copyWithConfig(Consumer<ObjectNode> edit) throws IOException {
        for (String f : List.of("model.safetensors", "tokenizer.json", "tokenizer_config.json")) {
            Files.copy(STORIES.resolve(f), dir.resolve(f));
        }
        ObjectNode cfg = (ObjectNode) JSON.readTree(STORIES.resolve("config.json").toFile());
        edit.accept(cfg);
        JSON.writeValue(dir.resolve("config.json").toFile(), cfg);
        return dir;
    }

    private static String failure(Path model) {
        CanalException e = assertThrows(CanalException.class, () -> Canal.load(model, new LoadOptions(1, 0, 8)).close());
        return e.getMessage();
    }

    private static void assertMentions(String message, String... parts) {
        for (String p : parts) assertTrue(message.contains(p), "\"" + message + "\" should mention \"" + p + "\"");
    }

    @Test
    void missingDirectory() {
        assertMentions(failure(dir.resolve("nope")), "nope", "no such file or directory");
    }

    @Test
    void directoryWithoutConfig() {
        assertMentions(failure(dir), "config.json", "not found");
    }

    @Test
    void unknownArchitectureListsTheSupportedOnes() throws IOException {
        Path m = copyWithConfig(c -> {
            c.putArray("architectures").add("GPTBigCodeForCausalLM");
            c.put("model_type", "gpt_bigcode");
        });
        assertMentions(failure(m), "GPTBigCodeForCausalLM", "LlamaForCausalLM", "Qwen3ForCausalLM", "Qwen2ForCausalLM");
    }

    @Test
    void wrongVocabSizeNamesTheEmbeddingTensor() throws IOException {
        Path m = copyWithConfig(c -> c.put("vocab_size", 1024));
        assertMentions(failure(m), "model.embed_tokens.weight", "[512, 64]", "[1024, 64]");
    }

    @Test
    void tokenizerLargerThanTheModelVocabulary() throws IOException {
        Path m = copyWithConfig(c -> c.put("vocab_size", 256));
        assertMentions(failure(m), "tokenizer.json", "512 tokens", "vocab_size is 256");
    }

    @Test
    void wrongLayerCountNamesTheMissingTensor() throws IOException {
        Path m = copyWithConfig(c -> c.put("num_hidden_layers", 6));
        assertMentions(failure(m), "missing tensor", "model.layers.5.");
    }

    @Test
    void wrongHeadGeometryNamesTheProjection() throws IOException {
        Path m = copyWithConfig(c -> c.put("num_key_value_heads", 8));
        assertMentions(failure(m), "model.layers.0.self_attn.k_proj.weight", "[32, 64]", "[64, 64]");
    }

    @Test
    void unsupportedRopeScaling() throws IOException {
        Path m = copyWithConfig(c -> c.putObject("rope_scaling").put("rope_type", "longrope").put("factor", 4.0));
        assertMentions(failure(m), "rope_scaling", "longrope", "linear, llama3, yarn");
    }

    @Test
    void unsupportedActivation() throws IOException {
        Path m = copyWithConfig(c -> c.put("hidden_act", "gelu"));
        assertMentions(failure(m), "hidden_act", "gelu", "silu");
    }

    /** A quantized checkpoint in a form canal does not read names the field: here AWQ with 3 bits. */
    @Test
    void unsupportedQuantizationIsRefusedByField() throws IOException {
        Path awq = Fixtures.model("stories260K-awq-derived");
        for (String f : List.of("model.safetensors", "tokenizer.json", "tokenizer_config.json")) {
            Files.copy(awq.resolve(f), dir.resolve(f));
        }
        ObjectNode cfg = (ObjectNode) JSON.readTree(awq.resolve("config.json").toFile());
        ((ObjectNode) cfg.get("quantization_config")).put("bits", 3);
        JSON.writeValue(dir.resolve("config.json").toFile(), cfg);
        assertMentions(failure(dir), "quantization_config", "\"bits\" is 3", "4 bits");
    }

    @Test
    void unknownQuantMethodListsTheSupportedOnes() throws IOException {
        Path m = copyWithConfig(c -> c.putObject("quantization_config").put("quant_method", "bitsandbytes"));
        assertMentions(failure(m), "quant_method", "bitsandbytes", "awq");
    }

    /** The tokenizer loads on its own thread; when the weights fail too, its error still comes first. */
    @Test
    void aBrokenTokenizerIsReportedBeforeMissingWeights() throws IOException {
        Path m = copyWithConfig(c -> { });
        Files.writeString(m.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\", ");
        Files.delete(m.resolve("model.safetensors"));
        assertMentions(failure(m), "tokenizer.json", "not valid JSON");
    }

    @Test
    void missingTokenizer() throws IOException {
        Path m = copyWithConfig(c -> { });
        Files.delete(m.resolve("tokenizer.json"));
        assertMentions(failure(m), "tokenizer.json");
    }
}
