package dev.canal.tools.quantize;

import dev.canal.engine.tensor.Floats;
import dev.canal.engine.testing.Fixtures;
import dev.canal.engine.weights.SafetensorsStore;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Calibration records what canal's forward pass feeds the chosen linear layers, token by token. */
class CalibrationTest {
    private static final Path STORIES = Fixtures.model("stories260K-hf-derived");
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    /**
     * The first input row of layer 0's q_proj is BOS's embedding through input_layernorm, computed here from the
     * tensors: x / √(mean(x²) + ε) · w.
     */
    @Test
    void recordsTheNormalisedEmbeddingAsQProjsFirstInput() {
        String q = "model.layers.0.self_attn.q_proj.weight";
        String down = "model.layers.3.mlp.down_proj.weight";
        Map<String, InputStatistics> stats = Calibration.record(STORIES, Set.of(q, down),
                Calibration.defaultText(), 100, 2, QUIET);
        InputStatistics in = stats.get(q);
        assertEquals(100, in.rowsSeen());
        assertEquals(100, in.sampleRows());
        assertEquals(64, in.channels());
        assertEquals(172, stats.get(down).channels(), "down_proj's input is the MLP's width");
        assertEquals(100, stats.get(down).rowsSeen());
        float[] expected = new float[64];
        try (SafetensorsStore store = SafetensorsStore.open(STORIES)) {
            float[] embed = Floats.toArray(store.tensor("model.embed_tokens.weight"));
            float[] norm = Floats.toArray(store.tensor("model.layers.0.input_layernorm.weight"));
            int bos = 1;
            double ss = 0;
            for (int c = 0; c < 64; c++) ss += embed[bos * 64 + c] * embed[bos * 64 + c];
            float inv = (float) (1 / Math.sqrt(ss / 64 + 1e-5));
            for (int c = 0; c < 64; c++) expected[c] = embed[bos * 64 + c] * inv * norm[c];
        }
        float[] first = new float[64];
        System.arraycopy(in.sample(), 0, first, 0, 64);
        assertArrayEquals(expected, first, 1e-4f);
        for (float m : in.meanAbs()) assertTrue(m > 0 && Float.isFinite(m));
    }

    @Test
    void theBuiltInTextHasEnoughTokensForTheDefault() {
        Map<String, InputStatistics> stats = Calibration.record(STORIES,
                Set.of("model.layers.0.mlp.gate_proj.weight"), Calibration.defaultText(), 512, 2, QUIET);
        InputStatistics in = stats.get("model.layers.0.mlp.gate_proj.weight");
        assertEquals(512, in.rowsSeen(), "the built-in text alone fills --calib-tokens 512");
        assertEquals(Calibration.SAMPLE_ROWS, in.sampleRows());
    }

    @Test
    void scalesAreOneAtAlphaZeroAndCentredInLogSpace() {
        float[] mean = {0.5f, 2f, 8f, 0f};
        assertArrayEquals(new float[] {1, 1, 1, 1}, AwqScaleSearch.scales(mean, 0), 0f);
        float[] s = AwqScaleSearch.scales(mean, 0.5);
        float max = 0, min = Float.MAX_VALUE;
        for (float v : s) {
            max = Math.max(max, v);
            min = Math.min(min, v);
        }
        assertEquals(1.0, max * min, 1e-5);
        assertEquals(Math.sqrt(8 / 0.5), s[2] / s[0], 1e-4, "s ∝ mean^α");
    }
}
