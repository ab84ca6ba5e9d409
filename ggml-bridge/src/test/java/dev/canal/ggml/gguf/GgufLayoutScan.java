package dev.canal.ggml.gguf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Walks a valid GGUF file and records where its count/length fields (uint64) and type/dimension-count fields
 * (uint32) are, so the fuzzer can aim at the fields a hostile file would lie in.
 */
final class GgufLayoutScan {
    final List<Integer> u64Fields = new ArrayList<>();
    final List<Integer> u32Fields = new ArrayList<>();
    private final ByteBuffer b;

    private GgufLayoutScan(byte[] bytes) {
        b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    static GgufLayoutScan of(byte[] bytes) {
        GgufLayoutScan s = new GgufLayoutScan(bytes);
        s.scan();
        return s;
    }

    private long u64() {
        u64Fields.add(b.position());
        return b.getLong();
    }

    private int u32() {
        u32Fields.add(b.position());
        return b.getInt();
    }

    private void string() {
        long n = u64();
        b.position(b.position() + (int) n);
    }

    private void scan() {
        b.position(8);
        long tensors = u64();
        long kvs = u64();
        for (long i = 0; i < kvs; i++) {
            string();
            value(u32());
        }
        for (long i = 0; i < tensors; i++) {
            string();
            int nDims = u32();
            for (int d = 0; d < nDims; d++) u64();
            u32();
            u64();
        }
    }

    private void value(int type) {
        switch (type) {
            case 0, 1, 7 -> b.get();
            case 2, 3 -> b.getShort();
            case 4, 5, 6 -> b.getInt();
            case 10, 11, 12 -> b.getLong();
            case 8 -> string();
            case 9 -> {
                int et = u32();
                long n = u64();
                for (long i = 0; i < n; i++) value(et);
            }
            default -> throw new IllegalStateException("type " + type);
        }
    }
}
