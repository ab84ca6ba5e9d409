package dev.canal.engine.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.Floats;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loads the real stories260K safetensors and checks it against the header and bytes read independently. */
class SafetensorsFixtureTest {

    private static final Path DIR = Fixtures.model("stories260K-hf-derived");
    private static final Path FILE = DIR.resolve("model.safetensors");

    /** The header as the test reads it itself: plain channel reads and Jackson, no canal code. */
    private record RawHeader(long length, JsonNode json) {
    }

    private static RawHeader rawHeader() throws IOException {
        try (FileChannel ch = FileChannel.open(FILE)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(len, 0);
            long n = len.getLong(0);
            ByteBuffer json = ByteBuffer.allocate((int) n);
            ch.read(json, 8);
            return new RawHeader(n, new ObjectMapper().readTree(new String(json.array(), StandardCharsets.UTF_8)));
        }
    }

    @Test
    void tensorsMatchTheHeader() throws IOException {
        RawHeader raw = rawHeader();
        List<String> expectedNames = new ArrayList<>();
        raw.json().fieldNames().forEachRemaining(n -> {
            if (!n.equals("__metadata__")) expectedNames.add(n);
        });
        try (SafetensorsFile f = SafetensorsFile.open(FILE)) {
            assertEquals(raw.length(), f.headerLength());
            assertEquals(expectedNames.size(), f.tensors().size());
            assertEquals(47, f.tensors().size(), "embeddings, final norm and 5 layers of 9 tensors (tied head)");
            for (String name : expectedNames) {
                JsonNode e = raw.json().get(name);
                Tensor t = f.tensors().get(name);
                assertEquals(DType.valueOf(e.get("dtype").asText()), t.dtype(), name);
                long[] shape = new long[e.get("shape").size()];
                for (int i = 0; i < shape.length; i++) shape[i] = e.get("shape").get(i).asLong();
                assertArrayEquals(shape, t.shape(), name);
                long begin = e.get("data_offsets").get(0).asLong();
                long end = e.get("data_offsets").get(1).asLong();
                assertEquals(end - begin, t.byteSize(), name);
                assertTrue(t.data().isMapped() && t.data().isReadOnly(), name + " must be a read-only slice of the mapping");
            }
            Tensor embed = f.tensors().get("model.embed_tokens.weight");
            assertArrayEquals(new long[]{512, 64}, embed.shape());
            assertEquals(DType.F32, embed.dtype());
            assertTrue(f.metadata().get("source").contains("stories260K"), f.metadata().toString());
            assertEquals("pt", f.metadata().get("format"));
        }
    }

    @Test
    void tensorsAreInDataOrder() {
        try (SafetensorsFile f = SafetensorsFile.open(FILE)) {
            long previous = -1;
            for (Tensor t : f.tensors().values()) {
                long address = t.data().address();
                assertTrue(address > previous, t.name() + " out of data order");
                previous = address;
            }
        }
    }

    @Test
    void embeddingValuesMatchBytesReadIndependently() throws IOException {
        RawHeader raw = rawHeader();
        JsonNode offsets = raw.json().get("model.embed_tokens.weight").get("data_offsets");
        long start = 8 + raw.length() + offsets.get(0).asLong();
        int count = 64 * 3; // the first three token rows
        float[] expected = new float[count];
        try (FileChannel ch = FileChannel.open(FILE)) {
            ByteBuffer b = ByteBuffer.allocate(count * 4).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(b, start);
            b.flip();
            b.asFloatBuffer().get(expected);
        }
        try (SafetensorsStore store = SafetensorsStore.open(DIR)) {
            Tensor embed = store.tensor("model.embed_tokens.weight");
            boolean anyNonZero = false;
            for (int i = 0; i < count; i++) {
                assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(Floats.get(embed, i)), "element " + i);
                anyNonZero |= expected[i] != 0;
            }
            assertTrue(anyNonZero, "the fixture's first rows are real weights, not zeros");
            // The last element too: the slice ends exactly where the header says.
            long last = embed.elementCount() - 1;
            try (FileChannel ch = FileChannel.open(FILE)) {
                ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
                ch.read(b, start + last * 4);
                assertEquals(b.getFloat(0), Floats.get(embed, last));
            }
            assertThrows(IndexOutOfBoundsException.class, () -> Floats.get(embed, last + 1));
        }
    }

    @Test
    void storeOverDirectoryAndFileAgree() {
        try (SafetensorsStore dir = SafetensorsStore.open(DIR); SafetensorsStore file = SafetensorsStore.openFile(FILE)) {
            assertEquals(DIR.toString(), dir.source());
            assertEquals(FILE.toString(), file.source());
            assertEquals(List.copyOf(dir.names()), List.copyOf(file.names()));
            assertEquals(1, dir.files().size());
            assertFalse(dir.find("lm_head.weight").isPresent(), "stories260K ties its output head to the embeddings");
            Map<String, Tensor> a = dir.tensors();
            Tensor t = a.get("model.norm.weight");
            assertArrayEquals(Floats.toArray(t), Floats.toArray(file.tensor("model.norm.weight")));
        }
    }

    @Test
    void closedStoreUnmapsItsTensors() {
        SafetensorsStore store = SafetensorsStore.open(DIR);
        Tensor t = store.tensor("model.norm.weight");
        Floats.get(t, 0);
        store.close();
        store.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> Floats.get(t, 0));
    }
}
