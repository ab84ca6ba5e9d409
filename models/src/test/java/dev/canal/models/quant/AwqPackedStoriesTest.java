package dev.canal.models.quant;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.canal.engine.api.Canal;
import dev.canal.engine.api.GenerationOptions;
import dev.canal.engine.api.LoadOptions;
import dev.canal.engine.api.Model;
import dev.canal.engine.api.SamplerSettings;
import dev.canal.engine.api.Session;
import dev.canal.engine.quant.awq.AwqPacker;
import dev.canal.engine.tensor.Floats;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.testing.Fixtures;
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

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * AwqPacker's output runs like the float model it stands for: stories260K with every linear layer AWQ can hold
 * packed (the attention projections; the MLP's 172 features fit neither the packing nor the group) must generate
 * exactly what the same weights quantized and dequantized again (roundTrip, written as F32) generate on the F32
 * path.
 */
class AwqPackedStoriesTest {
    private static final Path STORIES = Fixtures.model("stories260K-hf-derived");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int GROUP = 32;

    @TempDir
    Path tmp;

    @Test
    void packedModelGeneratesWhatItsRoundTripGenerates() throws IOException {
        Path awq = Files.createDirectories(tmp.resolve("awq"));
        Path f32 = Files.createDirectories(tmp.resolve("f32"));
        AwqPacker packer = new AwqPacker(GROUP);
        List<TensorData> packed = new ArrayList<>();
        List<TensorData> roundTrip = new ArrayList<>();
        List<String> notConverted = new ArrayList<>();
        try (SafetensorsStore store = SafetensorsStore.open(STORIES)) {
            for (String name : store.names()) {
                Tensor t = store.tensor(name);
                boolean linear = name.startsWith("model.layers.") && name.endsWith("_proj.weight");
                if (!linear) {
                    packed.add(TensorData.f32(name, t.shape(), Floats.toArray(t)));
                    roundTrip.add(TensorData.f32(name, t.shape(), Floats.toArray(t)));
                    continue;
                }
                int out = (int) t.dim(0), in = (int) t.dim(1);
                String prefix = name.substring(0, name.length() - ".weight".length());
                float[] w = Floats.toArray(t);
                if (packer.unsupported(name, out, in).isPresent()) {
                    notConverted.add(prefix);
                    packed.add(TensorData.f32(name, t.shape(), w));
                    roundTrip.add(TensorData.f32(name, t.shape(), w));
                } else {
                    packed.addAll(packer.pack(prefix, w, out, in));
                    roundTrip.add(TensorData.f32(name, t.shape(), packer.roundTrip(w, out, in)));
                }
            }
        }
        assertEquals(15, notConverted.size(), "the MLP projections stay float: " + notConverted);
        SafetensorsWriter.write(awq.resolve("model.safetensors"), packed, Map.of());
        SafetensorsWriter.write(f32.resolve("model.safetensors"), roundTrip, Map.of());
        for (Path dir : List.of(awq, f32)) {
            for (String f : List.of("tokenizer.json", "tokenizer_config.json")) Files.copy(STORIES.resolve(f), dir.resolve(f));
        }
        ObjectNode config = (ObjectNode) JSON.readTree(STORIES.resolve("config.json").toFile());
        JSON.writeValue(f32.resolve("config.json").toFile(), config);
        config.set("quantization_config", packer.quantizationConfig(notConverted));
        JSON.writeValue(awq.resolve("config.json").toFile(), config);

        int[] reference = generate(f32, "", 1);
        int[] quantized = generate(awq, "", 1);
        assertArrayEquals(reference, quantized);
        int[] original = generate(STORIES, "", 1);
        assertFalse(java.util.Arrays.equals(original, reference), "4-bit rounding changes this tiny model's output, "
                + "so the comparison above tells packed from unpacked weights");
        String prompt = "Once upon a time, there was a little girl named Lily.";
        assertArrayEquals(generate(f32, prompt, 64), generate(awq, prompt, 64), "prompt prefilled in one batch");
    }

    private static int[] generate(Path dir, String prompt, int batch) {
        GenerationOptions greedy = new GenerationOptions(48, SamplerSettings.greedy(), List.of());
        try (Model m = Canal.load(dir, new LoadOptions(2, 0, batch)); Session s = m.newSession()) {
            return s.complete(prompt, greedy, t -> { }).tokenIds();
        }
    }
}
