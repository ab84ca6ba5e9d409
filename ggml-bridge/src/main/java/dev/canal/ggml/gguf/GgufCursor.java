package dev.canal.ggml.gguf;

import dev.canal.engine.api.CanalException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A bounds-checked little-endian reader over the mapped bytes of a GGUF file. Every read first checks that the
 * bytes exist, so a truncated or lying file ends in a {@link CanalException} that names the file, the item being
 * read (a key, a tensor) and the offset, never in an IndexOutOfBoundsException.
 */
final class GgufCursor {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MemorySegment bytes;
    private final String file;
    private long pos;
    /** What is being read, for messages ("key tokenizer.ggml.tokens", "tensor info 3"). */
    private String context = "header";

    GgufCursor(MemorySegment bytes, String file) {
        this.bytes = bytes;
        this.file = file;
    }

    long position() {
        return pos;
    }

    void position(long p) {
        pos = p;
    }

    long size() {
        return bytes.byteSize();
    }

    long remaining() {
        return bytes.byteSize() - pos;
    }

    void context(String what) {
        context = what;
    }

    /**
     * A name from the file made safe for a one-line message: control characters escaped, very long names cut
     * (a hostile file may use a megabyte of newlines as a key).
     */
    static String printable(String name) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < name.length() && b.length() < 200; i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7f) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        if (b.length() >= 200) b.append("...");
        return b.toString();
    }

    String context() {
        return context;
    }

    /** An error about the current item, with the file name and offset. */
    CanalException error(String what) {
        return new CanalException(file + ": " + context + ": " + what);
    }

    private void need(long n) {
        if (n < 0 || n > remaining()) {
            throw error("truncated: needs " + n + " more bytes at offset " + pos + " but the file ends at "
                    + bytes.byteSize());
        }
    }

    int u8() {
        need(1);
        return Byte.toUnsignedInt(bytes.get(ValueLayout.JAVA_BYTE, pos++));
    }

    int i8() {
        need(1);
        return bytes.get(ValueLayout.JAVA_BYTE, pos++);
    }

    int u16() {
        return Short.toUnsignedInt(i16());
    }

    short i16() {
        need(2);
        short v = bytes.get(U16, pos);
        pos += 2;
        return v;
    }

    int i32() {
        need(4);
        int v = bytes.get(U32, pos);
        pos += 4;
        return v;
    }

    long u32() {
        return Integer.toUnsignedLong(i32());
    }

    long i64() {
        need(8);
        long v = bytes.get(U64, pos);
        pos += 8;
        return v;
    }

    float f32() {
        need(4);
        float v = bytes.get(F32, pos);
        pos += 4;
        return v;
    }

    double f64() {
        need(8);
        double v = bytes.get(F64, pos);
        pos += 8;
        return v;
    }

    boolean bool() {
        int b = u8();
        if (b > 1) throw error("bool value " + b + " at offset " + (pos - 1) + " (expected 0 or 1)");
        return b == 1;
    }

    /**
     * A count or length stored as uint64, refused when {@code count * minBytesEach} cannot fit in what is left of
     * the file: this bounds every allocation and every loop by the file size. A count beyond the whole file is
     * reported as absurd, one that merely runs past the end as truncation.
     */
    int count(String what, long minBytesEach) {
        long at = pos;
        long n = i64();
        long each = Math.max(1, minBytesEach);
        if (n < 0 || n > bytes.byteSize() / each || n > Integer.MAX_VALUE - 8) {
            throw error(what + " " + Long.toUnsignedString(n) + " at offset " + at + " is larger than the whole file ("
                    + bytes.byteSize() + " bytes) can hold");
        }
        if (n > remaining() / each) {
            throw error("truncated: " + what + " " + n + " at offset " + at + " needs at least " + n * each
                    + " bytes but the file ends " + remaining() + " bytes later");
        }
        return (int) n;
    }

    String string(String what) {
        int len = count(what + " length", 1);
        byte[] b = new byte[len];
        MemorySegment.copy(bytes, ValueLayout.JAVA_BYTE, pos, b, 0, len);
        pos += len;
        return new String(b, StandardCharsets.UTF_8);
    }
}
