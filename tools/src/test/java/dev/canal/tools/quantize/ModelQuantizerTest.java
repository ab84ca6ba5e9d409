package dev.canal.tools.quantize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.canal.engine.api.Canal;
import dev.canal.engine.api.Generation;
import dev.canal.engine.api.GenerationOptions;
import dev.canal.engine.api.LoadOptions;
import dev.canal.engine.api.Model;
import dev.canal.engine.api.SamplerSettings;
import dev.canal.engine.api.Session;
import dev.canal.engine.quant.LinearPacker;
import dev.canal.engine.quant.awq.AwqPacker;
import dev.canal.engine.testing.Fixtures;
import dev.canal.engine.weights.SafetensorsStore;
import dev.canal.engine.weights.SafetensorsWriter.TensorData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The model directory quantize writes: what it holds, how it is sharded, and that a failed run leaves nothing. */
class ModelQuantizerTest {
    @TempDir
    Path tmp;

    private static final Path STORIES = Fixtures.model("stories260K-hf-derived");
    private static final QuantizeOptions RTN = new QuantizeOptions(QuantizeMethod.RTN, Optional.empty(), 512, 2, false);

    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private final PrintStream progress = new PrintStream(log, true, StandardCharsets.UTF_8);

    /**
     * stories260K to AWQ int4 g32: q/k/v/o (64 × 64) are packed; gate/up (172 outputs, not a multiple of 8) and down
     * (172 inputs, not a multiple of 32) stay F32, one line each, and are named in modules_to_not_convert. The
     * directory loads in canal and generates.
     */
    @Test
    void storiesToAwqKeepsTheLayersTheFormatCannotHoldAndLoads() throws IOException {
        Path out = tmp.resolve("stories-awq");
        ModelQuantizer.Result result = new ModelQuantizer(new AwqPacker(32), RTN, progress).quantize(STORIES, out);
        String stderr = log.toString(StandardCharsets.UTF_8);
        assertEquals(20, result.quantized());
        assertEquals(15, result.notConverted().size());
        List<String> kept = stderr.lines().filter(l -> l.startsWith("kept in float: ")).toList();
        assertEquals(3, kept.size(), stderr);
        assertTrue(kept.getFirst().startsWith("kept in float: mlp.down_proj in 5 of 5 layers (model.layers.0.mlp"
                + ".down_proj.weight: 172 input features is not a multiple of the AWQ group size 32)"), kept.getFirst());
        assertTrue(stderr.contains("[47/47] model.norm.weight"), stderr);

        JsonNode config = new ObjectMapper().readTree(out.resolve("config.json").toFile());
        JsonNode q = config.get("quantization_config");
        assertEquals("awq", q.get("quant_method").asText());
        assertEquals(4, q.get("bits").asInt());
        assertEquals(32, q.get("group_size").asInt());
        assertEquals("gemm", q.get("version").asText());
        assertEquals(16, q.get("modules_to_not_convert").size(), "15 refused layers and lm_head");
        assertTrue(q.get("modules_to_not_convert").toString().contains("\"model.layers.4.mlp.up_proj\""));
        assertEquals("float32", config.get("torch_dtype").asText());
        assertEquals(64, config.get("hidden_size").asInt(), "the rest of config.json is kept");
        for (String f : List.of("tokenizer.json", "tokenizer_config.json", "generation_config.json",
                "special_tokens_map.json")) {
            assertEquals(Files.readString(STORIES.resolve(f)), Files.readString(out.resolve(f)), f);
        }
        try (SafetensorsStore store = SafetensorsStore.open(out)) {
            assertEquals("I32", store.tensor("model.layers.0.self_attn.q_proj.qweight").dtype().name());
            assertEquals("F16", store.tensor("model.layers.2.self_attn.o_proj.scales").dtype().name());
            assertTrue(store.find("model.layers.0.self_attn.q_proj.weight").isEmpty());
            assertEquals("F32", store.tensor("model.layers.0.mlp.down_proj.weight").dtype().name());
            assertEquals("F32", store.tensor("model.embed_tokens.weight").dtype().name());
        }
        GenerationOptions greedy = new GenerationOptions(24, SamplerSettings.greedy(), List.of());
        try (Model m = Canal.load(out, new LoadOptions(1, 64, 16)); Session s = m.newSession()) {
            assertTrue(m.info().dtype().contains("AWQ"), m.info().dtype());
            Generation g = s.complete("Once upon a time", greedy, t -> { });
            assertTrue(g.tokenIds().length > 0 && !g.text().isBlank(), g.text());
        }
    }

    /** With a small shard limit the weights are split the Hugging Face way and still load. */
    @Test
    void largeOutputIsShardedWithAnIndex() throws IOException {
        Path out = tmp.resolve("sharded");
        new ModelQuantizer(new AwqPacker(32), RTN, progress, 200_000).quantize(STORIES, out);
        try (Stream<Path> files = Files.list(out)) {
            List<String> shards = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".safetensors"))
                    .sorted().toList();
            assertTrue(shards.size() > 1, shards.toString());
            assertEquals(String.format("model-00001-of-%05d.safetensors", shards.size()), shards.getFirst());
        }
        JsonNode index = new ObjectMapper().readTree(out.resolve("model.safetensors.index.json").toFile());
        assertTrue(index.get("weight_map").has("model.layers.1.self_attn.k_proj.qzeros"));
        try (Model m = Canal.load(out, new LoadOptions(1, 64, 16))) {
            assertTrue(m.info().dtype().contains("AWQ"), m.info().dtype());
        }
    }

    /** A packer that fails on its third layer: the run fails with that error and leaves neither DIR nor staging. */
    @Test
    void aFailureMidwayLeavesNoOutputDirectory() throws IOException {
        LinearPacker failing = new DelegatingPacker(new AwqPacker(32)) {
            int packed;

            @Override
            public List<TensorData> pack(String prefix, float[] w, int out, int in) {
                if (++packed == 3) throw new IllegalStateException("disk on fire while packing " + prefix);
                return super.pack(prefix, w, out, in);
            }
        };
        Path out = tmp.resolve("never");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new ModelQuantizer(failing, RTN, progress).quantize(STORIES, out));
        assertTrue(e.getMessage().contains("disk on fire"), e.getMessage());
        assertFalse(Files.exists(out));
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(List.of(), left.toList(), "no staging directory left behind");
        }
    }

    /** --force replaces a non-empty output directory, only once the new one is complete. */
    @Test
    void forceReplacesAnExistingDirectory() throws IOException {
        Path out = tmp.resolve("again");
        Files.createDirectories(out);
        Files.writeString(out.resolve("old.txt"), "old");
        QuantizeOptions force = new QuantizeOptions(QuantizeMethod.RTN, Optional.empty(), 512, 2, true);
        new ModelQuantizer(new AwqPacker(32), force, progress).quantize(STORIES, out);
        assertFalse(Files.exists(out.resolve("old.txt")));
        assertTrue(Files.exists(out.resolve("model.safetensors")));
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(List.of(out), left.toList(), "neither the staging nor the old directory is left");
        }
    }

    /** A packer that forwards everything (for tests that change one method). */
    static class DelegatingPacker implements LinearPacker {
        private final LinearPacker delegate;

        DelegatingPacker(LinearPacker delegate) {
            this.delegate = delegate;
        }

        @Override
        public String name() {
            return delegate.name();
        }

        @Override
        public Optional<String> unsupported(String tensor, int out, int in) {
            return delegate.unsupported(tensor, out, in);
        }

        @Override
        public List<TensorData> pack(String prefix, float[] w, int out, int in) {
            return delegate.pack(prefix, w, out, in);
        }

        @Override
        public float[] roundTrip(float[] w, int out, int in) {
            return delegate.roundTrip(w, out, in);
        }

        @Override
        public ObjectNode quantizationConfig(List<String> notConverted) {
            return delegate.quantizationConfig(notConverted);
        }
    }
}
