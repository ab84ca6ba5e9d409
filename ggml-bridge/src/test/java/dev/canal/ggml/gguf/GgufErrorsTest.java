package dev.canal.ggml.gguf;

import dev.canal.engine.api.CanalException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every malformed-file rule: a CanalException whose one-line message names the file, the item and the problem. */
class GgufErrorsTest {
    static final String NAME = "bad.gguf";

    static CanalException fails(byte[] bytes, String... expectedParts) {
        CanalException e = assertThrows(CanalException.class, () -> GgufFile.parse(MemorySegment.ofArray(bytes), NAME));
        assertTrue(e.getMessage().startsWith(NAME + ": "), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
        for (String p : expectedParts) assertTrue(e.getMessage().contains(p), "\"" + p + "\" not in: " + e.getMessage());
        return e;
    }

    /** One Q8_0-free F32 tensor of 8 floats at offset 0, data section present. */
    static RawGguf oneTensor(String name, int type, long offset, long... ne) {
        RawGguf g = new RawGguf().header(1, 0).tensor(name, type, offset, ne).pad(32);
        return g.zeros(64);
    }

    @Test
    void badMagic() {
        byte[] b = new RawGguf().u32(0x4C4C5546).u32(3).u64(0).u64(0).bytes();
        fails(b, "header", "not a GGUF file", "expected \"GGUF\"");
    }

    @Test
    void versions() {
        fails(new RawGguf().u32(0x46554747L).u32(1).u64(0).u64(0).bytes(), "GGUF version 1 is not supported");
        fails(new RawGguf().u32(0x46554747L).u32(4).u64(0).u64(0).bytes(), "unsupported GGUF version 4");
        fails(new RawGguf().u32(0x46554747L).u32(0x03000000L).u64(0).u64(0).bytes(), "big-endian");
        // v2 has the v3 layout and is read
        GgufFile v2 = GgufFile.parse(MemorySegment.ofArray(new RawGguf().u32(0x46554747L).u32(2).u64(0).u64(0).bytes()), NAME);
        assertEquals(2, v2.version());
    }

    @Test
    void truncation() {
        byte[] full = new RawGguf().header(0, 1).kvString("general.name", "hello").bytes();
        fails(Arrays.copyOf(full, 10), "header", "truncated");
        fails(Arrays.copyOf(full, full.length - 2), "key general.name", "truncated");
        fails(new byte[0], "truncated");
    }

    @Test
    void absurdLengthsAndCounts() {
        fails(new RawGguf().header(0, 1).u64(1L << 40).zeros(16).bytes(), "key length", "larger than the whole file");
        fails(new RawGguf().header(0, 1).str("k").u32(8).u64(-1L).bytes(), "key k", "string length 18446744073709551615");
        fails(new RawGguf().header(0, 1).str("k").u32(9).u32(5).u64(1L << 62).bytes(), "key k", "array length");
        fails(new RawGguf().header(0, 1).str("k").u32(9).u32(8).u64(1000).bytes(), "key k", "array length 1000");
        fails(new RawGguf().header(1L << 50, 0).bytes(), "tensor count", "larger than the whole file");
        fails(new RawGguf().header(0, 1).bytes(), "metadata key/value count 1", "truncated");
        fails(new RawGguf().header(0, 1L << 50).bytes(), "metadata key/value count");
    }

    @Test
    void badValues() {
        fails(new RawGguf().header(0, 1).str("k").u32(13).u32(0).bytes(), "key k", "unknown metadata value type 13");
        fails(new RawGguf().header(0, 1).str("k").u32(9).u32(77).u64(0).bytes(), "unknown metadata value type 77");
        fails(new RawGguf().header(0, 1).str("k").u32(7).u8(2).bytes(), "key k", "bool value 2");
        RawGguf deep = new RawGguf().header(0, 1).str("k").u32(9);
        for (int i = 0; i < 20; i++) deep.u32(9).u64(1);
        deep.u32(4).u64(1).u32(0);
        fails(deep.bytes(), "key k", "nested deeper");
        fails(new RawGguf().header(0, 2).kvU32("k", 1).kvU32("k", 2).bytes(), "key k", "duplicate metadata key");
        // names from the file cannot break the one-line message
        fails(new RawGguf().header(0, 2).kvU32("a\nb", 1).kvU32("a\nb", 2).bytes(), "key a\\u000ab", "duplicate");
        fails(new RawGguf().header(0, 2).kvU32("x".repeat(5000), 1).kvU32("x".repeat(5000), 2).bytes(), "xxx...: duplicate");
    }

    @Test
    void alignmentMustBeAPowerOfTwo() {
        fails(new RawGguf().header(0, 1).kvU32("general.alignment", 24).bytes(), "general.alignment", "not a power of two");
        fails(new RawGguf().header(0, 1).kvU32("general.alignment", 0).bytes(), "not a power of two");
        fails(new RawGguf().header(0, 1).kvString("general.alignment", "32").bytes(), "expected an unsigned integer");
    }

    @Test
    void badTensorInfos() {
        fails(oneTensor("t", 4, 0, 8).bytes(), "tensor t", "unknown ggml type id 4");
        fails(oneTensor("t", 0, 0, 1, 1, 1, 1, 1).bytes(), "tensor t", "has 5 dimensions");
        fails(oneTensor("t", 0, 0, 8, 0).bytes(), "tensor t", "dimension 1 is 0");
        fails(oneTensor("t", 0, 0, -5).bytes(), "tensor t", "dimension 0 is 18446744073709551611");
        fails(oneTensor("t", 0, 0, 1L << 32, 1L << 32).bytes(), "tensor t", "overflow");
        fails(oneTensor("t", 8, 0, 48).bytes(), "tensor t", "row length 48 is not a multiple of the Q8_0 block size 32");
        fails(oneTensor("t", 0, 4, 8).bytes(), "tensor t", "offset 4 is not a multiple of the alignment 32");
        fails(oneTensor("t", 0, 0, 1000).bytes(), "tensor t", "lies outside the file");
        fails(oneTensor("t", 0, 1L << 62, 8).bytes(), "tensor t", "lies outside the file");
    }

    @Test
    void overlapsAndDuplicates() {
        byte[] overlap = new RawGguf().header(2, 0).tensor("a", 0, 0, 16).tensor("b", 0, 32, 16).pad(32).zeros(128).bytes();
        fails(overlap, "tensor b", "overlaps tensor a");
        byte[] ok = new RawGguf().header(2, 0).tensor("a", 0, 0, 8).tensor("b", 0, 32, 8).pad(32).zeros(64).bytes();
        assertEquals(2, GgufFile.parse(MemorySegment.ofArray(ok), NAME).tensors().size());
        byte[] dup = new RawGguf().header(2, 0).tensor("a", 0, 0, 8).tensor("a", 0, 32, 8).pad(32).zeros(64).bytes();
        fails(dup, "tensor a", "duplicate tensor name");
    }

    @Test
    void typedGettersNameFileAndKey() {
        byte[] b = new RawGguf().header(0, 3).kvString("s", "x").kvU32("u", 7).str("big").u32(10).u64(-1L).bytes();
        GgufFile f = GgufFile.parse(MemorySegment.ofArray(b), NAME);
        assertEquals("bad.gguf: missing metadata key nope", assertThrows(CanalException.class, () -> f.getString("nope")).getMessage());
        assertEquals("bad.gguf: metadata key s is a STRING, expected an integer",
                assertThrows(CanalException.class, () -> f.getInt("s")).getMessage());
        assertEquals("bad.gguf: metadata key u is a UINT32, expected a string",
                assertThrows(CanalException.class, () -> f.getString("u")).getMessage());
        assertEquals("bad.gguf: metadata key u is a UINT32, expected an array",
                assertThrows(CanalException.class, () -> f.getStringArray("u")).getMessage());
        assertEquals("bad.gguf: metadata key big = 18446744073709551615 is too large",
                assertThrows(CanalException.class, () -> f.getInt("big")).getMessage());
        assertEquals("bad.gguf: missing tensor \"w\"", assertThrows(CanalException.class, () -> f.tensor("w")).getMessage());
        assertEquals(7, f.getInt("u"));
    }

    @Test
    void openNamesTheMissingPath(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("none.gguf");
        assertEquals(missing + ": no such file", assertThrows(CanalException.class, () -> GgufFile.open(missing)).getMessage());
        Path bad = dir.resolve("bad.gguf");
        Files.write(bad, new byte[] {1, 2, 3});
        CanalException e = assertThrows(CanalException.class, () -> GgufFile.open(bad));
        assertTrue(e.getMessage().startsWith(bad + ": header: truncated"), e.getMessage());
    }
}
