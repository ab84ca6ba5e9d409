package dev.canal.models.quant;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.canal.engine.api.Canal;
import dev.canal.engine.api.GenerationOptions;
import dev.canal.engine.api.LoadOptions;
import dev.canal.engine.api.Model;
import dev.canal.engine.api.SamplerSettings;
import dev.canal.engine.api.Session;
import dev.canal.engine.quant.LinearPacker;
import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.Floats;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.testing.Fixtures;
import dev.canal.engine.weights.SafetensorsStore;
import dev.canal.engine.weights.SafetensorsWriter;
import dev.canal.engine.weights.SafetensorsWriter.TensorData;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The real stories260K written with a {@link LinearPacker}: its linear layers packed (those whose shape the format
 * cannot hold stay F32 and are listed as not converted), and the same model with every packed layer replaced by
 * the packer's round trip in F32, which the float path runs as the reference.
 */
final class StoriesWithPacker {
    static final Path STORIES = Fixtures.model("stories260K-hf-derived");
    private static final Pattern LINEAR =
            Pattern.compile("model\\.layers\\.\\d+\\.(self_attn|mlp)\\.\\w+_proj\\.weight");
    private static final ObjectMapper JSON = new ObjectMapper();

    private StoriesWithPacker() {
    }

    /**
     * Writes the packed model into {@code packedDir} and its F32 round trip into {@code referenceDir}.
     *
     * @return the names of the layers packed
     */
    static List<String> write(LinearPacker packer, Path packedDir, Path referenceDir) throws IOException {
        List<TensorData> packed = new ArrayList<>();
        List<TensorData> reference = new ArrayList<>();
        List<String> notConverted = new ArrayList<>();
        List<String> converted = new ArrayList<>();
        try (SafetensorsStore store = SafetensorsStore.open(STORIES)) {
            for (String name : store.names()) {
                Tensor t = store.tensor(name);
                String prefix = name.substring(0, name.length() - ".weight".length());
                if (!LINEAR.matcher(name).matches()) {
                    float[] values = Floats.toArray(t);
                    packed.add(TensorData.f32(name, t.shape(), values));
                    reference.add(TensorData.f32(name, t.shape(), values));
                    continue;
                }
                int out = (int) t.dim(0);
                int in = (int) t.dim(1);
                float[] w = Floats.toArray(t);
                if (packer.unsupported(name, out, in).isPresent()) {
                    notConverted.add(prefix);
                    packed.add(TensorData.f32(name, t.shape(), w));
                    reference.add(TensorData.f32(name, t.shape(), w));
                } else {
                    converted.add(prefix);
                    packed.addAll(packer.pack(prefix, w, out, in));
                    reference.add(TensorData.f32(name, t.shape(), packer.roundTrip(w, out, in)));
                }
            }
        }
        for (Path dir : List.of(packedDir, referenceDir)) {
            Files.createDirectories(dir);
            for (String f : List.of("tokenizer.json", "tokenizer_config.json")) {
                Files.copy(STORIES.resolve(f), dir.resolve(f));
            }
        }
        SafetensorsWriter.write(packedDir.resolve("model.safetensors"), packed, Map.of("format", "pt"));
        SafetensorsWriter.write(referenceDir.resolve("model.safetensors"), reference, Map.of("format", "pt"));
        ObjectNode config = (ObjectNode) JSON.readTree(STORIES.resolve("config.json").toFile());
        JSON.writeValue(referenceDir.resolve("config.json").toFile(), config);
        config.set("quantization_config", packer.quantizationConfig(notConverted));
        JSON.writeValue(packedDir.resolve("config.json").toFile(), config);
        return converted;
    }

    /** Greedy tokens after {@code prompt}, with the given threads and batch. */
    static int[] greedy(Path dir, String prompt, int tokens, int threads, int batch) {
        GenerationOptions opts = new GenerationOptions(tokens, SamplerSettings.greedy(), List.of());
        try (Model m = Canal.load(dir, new LoadOptions(threads, 0, batch)); Session s = m.newSession()) {
            return s.complete(prompt, opts, t -> { }).tokenIds();
        }
    }

    /** Whether the packed file stores {@code name} in {@code dtype}. */
    static boolean stored(Path dir, String name, DType dtype) {
        try (SafetensorsStore store = SafetensorsStore.open(dir)) {
            return store.find(name).map(t -> t.dtype() == dtype).orElse(false);
        }
    }
}
