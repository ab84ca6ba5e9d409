package dev.canal.ggml.gguf;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Hand-assembled GGUF bytes for tests that need malformed files the writer refuses to produce. */
final class RawGguf {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    RawGguf u8(int v) {
        out.write(v);
        return this;
    }

    RawGguf u32(long v) {
        for (int i = 0; i < 4; i++) out.write((int) (v >>> (8 * i)) & 0xFF);
        return this;
    }

    RawGguf u64(long v) {
        for (int i = 0; i < 8; i++) out.write((int) (v >>> (8 * i)) & 0xFF);
        return this;
    }

    RawGguf str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        u64(b.length);
        out.writeBytes(b);
        return this;
    }

    /** Magic, version 3, counts. */
    RawGguf header(long tensors, long kvs) {
        return u32(0x46554747L).u32(3).u64(tensors).u64(kvs);
    }

    /** A key with a uint32 value. */
    RawGguf kvU32(String key, long v) {
        return str(key).u32(4).u32(v);
    }

    RawGguf kvString(String key, String v) {
        return str(key).u32(8).str(v);
    }

    /** A tensor info. */
    RawGguf tensor(String name, int type, long offset, long... ne) {
        str(name).u32(ne.length);
        for (long d : ne) u64(d);
        return u32(type).u64(offset);
    }

    /** Zero bytes up to the next multiple of {@code alignment}. */
    RawGguf pad(int alignment) {
        while (out.size() % alignment != 0) out.write(0);
        return this;
    }

    RawGguf zeros(int n) {
        for (int i = 0; i < n; i++) out.write(0);
        return this;
    }

    int size() {
        return out.size();
    }

    byte[] bytes() {
        return out.toByteArray();
    }
}
