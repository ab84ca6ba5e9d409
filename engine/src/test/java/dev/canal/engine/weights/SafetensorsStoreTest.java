package dev.canal.engine.weights;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.Floats;
import dev.canal.engine.weights.SafetensorsWriter.TensorData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Directory layouts: index + shards, single file, loose files, and their errors. */
class SafetensorsStoreTest {

    private static final String SHARD1 = "model-00001-of-00002.safetensors";
    private static final String SHARD2 = "model-00002-of-00002.safetensors";

    @TempDir
    Path dir;

    private static float[] ramp(int n, float base) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = base + i;
        return v;
    }

    /** Two shards and an index, as transformers' save_pretrained lays them out. */
    private void writeSharded() {
        SafetensorsWriter.write(dir.resolve(SHARD1), List.of(
                TensorData.f32("model.embed_tokens.weight", new long[]{4, 2}, ramp(8, 0)),
                TensorData.f32("model.layers.0.input_layernorm.weight", new long[]{2}, ramp(2, 100))), Map.of("format", "pt"));
        short[] bf16 = {Floats.toBf16(0.5f), Floats.toBf16(-2f), Floats.toBf16(3f), Floats.toBf16(8f)};
        SafetensorsWriter.write(dir.resolve(SHARD2), List.of(
                TensorData.bits16("model.layers.0.self_attn.q_proj.weight", DType.BF16, new long[]{2, 2}, bf16),
                TensorData.f32("model.norm.weight", new long[]{2}, ramp(2, 200))), Map.of("format", "pt"));
        Map<String, String> weightMap = new LinkedHashMap<>();
        weightMap.put("model.embed_tokens.weight", SHARD1);
        weightMap.put("model.layers.0.input_layernorm.weight", SHARD1);
        weightMap.put("model.layers.0.self_attn.q_proj.weight", SHARD2);
        weightMap.put("model.norm.weight", SHARD2);
        SafetensorsWriter.writeIndex(dir, weightMap, 8 * 4 + 2 * 4 + 4 * 2 + 2 * 4);
    }

    private static String fails(Runnable r, String... fragments) {
        CanalException e = assertThrows(CanalException.class, r::run);
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "expected \"" + f + "\" in: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void shardedModelRoundTrips() throws IOException {
        writeSharded();
        assertTrue(Files.readString(dir.resolve(SafetensorsStore.INDEX_FILE)).contains("\"total_size\" : 56"));
        try (SafetensorsStore store = SafetensorsStore.open(dir)) {
            assertEquals(dir.toString(), store.source());
            assertEquals(2, store.files().size());
            assertEquals(4, store.names().size());
            assertArrayEquals(ramp(8, 0), Floats.toArray(store.tensor("model.embed_tokens.weight")));
            assertArrayEquals(new long[]{4, 2}, store.tensor("model.embed_tokens.weight").shape());
            assertArrayEquals(ramp(2, 100), Floats.toArray(store.tensor("model.layers.0.input_layernorm.weight")));
            assertArrayEquals(ramp(2, 200), Floats.toArray(store.tensor("model.norm.weight")));
            var q = store.tensor("model.layers.0.self_attn.q_proj.weight");
            assertEquals(DType.BF16, q.dtype());
            assertArrayEquals(new float[]{0.5f, -2f, 3f, 8f}, Floats.toArray(q));
        }
    }

    @Test
    void indexWinsOverLooseFiles() {
        writeSharded();
        // A stray file the index does not name is not opened (it would otherwise collide by name).
        SafetensorsWriter.write(dir.resolve("consolidated.safetensors"),
                List.of(TensorData.f32("model.norm.weight", new long[]{1}, new float[]{9})), Map.of());
        try (SafetensorsStore store = SafetensorsStore.open(dir)) {
            assertEquals(200f, Floats.get(store.tensor("model.norm.weight"), 0));
        }
    }

    @Test
    void missingShardNamedByIndex() throws IOException {
        writeSharded();
        Files.delete(dir.resolve(SHARD2));
        fails(() -> SafetensorsStore.open(dir), dir.resolve(SafetensorsStore.INDEX_FILE).toString(),
                "shard \"" + SHARD2 + "\"", "not found");
    }

    @Test
    void tensorListedInIndexButAbsentFromShard() {
        writeSharded();
        Map<String, String> weightMap = new LinkedHashMap<>();
        weightMap.put("model.embed_tokens.weight", SHARD1);
        weightMap.put("model.norm.weight", SHARD1); // really in shard 2
        weightMap.put("model.layers.0.self_attn.q_proj.weight", SHARD2);
        SafetensorsWriter.writeIndex(dir, weightMap, 0);
        fails(() -> SafetensorsStore.open(dir), SafetensorsStore.INDEX_FILE, "tensor \"model.norm.weight\"",
                "listed in shard \"" + SHARD1 + "\"", "no such tensor");
    }

    @Test
    void indexMustNotReachOutsideItsDirectory() throws IOException {
        Files.writeString(dir.resolve(SafetensorsStore.INDEX_FILE), "{\"weight_map\":{\"w\":\"../elsewhere.safetensors\"}}");
        fails(() -> SafetensorsStore.open(dir), "shard \"../elsewhere.safetensors\"", "must name a file directly in");
    }

    @Test
    void malformedIndex() throws IOException {
        Path index = dir.resolve(SafetensorsStore.INDEX_FILE);
        Files.writeString(index, "{\"weight_map\": [");
        fails(() -> SafetensorsStore.open(dir), index.toString(), "not valid JSON");
        Files.writeString(index, "{\"metadata\": {}}");
        fails(() -> SafetensorsStore.open(dir), index.toString(), "\"weight_map\"");
        Files.writeString(index, "{\"weight_map\": {\"w\": 3}}");
        fails(() -> SafetensorsStore.open(dir), index.toString(), "weight_map entry \"w\" must be a file name");
        Files.writeString(index, "{\"weight_map\": {}}");
        fails(() -> SafetensorsStore.open(dir), index.toString(), "weight_map is empty");
    }

    @Test
    void missingTensorLookupNamesSourceAndTensor() {
        writeSharded();
        try (SafetensorsStore store = SafetensorsStore.open(dir)) {
            fails(() -> store.tensor("lm_head.weight"), dir.toString(), "missing tensor \"lm_head.weight\"");
            assertTrue(store.find("lm_head.weight").isEmpty());
        }
    }

    @Test
    void looseFilesAreOpenedSortedAndDuplicatesRefused() {
        SafetensorsWriter.write(dir.resolve("b.safetensors"),
                List.of(TensorData.f32("y", new long[]{1}, new float[]{2})), Map.of());
        SafetensorsWriter.write(dir.resolve("a.safetensors"),
                List.of(TensorData.f32("x", new long[]{1}, new float[]{1})), Map.of());
        try (SafetensorsStore store = SafetensorsStore.open(dir)) {
            assertEquals(List.of("x", "y"), List.copyOf(store.names()));
            assertEquals(dir.resolve("a.safetensors"), store.files().get(0).file());
        }
        SafetensorsWriter.write(dir.resolve("c.safetensors"),
                List.of(TensorData.f32("x", new long[]{1}, new float[]{3})), Map.of());
        fails(() -> SafetensorsStore.open(dir), "tensor \"x\" appears in both",
                dir.resolve("a.safetensors").toString(), dir.resolve("c.safetensors").toString());
    }

    @Test
    void singleFileWinsOverLooseFiles() {
        SafetensorsWriter.write(dir.resolve("model.safetensors"),
                List.of(TensorData.f32("x", new long[]{1}, new float[]{1})), Map.of());
        SafetensorsWriter.write(dir.resolve("other.safetensors"),
                List.of(TensorData.f32("x", new long[]{1}, new float[]{2})), Map.of());
        try (SafetensorsStore store = SafetensorsStore.open(dir)) {
            assertEquals(1, store.files().size());
            assertEquals(1f, Floats.get(store.tensor("x"), 0));
        }
    }

    @Test
    void emptyOrMissingDirectory() {
        fails(() -> SafetensorsStore.open(dir), dir + ": no model.safetensors or model.safetensors.index.json");
        fails(() -> SafetensorsStore.open(dir.resolve("nope")), "nope: no such model directory");
    }

    @Test
    void aBrokenShardFailsTheWholeStore() throws IOException {
        writeSharded();
        Files.write(dir.resolve(SHARD2), new byte[]{1, 2});
        fails(() -> SafetensorsStore.open(dir), dir.resolve(SHARD2).toString(), "too short");
    }
}
