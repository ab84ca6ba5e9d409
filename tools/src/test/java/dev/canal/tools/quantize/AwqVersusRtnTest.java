package dev.canal.tools.quantize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.canal.engine.api.Canal;
import dev.canal.engine.api.Generation;
import dev.canal.engine.api.GenerationOptions;
import dev.canal.engine.api.LoadOptions;
import dev.canal.engine.api.Model;
import dev.canal.engine.api.SamplerSettings;
import dev.canal.engine.api.Session;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The point of --method awq: on a model whose norms make a few input channels 20–50× larger than the rest (the
 * outliers real LLMs have), activation-aware scales quantize to int4 with less damage than round-to-nearest. Both
 * are written by the command line as AWQ int4 g32 checkpoints, loaded by canal, and compared with the float model
 * on a prompt that is not the calibration text.
 */
class AwqVersusRtnTest {
    @TempDir
    Path tmp;

    @Test
    void awqScalesBeatRoundToNearestOnOutlierChannels() throws IOException {
        Path model = TinyLlama.write(tmp.resolve("float"), 7);
        Path rtn = tmp.resolve("rtn");
        Path awq = tmp.resolve("awq");
        QuantizeCli.Result r = QuantizeCli.run("quantize", model.toString(), "--to", "awq", "--group-size", "32",
                "--method", "rtn", "--threads", "2", "-o", rtn.toString());
        assertEquals(0, r.exitCode(), r.stderr());
        r = QuantizeCli.run("quantize", model.toString(), "--to", "awq", "--group-size", "32", "--method", "awq",
                "--calib-tokens", "256", "--threads", "2", "-o", awq.toString());
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("calibrating: 256 of 256 tokens"), r.stderr());
        assertTrue(r.stderr().contains("[awq 8/8] model.layers.1 o"), r.stderr());

        int[] prompt = TinyLlama.encode(model, "The little dog ran to the park and saw a big red ball under a tree.");
        float[][] reference = TinyLlama.logits(model, prompt);
        double rtnError = TinyLlama.meanSquaredError(reference, TinyLlama.logits(rtn, prompt));
        double awqError = TinyLlama.meanSquaredError(reference, TinyLlama.logits(awq, prompt));
        System.out.printf("AWQ int4 g32 logit MSE vs float over %d positions: rtn %.6g, awq %.6g (%.1f%% of rtn)%n",
                prompt.length, rtnError, awqError, 100 * awqError / rtnError);
        assertTrue(awqError < rtnError, "awq " + awqError + " should be below rtn " + rtnError);

        JsonNode q = new ObjectMapper().readTree(awq.resolve("config.json").toFile()).get("quantization_config");
        assertEquals("awq", q.get("quant_method").asText());
        assertEquals(32, q.get("group_size").asInt());
        assertEquals("[\"lm_head\"]", q.get("modules_to_not_convert").toString(),
                "every linear of this model fits AWQ g32; only the output head stays in float");
        GenerationOptions greedy = new GenerationOptions(16, SamplerSettings.greedy(), List.of());
        try (Model m = Canal.load(awq, new LoadOptions(1, 64, 16)); Session s = m.newSession()) {
            assertTrue(m.info().dtype().contains("AWQ"), m.info().dtype());
            Generation g = s.complete("Once upon a time", greedy, t -> { });
            assertEquals(16, g.tokenIds().length, "stopped by " + g.stopReason());
        }
    }

    /**
     * A BF16 Mistral-layout model with grouped-query attention (4 heads, 2 KV heads): o_proj is not scaled (one v
     * channel feeds two heads), the folded norms stay BF16, and the result loads and generates.
     */
    @Test
    void awqOnAGroupedQueryBf16Model() throws IOException {
        Path model = tmp.resolve("mistral");
        QuantizeCli.Result r = QuantizeCli.run("synth", "--preset", "tiny-mistral", "--dtype", "bf16", "-o",
                model.toString(), "--tokenizer-dir",
                dev.canal.engine.testing.Fixtures.shared().resolve("models/tokenizers/mistral").toString());
        assertEquals(0, r.exitCode(), r.stderr());
        Path out = tmp.resolve("mistral-awq");
        r = QuantizeCli.run("quantize", model.toString(), "--to", "awq", "--group-size", "32", "--method", "awq",
                "--calib-tokens", "64", "--threads", "2", "-o", out.toString());
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("[awq 6/6] model.layers.1 down"), r.stderr());
        assertTrue(!r.stderr().contains(" o "), "no o group with grouped-query attention: " + r.stderr());
        JsonNode config = new ObjectMapper().readTree(out.resolve("config.json").toFile());
        assertEquals("bfloat16", config.get("torch_dtype").asText());
        try (var store = dev.canal.engine.weights.SafetensorsStore.open(out)) {
            assertEquals("BF16", store.tensor("model.layers.0.input_layernorm.weight").dtype().name());
            assertEquals("F16", store.tensor("model.layers.1.mlp.up_proj.scales").dtype().name(),
                    "AWQ scales are F16 whatever the model's dtype");
        }
        GenerationOptions greedy = new GenerationOptions(8, SamplerSettings.greedy(), List.of());
        try (Model m = Canal.load(out, new LoadOptions(1, 64, 16)); Session s = m.newSession()) {
            Generation g = s.complete("Hello world", greedy, t -> { });
            assertTrue(g.tokenIds().length > 0, "stopped by " + g.stopReason());
        }
    }
}
