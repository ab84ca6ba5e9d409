package dev.canal.ggml.gguf;

import dev.canal.ggml.quant.GgmlType;
import dev.canal.ggml.quant.QuantFormat;
import dev.canal.ggml.quant.QuantFormats;
import dev.canal.engine.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class GgufWriterRoundTripTest {

    @Test
    void everyMetadataTypeAndQuantizedTensorsRoundTrip(@TempDir Path dir) {
        GgufWriter w = new GgufWriter()
                .put("u8", GgufValueType.UINT8, 255)
                .put("i8", GgufValueType.INT8, -128)
                .put("u16", GgufValueType.UINT16, 65535)
                .put("i16", GgufValueType.INT16, -32768)
                .putUint32("u32", 4_000_000_000L)
                .putInt32("i32", -7)
                .putUint64("u64", -1L) // 2^64 - 1 keeps its bits
                .put("i64", GgufValueType.INT64, Long.MIN_VALUE)
                .putFloat32("f32", 1e-5f)
                .put("f64", GgufValueType.FLOAT64, Math.PI)
                .putBool("b", true)
                .putString("s", "héllo ✓")
                .putArray("strings", GgufArray.ofStrings(List.of("<s>", "", "▁the")))
                .putArray("floats", GgufArray.ofFloats(-1f, 0.5f, Float.MIN_VALUE))
                .putArray("ints", GgufArray.ofInts(GgufValueType.INT32, 1, -2, 3))
                .putArray("bytes", GgufArray.ofInts(GgufValueType.UINT8, 0, 200))
                .putArray("longs", GgufArray.ofLongs(GgufValueType.UINT64, 1L << 40))
                .putArray("bools", GgufArray.ofBools(true, false))
                .putArray("doubles", GgufArray.ofDoubles(2.5))
                .putArray("nested", GgufArray.ofArrays(List.of(GgufArray.ofStrings(List.of("a b", "c")),
                        GgufArray.ofInts(GgufValueType.INT16, -1))))
                .putArray("empty", GgufArray.ofStrings(List.of()))
                .alignment(64);

        Random r = new Random(5);
        float[] f32 = new float[2 * 3];
        for (int i = 0; i < f32.length; i++) f32[i] = (float) r.nextGaussian();
        MemorySegment f32Data = MemorySegment.ofArray(new byte[24]);
        for (int i = 0; i < 6; i++) f32Data.set(ValueLayout.JAVA_FLOAT_UNALIGNED, 4L * i, f32[i]);
        w.addTensor("dense", GgmlType.F32, new long[] {3, 2}, f32Data);

        QuantFormat q8 = QuantFormats.of(GgmlType.Q8_0);
        float[] rows = new float[64 * 3];
        for (int i = 0; i < rows.length; i++) rows[i] = (float) r.nextGaussian();
        MemorySegment q8Data = MemorySegment.ofArray(new byte[(int) (q8.rowBytes(64) * 3)]);
        for (int row = 0; row < 3; row++) q8.quantizeRow(rows, row * 64, q8Data, row * q8.rowBytes(64), 64);
        w.addTensor("blk.0.attn_q.weight", GgmlType.Q8_0, new long[] {64, 3}, q8Data);

        // a producer: quantizes row by row while the file is written
        QuantFormat q4k = QuantFormats.of(GgmlType.Q4_K);
        float[] k = new float[256 * 2];
        for (int i = 0; i < k.length; i++) k[i] = (float) r.nextGaussian();
        byte[] q4kExpected = new byte[(int) (q4k.rowBytes(256) * 2)];
        for (int row = 0; row < 2; row++) {
            q4k.quantizeRow(k, row * 256, MemorySegment.ofArray(q4kExpected), row * q4k.rowBytes(256), 256);
        }
        w.addTensor("ffn", GgmlType.Q4_K, new long[] {256, 2}, out -> {
            byte[] row = new byte[(int) q4k.rowBytes(256)];
            for (int i = 0; i < 2; i++) {
                q4k.quantizeRow(k, i * 256, MemorySegment.ofArray(row), 0, 256);
                out.write(row);
            }
        });

        Path p = dir.resolve("all.gguf");
        w.write(p);
        try (Arena arena = Arena.ofConfined()) {
            GgufFile g = GgufFile.open(p, arena);
            assertEquals(3, g.version());
            assertEquals(64, g.alignment());
            assertEquals(0, g.dataOffset() % 64);
            assertEquals(255, g.getInt("u8"));
            assertEquals(-128, g.getInt("i8"));
            assertEquals(65535, g.getInt("u16"));
            assertEquals(-32768, g.getInt("i16"));
            assertEquals(4_000_000_000L, g.getLong("u32"));
            assertEquals(-7, g.getInt("i32"));
            assertEquals(-1L, g.metadata().get("u64"));
            assertEquals(Long.MIN_VALUE, g.getLong("i64"));
            assertEquals(1e-5f, g.getFloat("f32"));
            assertEquals(Math.PI, (Double) g.metadata().get("f64"));
            assertEquals(true, g.getBool("b"));
            assertEquals("héllo ✓", g.getString("s"));
            assertEquals(List.of("<s>", "", "▁the"), g.getStringArray("strings"));
            assertArrayEquals(new float[] {-1f, 0.5f, Float.MIN_VALUE}, g.getFloatArray("floats"));
            assertArrayEquals(new int[] {1, -2, 3}, g.getIntArray("ints"));
            assertArrayEquals(new int[] {0, 200}, g.getIntArray("bytes"));
            assertEquals(List.of(1L << 40), g.getArray("longs"));
            assertEquals(List.of(true, false), g.getArray("bools"));
            assertEquals(List.of(2.5), g.getArray("doubles"));
            assertEquals(List.of(List.of("a b", "c"), List.of(-1)), g.getArray("nested"));
            assertEquals(GgufValueType.INT16, ((GgufArray) g.getArray("nested").get(1)).elementType());
            assertEquals(List.of(), g.getStringArray("empty"));
            assertEquals(GgufValueType.UINT8, g.type("u8").orElseThrow());
            assertEquals(GgufValueType.UINT64, g.type("u64").orElseThrow());
            assertEquals(List.of("u8", "i8", "u16", "i16", "u32", "i32", "u64", "i64", "f32", "f64", "b", "s",
                    "strings", "floats", "ints", "bytes", "longs", "bools", "doubles", "nested", "empty",
                    "general.alignment"), List.copyOf(g.metadata().keySet()));

            assertEquals(List.of("dense", "blk.0.attn_q.weight", "ffn"), List.copyOf(g.tensors().keySet()));
            GgufTensor dense = g.tensor("dense");
            assertArrayEquals(new long[] {3, 2}, dense.ne());
            assertArrayEquals(new long[] {2, 3}, dense.shape());
            assertArrayEquals(f32Data.toArray(ValueLayout.JAVA_BYTE), dense.data().toArray(ValueLayout.JAVA_BYTE));
            GgufTensor q = g.tensor("blk.0.attn_q.weight");
            assertEquals(GgmlType.Q8_0, q.type());
            assertEquals(3, q.rowCount());
            assertArrayEquals(q8Data.toArray(ValueLayout.JAVA_BYTE), q.data().toArray(ValueLayout.JAVA_BYTE));
            float[] back = new float[64];
            q8.dequantizeRow(q.data(), q.rowBytes(), back, 0, 64); // row 1 straight from the mapping
            for (int i = 0; i < 64; i++) assertEquals(rows[64 + i], back[i], 0.02f);
            GgufTensor ffn = g.tensor("ffn");
            assertArrayEquals(q4kExpected, ffn.data().toArray(ValueLayout.JAVA_BYTE));
            for (GgufTensor t : g.tensors().values()) assertEquals(0, t.offset() % 64, t.name());
        }
    }

    @Test
    void producerMustWriteTheExactSize(@TempDir Path dir) {
        GgufWriter w = new GgufWriter().addTensor("t", GgmlType.F32, new long[] {4}, out -> out.write(new byte[12]));
        assertThrows(IllegalStateException.class, () -> w.write(dir.resolve("short.gguf")));
        assertFalse(Files.exists(dir.resolve("short.gguf")), "no partial file left behind");
        assertThrows(IllegalArgumentException.class,
                () -> new GgufWriter().addTensor("t", GgmlType.Q8_0, new long[] {33}, MemorySegment.ofArray(new byte[34])));
        assertThrows(IllegalArgumentException.class, () -> new GgufWriter().put("k", GgufValueType.UINT8, 256));
    }

    /**
     * Copying stories260K.gguf (written by llama.cpp's gguf-py) through the writer reproduces it byte for byte:
     * same metadata encoding, tensor info layout, alignment and padding.
     */
    @Test
    void rewritingALlamaCppFileReproducesItExactly(@TempDir Path dir) throws Exception {
        Path src = Fixtures.models().resolve("stories260K-gguf/stories260K.gguf");
        Path copy = dir.resolve("copy.gguf");
        try (GgufFile g = GgufFile.open(src)) {
            GgufWriter w = new GgufWriter().copyMetadata(g);
            for (GgufTensor t : g.tensors().values()) w.addTensor(t.name(), t.type(), t.ne(), t.data());
            w.write(copy);
            try (GgufFile c = GgufFile.open(copy)) {
                assertEquals(g.metadata(), c.metadata());
                for (Map.Entry<String, GgufTensor> e : g.tensors().entrySet()) {
                    assertArrayEquals(e.getValue().data().toArray(ValueLayout.JAVA_BYTE),
                            c.tensor(e.getKey()).data().toArray(ValueLayout.JAVA_BYTE), e.getKey());
                }
            }
        }
        assertArrayEquals(Files.readAllBytes(src), Files.readAllBytes(copy));
    }
}
