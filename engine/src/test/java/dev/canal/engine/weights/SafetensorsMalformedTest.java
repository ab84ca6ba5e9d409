package dev.canal.engine.weights;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each kind of broken safetensors file fails with its own message that names the file (and tensor). */
class SafetensorsMalformedTest {

    @TempDir
    Path tmp;

    /** Writes the 8-byte length, the header bytes as given and {@code dataBytes} zero bytes. */
    private Path raw(String name, byte[] header, long declaredLength, int dataBytes) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredLength).put(header);
        Path file = tmp.resolve(name);
        Files.write(file, b.array());
        return file;
    }

    private Path raw(String json, int dataBytes) throws IOException {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        return raw("m.safetensors", h, h.length, dataBytes);
    }

    /** Opens the file, expects a CanalException, checks it names the file and contains every fragment. */
    private static String fails(Path file, String... fragments) {
        CanalException e = assertThrows(CanalException.class, () -> {
            try (Arena arena = Arena.ofConfined()) {
                SafetensorsFile.open(file, arena);
            }
        });
        String m = e.getMessage();
        assertTrue(m.startsWith(file.toString() + ":"), "message must name the file: " + m);
        for (String f : fragments) assertTrue(m.contains(f), "expected \"" + f + "\" in: " + m);
        assertEquals(-1, m.indexOf('\n'), "one line: " + m);
        return m;
    }

    @Test
    void missingFile() {
        fails(tmp.resolve("absent.safetensors"), "not found");
    }

    @Test
    void shorterThanTheLengthField() throws IOException {
        Path f = tmp.resolve("short.safetensors");
        Files.write(f, new byte[]{1, 2, 3});
        fails(f, "3 bytes is too short");
    }

    @Test
    void truncatedInsideTheDataSection() throws IOException {
        byte[] all = Files.readAllBytes(Fixtures.model("stories260K-hf-derived").resolve("model.safetensors"));
        Path f = tmp.resolve("truncated.safetensors");
        Files.write(f, Arrays.copyOf(all, all.length - 1000));
        // The last tensor in data order is the one whose bytes were cut.
        String m = fails(f, "reach past the end of the data section", "truncated");
        assertTrue(m.contains("tensor \""), m);
    }

    @Test
    void headerLengthPastEndOfFile() throws IOException {
        byte[] h = "{}".getBytes(StandardCharsets.UTF_8);
        fails(raw("m.safetensors", h, 1000, 0), "header length 1000 reaches past the end of the file (10 bytes");
    }

    @Test
    void absurdHeaderLength() throws IOException {
        fails(raw("m.safetensors", new byte[16], 1L << 40, 0), "header length 1099511627776 is absurd");
        // A u64 length with the top bit set reads as negative in Java: still "absurd", not a crash.
        fails(raw("n.safetensors", new byte[16], -5, 0), "header length 18446744073709551611 is absurd");
    }

    @Test
    void badJson() throws IOException {
        fails(raw("{\"a\": {\"dtype\": \"F32\",", 0), "safetensors header is not valid JSON");
        fails(raw("{} trailing", 0), "not valid JSON");
        fails(raw("", 0), "must be a JSON object, found nothing");
        fails(raw("[1, 2]", 0), "must be a JSON object, found array");
    }

    @Test
    void invalidUtf8() throws IOException {
        byte[] h = {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'};
        fails(raw("m.safetensors", h, h.length, 0), "not valid UTF-8");
    }

    @Test
    void duplicateTensorName() throws IOException {
        fails(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8), "not valid JSON", "Duplicate field 'a'");
    }

    @Test
    void entryFieldsMissingOrMistyped() throws IOException {
        fails(raw("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "tensor \"w\"", "missing \"dtype\"");
        fails(raw("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4), "tensor \"w\"", "missing \"shape\"");
        fails(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4), "tensor \"w\"", "missing \"data_offsets\"");
        fails(raw("{\"w\":{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "dtype must be a string");
        fails(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":\"1\",\"data_offsets\":[0,4]}}", 4), "shape must be an array");
        fails(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4), "non-integer dimension 1.5");
        fails(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4),
                "data_offsets must be an array of two integers");
        fails(raw("{\"w\":[1,2]}", 4), "tensor \"w\": entry must be an object");
        fails(raw("{\"__metadata__\":{\"k\":1}}", 0), "\"__metadata__\" value \"k\" must be a string");
    }

    @Test
    void unknownDtype() throws IOException {
        fails(raw("{\"w\":{\"dtype\":\"F13\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4),
                "tensor \"w\"", "unknown dtype \"F13\"", "expected one of F32");
    }

    @Test
    void negativeDimension() throws IOException {
        fails(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1,4],\"data_offsets\":[0,4]}}", 4),
                "tensor \"w\"", "negative dimension");
    }

    @Test
    void dimensionProductOverflow() throws IOException {
        fails(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,4]}}", 4),
                "tensor \"w\"", "overflows");
    }

    @Test
    void shapeAndByteRangeDisagree() throws IOException {
        fails(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}", 24),
                "tensor \"w\"", "needs 24 bytes", "span 20 bytes");
    }

    @Test
    void offsetsOutsideTheDataSection() throws IOException {
        fails(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[6],\"data_offsets\":[0,24]}}", 16),
                "tensor \"w\"", "reach past the end of the data section (16 bytes");
        fails(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", 16), "negative");
    }

    @Test
    void reversedOffsets() throws IOException {
        fails(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8), "tensor \"w\"", "reversed");
    }

    @Test
    void overlappingTensors() throws IOException {
        fails(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}", 24), "\"a\" [0, 16)", "\"b\" [8, 24)", "overlap");
    }

    @Test
    void gapsAndEmptyTensorsAreAllowed() throws IOException {
        Path f = raw("{\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,24]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"e\":{\"dtype\":\"F16\",\"shape\":[0,5],\"data_offsets\":[4,4]}}", 24);
        try (SafetensorsFile sf = SafetensorsFile.open(f)) {
            assertEquals("[a, e, b]", sf.tensors().keySet().toString(), "data order");
            assertEquals(0, sf.tensors().get("e").byteSize());
        }
    }
}
