package dev.canal.tools;

import dev.canal.engine.testing.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.canal.engine.backend.cpu.CpuBackend;
import dev.canal.engine.generate.ModelLoader;
import dev.canal.engine.spi.Architectures;
import dev.canal.engine.spi.DecoderModel;
import dev.canal.engine.spi.InferenceState;
import dev.canal.engine.spi.ModelSource;
import dev.canal.engine.tensor.DType;
import dev.canal.tools.synth.SynthPreset;
import dev.canal.tools.synth.SyntheticModel;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each architecture's forward pass against an independent reference: tools/src/test/reference/logits/
 * numpy_forward.py, a float64 numpy transcription of transformers' Llama/Mistral/Qwen2/Qwen3 modeling code,
 * run once by make-expected.sh on synth's tiny models (F32, seed 11; RoPE-scaling variants by editing config.json
 * the same way as here) over 48 tokens. Compared: logits 0..63 and the top-10 ids at every position, decoding
 * token by token, and the last position of one batched prefill.
 */
class ReferenceLogitsTest {
    /** Float32 accumulation against float64: logits here are below 1 in magnitude. */
    private static final double TOLERANCE = 1e-4;

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "tiny-llama | tiny-llama | llama3 | ",
            "tiny-mistral | tiny-mistral | mistral | ",
            "tiny-qwen2 | tiny-qwen2 | qwen3 | ",
            "tiny-qwen3 | tiny-qwen3 | qwen3 | ",
            "tiny-llama-rope-llama3 | tiny-llama | llama3 | {\"rope_type\": \"llama3\", \"factor\": 8.0, "
                    + "\"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 8192}",
            "tiny-qwen2-rope-linear | tiny-qwen2 | qwen3 | {\"type\": \"linear\", \"factor\": 2.0}"})
    void logitsMatchTheNumpyReference(String name, String preset, String tokenizer, String ropeScaling)
            throws IOException {
        JsonNode expected = expected(name);
        Path dir = tmp.resolve(name);
        new SyntheticModel(SynthPreset.byId(preset), DType.F32, 11)
                .write(dir, Fixtures.shared().resolve("models/tokenizers").resolve(tokenizer), silent());
        if (ropeScaling != null) {
            ObjectMapper json = new ObjectMapper();
            ObjectNode cfg = (ObjectNode) json.readTree(dir.resolve("config.json").toFile());
            cfg.set("rope_scaling", json.readTree(ropeScaling));
            json.writeValue(dir.resolve("config.json").toFile(), cfg);
        }
        int[] tokens = ids(expected.get("tokens"));
        try (ModelSource source = ModelLoader.open(dir); CpuBackend backend = new CpuBackend(2)) {
            DecoderModel model = Architectures.forConfig(source.config()).load(source.config(), source.weights(), backend);
            float[] logits = new float[source.config().vocabSize()];
            InferenceState state = model.newState(tokens.length, 1);
            for (int pos = 0; pos < tokens.length; pos++) {
                model.forward(state, new int[]{tokens[pos]}, 1, pos, logits);
                assertPosition(expected.get("positions").get(pos), logits, name + " position " + pos);
            }
            InferenceState batched = model.newState(tokens.length, tokens.length);
            model.forward(batched, tokens, tokens.length, 0, logits);
            assertPosition(expected.get("positions").get(tokens.length - 1), logits, name + " batched prefill");
        }
    }

    private static void assertPosition(JsonNode want, float[] logits, String where) {
        JsonNode slice = want.get("slice");
        for (int i = 0; i < slice.size(); i++) {
            assertEquals(slice.get(i).asDouble(), logits[i], TOLERANCE, where + " logit " + i);
        }
        JsonNode topIds = want.get("top_ids"), topLogits = want.get("top_logits");
        for (int k = 0; k < topIds.size(); k++) {
            assertEquals(topLogits.get(k).asDouble(), logits[topIds.get(k).asInt()], TOLERANCE,
                    where + " top-" + k + " id " + topIds.get(k));
        }
        int argmax = 0;
        for (int i = 1; i < logits.length; i++) if (logits[i] > logits[argmax]) argmax = i;
        double gap = topLogits.get(0).asDouble() - topLogits.get(1).asDouble();
        if (gap > 2 * TOLERANCE) assertEquals(topIds.get(0).asInt(), argmax, where + " argmax");
    }

    /** The RoPE-scaling variants must differ from their base model, or comparing them would prove nothing. */
    @ParameterizedTest
    @CsvSource({"tiny-llama, tiny-llama-rope-llama3", "tiny-qwen2, tiny-qwen2-rope-linear"})
    void ropeScalingChangesTheReference(String base, String scaled) throws IOException {
        JsonNode a = expected(base).get("positions"), b = expected(scaled).get("positions");
        double max = 0;
        for (int p = 0; p < a.size(); p++) {
            for (int i = 0; i < a.get(p).get("slice").size(); i++) {
                max = Math.max(max, Math.abs(a.get(p).get("slice").get(i).asDouble()
                        - b.get(p).get("slice").get(i).asDouble()));
            }
        }
        assertTrue(max > 20 * TOLERANCE, "max difference " + max);
    }

    private static JsonNode expected(String name) throws IOException {
        try (InputStream in = ReferenceLogitsTest.class.getResourceAsStream("/logits/" + name + ".json")) {
            return new ObjectMapper().readTree(in);
        }
    }

    private static int[] ids(JsonNode array) {
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) ids[i] = array.get(i).asInt();
        return ids;
    }

    private static PrintStream silent() {
        return new PrintStream(OutputStream.nullOutputStream());
    }
}
