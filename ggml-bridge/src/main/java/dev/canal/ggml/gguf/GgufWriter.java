package dev.canal.ggml.gguf;

import dev.canal.engine.api.CanalException;
import dev.canal.ggml.quant.GgmlType;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a GGUF v3 file (little-endian): metadata of every type, tensor infos, alignment padding, then each
 * tensor's data streamed from a {@link MemorySegment} or a {@link GgufTensorData} producer, one at a time.
 * Tensors are laid out in the order they were added, each at the next aligned offset.
 */
public final class GgufWriter {
    private static final int COPY_CHUNK = 1 << 20;

    private record Entry(GgufValueType type, Object value) {
    }

    private record PendingTensor(String name, GgmlType type, long[] ne, long size, GgufTensorData data) {
    }

    private final Map<String, Entry> metadata = new LinkedHashMap<>();
    private final Map<String, PendingTensor> tensors = new LinkedHashMap<>();
    private int alignment = GgufParser.DEFAULT_ALIGNMENT;

    /** Sets the data alignment (a power of two); a value other than 32 is recorded as general.alignment. */
    public GgufWriter alignment(int alignment) {
        if (alignment <= 0 || Integer.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("alignment " + alignment + " is not a power of two");
        }
        this.alignment = alignment;
        if (alignment != GgufParser.DEFAULT_ALIGNMENT || metadata.containsKey(GgufFile.KEY_ALIGNMENT)) {
            metadata.put(GgufFile.KEY_ALIGNMENT, new Entry(GgufValueType.UINT32, (long) alignment));
        }
        return this;
    }

    /**
     * Adds (or replaces) a key. The value's class must match the type as {@link GgufValueType} describes (any
     * {@link Number} is accepted for integer and float types; arrays must be {@link GgufArray}).
     */
    public GgufWriter put(String key, GgufValueType type, Object value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value of " + key);
        Object v = switch (type) {
            case UINT8, INT8, UINT16, INT16, INT32, UINT32, INT64, UINT64 -> {
                if (!(value instanceof Number n) || value instanceof Float || value instanceof Double) {
                    throw new IllegalArgumentException(key + ": " + type + " needs an integer, got " + value);
                }
                GgufValues.checkRange(type, n.longValue());
                yield n.longValue();
            }
            case FLOAT32, FLOAT64 -> {
                if (!(value instanceof Number n)) throw new IllegalArgumentException(key + ": " + type + " needs a number");
                yield type == GgufValueType.FLOAT32 ? (Object) n.floatValue() : (Object) n.doubleValue();
            }
            case BOOL -> {
                if (!(value instanceof Boolean)) throw new IllegalArgumentException(key + ": BOOL needs a Boolean");
                yield value;
            }
            case STRING -> {
                if (!(value instanceof String)) throw new IllegalArgumentException(key + ": STRING needs a String");
                yield value;
            }
            case ARRAY -> {
                if (!(value instanceof GgufArray)) throw new IllegalArgumentException(key + ": ARRAY needs a GgufArray");
                yield value;
            }
        };
        if (key.equals(GgufFile.KEY_ALIGNMENT)) {
            if (!type.isInteger()) throw new IllegalArgumentException("general.alignment must be an integer, not " + type);
            long a = ((Number) v).longValue();
            if (a <= 0 || a > (1 << 30) || Long.bitCount(a) != 1) {
                throw new IllegalArgumentException("general.alignment " + a + " is not a power of two");
            }
            alignment = (int) a;
        }
        metadata.put(key, new Entry(type, v));
        return this;
    }

    public GgufWriter putString(String key, String value) {
        return put(key, GgufValueType.STRING, value);
    }

    public GgufWriter putUint32(String key, long value) {
        return put(key, GgufValueType.UINT32, value);
    }

    public GgufWriter putInt32(String key, int value) {
        return put(key, GgufValueType.INT32, value);
    }

    public GgufWriter putUint64(String key, long value) {
        return put(key, GgufValueType.UINT64, value);
    }

    public GgufWriter putFloat32(String key, float value) {
        return put(key, GgufValueType.FLOAT32, value);
    }

    public GgufWriter putBool(String key, boolean value) {
        return put(key, GgufValueType.BOOL, value);
    }

    public GgufWriter putArray(String key, GgufArray value) {
        return put(key, GgufValueType.ARRAY, value);
    }

    /** Copies every key of {@code source} with its stored type (e.g. to re-quantize a file). */
    public GgufWriter copyMetadata(GgufFile source) {
        for (Map.Entry<String, Object> e : source.metadata().entrySet()) {
            put(e.getKey(), source.type(e.getKey()).orElseThrow(), e.getValue());
        }
        return this;
    }

    /** Adds a tensor whose bytes are in {@code data} (e.g. a slice of another mapped file). */
    public GgufWriter addTensor(String name, GgmlType type, long[] ne, MemorySegment data) {
        long size = byteSize(name, type, ne);
        if (data.byteSize() != size) {
            throw new IllegalArgumentException("tensor " + name + ": " + data.byteSize() + " bytes given, "
                    + type + java.util.Arrays.toString(ne) + " needs " + size);
        }
        return addTensor(name, type, ne, out -> copy(data, out));
    }

    /** Adds a tensor whose bytes {@code data} produces when the file is written. */
    public GgufWriter addTensor(String name, GgmlType type, long[] ne, GgufTensorData data) {
        if (tensors.containsKey(name)) throw new IllegalArgumentException("duplicate tensor name " + name);
        tensors.put(name, new PendingTensor(name, type, ne.clone(), byteSize(name, type, ne), data));
        return this;
    }

    private static long byteSize(String name, GgmlType type, long[] ne) {
        if (ne.length > GgufParser.MAX_DIMS) throw new IllegalArgumentException(name + ": more than 4 dimensions");
        long n = 1;
        for (long d : ne) {
            if (d <= 0) throw new IllegalArgumentException(name + ": dimension " + d + " must be > 0");
            n = Math.multiplyExact(n, d);
        }
        long row = ne.length == 0 ? 1 : ne[0];
        if (row % type.blockSize() != 0) {
            throw new IllegalArgumentException(name + ": row length " + row + " is not a multiple of the " + type
                    + " block size " + type.blockSize());
        }
        return Math.multiplyExact(n / type.blockSize(), (long) type.bytesPerBlock());
    }

    /** Writes the file (replacing one that exists); a failed write leaves no partial file behind. */
    public void write(Path path) {
        boolean done = false;
        try (OutputStream raw = Files.newOutputStream(path);
             CountingStream out = new CountingStream(new BufferedOutputStream(raw, 1 << 16))) {
            writeTo(out);
            done = true;
        } catch (IOException e) {
            throw new CanalException(path + ": cannot write GGUF file: " + e.getMessage(), e);
        } finally {
            if (!done) {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException ignored) {
                    // the original failure is the one to report
                }
            }
        }
    }

    private void writeTo(CountingStream out) throws IOException {
        out.u32(GgufParser.MAGIC);
        out.u32(3);
        out.u64(tensors.size());
        out.u64(metadata.size());
        for (Map.Entry<String, Entry> e : metadata.entrySet()) {
            out.string(e.getKey());
            out.u32(e.getValue().type().id());
            writeValue(out, e.getValue().type(), e.getValue().value());
        }
        List<Long> offsets = new ArrayList<>();
        long offset = 0;
        for (PendingTensor t : tensors.values()) {
            out.string(t.name());
            out.u32(t.ne().length);
            for (long d : t.ne()) out.u64(d);
            out.u32(t.type().id());
            out.u64(offset);
            offsets.add(offset);
            offset = GgufParser.alignUp(offset + t.size(), alignment);
        }
        if (tensors.isEmpty()) return;
        out.pad(alignment);
        long dataStart = out.count;
        int i = 0;
        for (PendingTensor t : tensors.values()) {
            long expectedStart = dataStart + offsets.get(i++);
            out.zeros(expectedStart - out.count);
            t.data().writeTo(out);
            long written = out.count - expectedStart;
            if (written != t.size()) {
                throw new IllegalStateException("tensor " + t.name() + ": producer wrote " + written + " bytes, expected "
                        + t.size());
            }
        }
    }

    private static void writeValue(CountingStream out, GgufValueType type, Object v) throws IOException {
        switch (type) {
            case UINT8, INT8 -> out.write((int) ((Number) v).longValue());
            case UINT16, INT16 -> out.u16((int) ((Number) v).longValue());
            case UINT32, INT32 -> out.u32((int) ((Number) v).longValue());
            case UINT64, INT64 -> out.u64(((Number) v).longValue());
            case FLOAT32 -> out.u32(Float.floatToRawIntBits(((Number) v).floatValue()));
            case FLOAT64 -> out.u64(Double.doubleToRawLongBits(((Number) v).doubleValue()));
            case BOOL -> out.write((Boolean) v ? 1 : 0);
            case STRING -> out.string((String) v);
            case ARRAY -> {
                GgufArray a = (GgufArray) v;
                out.u32(a.elementType().id());
                out.u64(a.size());
                for (Object e : a) writeValue(out, a.elementType(), e);
            }
        }
    }

    private static void copy(MemorySegment data, OutputStream out) throws IOException {
        byte[] buf = new byte[(int) Math.min(COPY_CHUNK, Math.max(1, data.byteSize()))];
        for (long p = 0; p < data.byteSize(); p += buf.length) {
            int n = (int) Math.min(buf.length, data.byteSize() - p);
            MemorySegment.copy(data, ValueLayout.JAVA_BYTE, p, buf, 0, n);
            out.write(buf, 0, n);
        }
    }

    /** Little-endian output that counts bytes (for offsets and padding). */
    private static final class CountingStream extends OutputStream {
        private final OutputStream out;
        long count;

        CountingStream(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }

        void u16(int v) throws IOException {
            write(v & 0xFF);
            write((v >>> 8) & 0xFF);
        }

        void u32(int v) throws IOException {
            for (int i = 0; i < 4; i++) write((v >>> (8 * i)) & 0xFF);
        }

        void u64(long v) throws IOException {
            for (int i = 0; i < 8; i++) write((int) (v >>> (8 * i)) & 0xFF);
        }

        void string(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            write(b, 0, b.length);
        }

        void pad(int alignment) throws IOException {
            zeros(GgufParser.alignUp(count, alignment) - count);
        }

        void zeros(long n) throws IOException {
            for (long i = 0; i < n; i++) write(0);
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }
}
