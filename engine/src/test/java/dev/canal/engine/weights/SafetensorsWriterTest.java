package dev.canal.engine.weights;

import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.Floats;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.testing.Fixtures;
import dev.canal.engine.weights.SafetensorsWriter.TensorData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetensorsWriterTest {

    @TempDir
    Path tmp;

    @Test
    void roundTripsFloatTypesAndMetadata() {
        Random r = new Random(7);
        float[] f32 = new float[3 * 5];
        for (int i = 0; i < f32.length; i++) f32[i] = (float) r.nextGaussian();
        short[] f16 = new short[7];
        short[] bf16 = new short[7];
        for (int i = 0; i < 7; i++) {
            f16[i] = Floats.toF16(i * 0.25f - 1);
            bf16[i] = Floats.toBf16(i * 1.5f);
        }
        Path file = tmp.resolve("t.safetensors");
        SafetensorsWriter.write(file, List.of(
                TensorData.bits16("h", DType.F16, new long[]{7}, f16),
                TensorData.f32("w", new long[]{3, 5}, f32),
                TensorData.bits16("b", DType.BF16, new long[]{7}, bf16)), Map.of("format", "pt"));
        assertFalse(Files.exists(tmp.resolve("t.safetensors.tmp")), "temporary file removed");

        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertEquals(0, (8 + f.headerLength()) % 8, "data section starts 8-byte aligned");
            // Element size descending, then name: the reference writer's order.
            assertEquals(List.of("w", "b", "h"), List.copyOf(f.tensors().keySet()));
            assertEquals(Map.of("format", "pt"), f.metadata());
            assertArrayEquals(f32, Floats.toArray(f.tensors().get("w")));
            assertArrayEquals(new long[]{3, 5}, f.tensors().get("w").shape());
            for (int i = 0; i < 7; i++) {
                assertEquals(i * 0.25f - 1, Floats.get(f.tensors().get("h"), i));
                assertEquals(i * 1.5f, Floats.get(f.tensors().get("b"), i));
            }
        }
    }

    @Test
    void headerIsStableJsonInDataOrder() throws IOException {
        Path file = tmp.resolve("t.safetensors");
        SafetensorsWriter.write(file, List.of(
                TensorData.f32("z", new long[]{1}, new float[]{1}),
                TensorData.f32("a", new long[]{2}, new float[]{2, 3})), Map.of("k", "v", "b", "w", "x", "y"));
        byte[] all = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        String header = new String(all, 8, (int) n, StandardCharsets.UTF_8);
        assertEquals("{\"__metadata__\":{\"b\":\"w\",\"k\":\"v\",\"x\":\"y\"},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"z\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", header.stripTrailing());
        assertEquals(0, n % 8);
        assertEquals(8 + n + 12, all.length, "no gaps, no trailing bytes");
    }

    @Test
    void copiesTheFixtureBitForBit() throws IOException {
        Path src = Fixtures.model("stories260K-hf-derived").resolve("model.safetensors");
        Path copy = tmp.resolve("copy.safetensors");
        try (SafetensorsFile f = SafetensorsFile.open(src)) {
            List<TensorData> all = new ArrayList<>();
            f.tensors().values().forEach(t -> all.add(TensorData.copyOf(t)));
            SafetensorsWriter.write(copy, all, f.metadata());
        }
        try (SafetensorsStore a = SafetensorsStore.openFile(src); SafetensorsStore b = SafetensorsStore.openFile(copy)) {
            assertEquals(a.names(), b.names());
            for (String name : a.names()) {
                Tensor x = a.tensor(name), y = b.tensor(name);
                assertEquals(x.dtype(), y.dtype());
                assertArrayEquals(x.shape(), y.shape());
                assertEquals(-1L, x.data().mismatch(y.data()), name);
            }
            assertEquals(a.files().getFirst().metadata(), b.files().getFirst().metadata());
        }
    }

    @Test
    void refusesDataOfTheWrongSizeAndDuplicateNames() {
        Path file = tmp.resolve("bad.safetensors");
        TensorData wrong = TensorData.of("w", DType.F32, new long[]{4}, MemorySegment.ofArray(new byte[12]));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SafetensorsWriter.write(file, List.of(wrong), Map.of()));
        assertTrue(e.getMessage().contains("12 bytes") && e.getMessage().contains("needs 16"), e.getMessage());
        assertFalse(Files.exists(file));
        assertFalse(Files.exists(tmp.resolve("bad.safetensors.tmp")));

        TensorData a = TensorData.f32("a", new long[]{1}, new float[]{1});
        assertThrows(IllegalArgumentException.class, () -> SafetensorsWriter.write(file, List.of(a, a), Map.of()));
        assertThrows(IllegalArgumentException.class, () -> TensorData.f32("__metadata__", new long[]{1}, new float[1]));
        assertThrows(IllegalArgumentException.class, () -> TensorData.bits16("x", DType.F32, new long[]{1}, new short[1]));
    }
}
