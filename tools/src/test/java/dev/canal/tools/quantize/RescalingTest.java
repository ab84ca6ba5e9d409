package dev.canal.tools.quantize;

import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.weights.SafetensorsStore;
import dev.canal.engine.weights.SafetensorsWriter;
import dev.canal.engine.weights.SafetensorsWriter.TensorData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * AWQ's scales must leave the float model's function unchanged: with random scales on every group (q/k/v into
 * input_layernorm, gate/up into post_attention_layernorm, down into up_proj's rows, o into v_proj's rows) and no
 * quantization, canal's logits stay those of the original model.
 */
class RescalingTest {
    @TempDir
    Path tmp;

    @Test
    void randomScalesFoldedIntoThePreviousOpsLeaveTheLogitsUnchanged() throws IOException {
        Path original = TinyLlama.write(tmp.resolve("float"), 3);
        Path scaled = tmp.resolve("scaled");
        Files.createDirectories(scaled);
        for (String f : List.of("config.json", "tokenizer.json", "tokenizer_config.json", "generation_config.json")) {
            Files.copy(original.resolve(f), scaled.resolve(f));
        }
        Rescaling rescaling = new Rescaling();
        SplittableRandom random = new SplittableRandom(9);
        try (SafetensorsStore store = SafetensorsStore.open(original)) {
            List<ScaleGroup> groups = ScaleGroup.of(store, TinyLlama.LAYERS);
            assertEquals(List.of("model.layers.0 q/k/v", "model.layers.0 gate/up", "model.layers.0 down",
                    "model.layers.0 o", "model.layers.1 q/k/v", "model.layers.1 gate/up", "model.layers.1 down",
                    "model.layers.1 o"), groups.stream().map(ScaleGroup::name).toList());
            for (ScaleGroup g : groups) {
                float[] s = new float[(int) store.tensor(g.input()).dim(1)];
                for (int i = 0; i < s.length; i++) s[i] = (float) Math.exp(random.nextDouble(-2, 2));
                rescaling.apply(g, s);
            }
            List<TensorData> tensors = new ArrayList<>();
            int changed = 0;
            for (String name : store.names()) {
                Tensor t = store.tensor(name);
                if (!rescaling.changes(name)) {
                    tensors.add(TensorData.copyOf(t));
                    continue;
                }
                changed++;
                FloatMatrix m = rescaling.edit(name, FloatTensors.read(t));
                tensors.add(FloatTensors.write(name, t.dtype(), t.shape(), m.data()));
            }
            assertEquals(2 * (7 + 2), changed, "7 linears and 2 norms per layer");
            SafetensorsWriter.write(scaled.resolve("model.safetensors"), tensors, Map.of());
        }
        int[] prompt = TinyLlama.encode(original, "Once upon a time, a little fox found a red ball.");
        float[][] want = TinyLlama.logits(original, prompt);
        float[][] got = TinyLlama.logits(scaled, prompt);
        double mse = TinyLlama.meanSquaredError(want, got);
        assertTrue(mse < 1e-8, "logit MSE after folding " + mse);
        assertTrue(TinyLlama.meanSquaredError(want, new float[want.length][want[0].length]) > 1e-3,
                "the logits are not trivially zero");
        assertArrayEquals(want[0], got[0], 1e-3f);
    }
}
