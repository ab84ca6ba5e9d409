package dev.canal.engine.weights;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.canal.engine.api.CanalException;
import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.Floats;
import dev.canal.engine.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Writes safetensors files the way the reference implementation lays them out: tensors sorted by element size
 * (largest first, which keeps every tensor aligned to its element size) then by name, stored back to back; the
 * header lists {@code __metadata__} first and the tensors in data order, padded with spaces so the data section
 * starts at a multiple of 8 bytes. Metadata keys are sorted, so equal inputs give byte-identical files. Tensor bytes are pulled from each {@link TensorData} only when the writer
 * reaches it and streamed in chunks, so a converter never needs the whole model in memory.
 */
public final class SafetensorsWriter {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CHUNK = 1 << 20;

    private SafetensorsWriter() {
    }

    /**
     * A tensor to write. {@code data} is called once, when the writer reaches the tensor, and must return exactly
     * {@code byteSize()} bytes in little-endian element order.
     */
    public record TensorData(String name, DType dtype, long[] shape, Supplier<MemorySegment> data) {
        public TensorData {
            if (name == null || name.isEmpty() || name.equals(SafetensorsHeader.METADATA_KEY)) {
                throw new IllegalArgumentException("invalid tensor name \"" + name + "\"");
            }
            shape = shape.clone();
            for (long d : shape) if (d < 0) throw new IllegalArgumentException(name + ": negative dimension");
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        public long byteSize() {
            long n = dtype.bytes();
            for (long d : shape) n = Math.multiplyExact(n, d);
            return n;
        }

        /** Bytes already in safetensors layout, e.g. a tensor of another file or a native buffer. */
        public static TensorData of(String name, DType dtype, long[] shape, MemorySegment littleEndianBytes) {
            return new TensorData(name, dtype, shape, () -> littleEndianBytes);
        }

        /** A tensor of an opened file, copied as is (name, dtype, shape and bytes). */
        public static TensorData copyOf(Tensor t) {
            return of(t.name(), t.dtype(), t.shape(), t.data());
        }

        /** F32 values. */
        public static TensorData f32(String name, long[] shape, float[] values) {
            return new TensorData(name, DType.F32, shape, () -> littleEndian(values));
        }

        /** Raw 16-bit elements (F16 or BF16 bits, or I16 values), e.g. from {@link Floats#toBf16(float)}. */
        public static TensorData bits16(String name, DType dtype, long[] shape, short[] bits) {
            if (dtype.bytes() != 2) throw new IllegalArgumentException(name + ": " + dtype + " is not a 16-bit type");
            return new TensorData(name, dtype, shape, () -> littleEndian(bits));
        }

        private static MemorySegment littleEndian(float[] values) {
            if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) return MemorySegment.ofArray(values);
            MemorySegment out = MemorySegment.ofArray(new byte[values.length * 4]);
            MemorySegment.copy(values, 0, out, Floats.F32_LE, 0, values.length);
            return out;
        }

        private static MemorySegment littleEndian(short[] values) {
            if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) return MemorySegment.ofArray(values);
            MemorySegment out = MemorySegment.ofArray(new byte[values.length * 2]);
            MemorySegment.copy(values, 0, out, Floats.I16_LE, 0, values.length);
            return out;
        }
    }

    /**
     * Writes {@code tensors} and {@code metadata} to {@code file}, replacing it. The file appears only when
     * complete (written beside it under a temporary name, then moved), so an interrupted conversion leaves no
     * half-written model behind.
     */
    public static void write(Path file, List<TensorData> tensors, Map<String, String> metadata) {
        List<TensorData> ordered = new ArrayList<>(tensors);
        ordered.sort(Comparator.comparingInt((TensorData t) -> -t.dtype().bytes()).thenComparing(TensorData::name));
        byte[] header = header(ordered, metadata);

        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer prefix = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN);
                prefix.putLong(header.length).put(header).flip();
                writeFully(out, prefix);
                ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK);
                MemorySegment chunkSegment = MemorySegment.ofBuffer(chunk); // spans the whole buffer, fixed now
                for (TensorData t : ordered) {
                    MemorySegment data = t.data().get();
                    if (data.byteSize() != t.byteSize()) {
                        throw new IllegalArgumentException(t.name() + ": data has " + data.byteSize() + " bytes but "
                                + t.dtype() + Arrays.toString(t.shape) + " needs " + t.byteSize());
                    }
                    copy(data, chunkSegment, chunk, out);
                }
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new CanalException(file + ": cannot write: " + e.getMessage());
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // Best effort: the real error (if any) is already on its way.
            }
        }
    }

    /**
     * Writes {@code model.safetensors.index.json} into {@code dir} in the Hugging Face layout
     * ({@code metadata.total_size}, {@code weight_map} with sorted keys).
     *
     * @param weightMap tensor name → shard file name (relative to {@code dir})
     * @param totalSize sum of all tensors' byte sizes
     */
    public static void writeIndex(Path dir, Map<String, String> weightMap, long totalSize) {
        ObjectNode root = JSON.createObjectNode();
        root.putObject("metadata").put("total_size", totalSize);
        ObjectNode map = root.putObject("weight_map");
        new TreeMap<>(weightMap).forEach(map::put);
        Path file = dir.resolve(SafetensorsStore.INDEX_FILE);
        try {
            Files.writeString(file, JSON.writer(SerializationFeature.INDENT_OUTPUT).writeValueAsString(root) + "\n");
        } catch (IOException e) {
            throw new CanalException(file + ": cannot write: " + e.getMessage());
        }
    }

    /** The header JSON, padded with spaces to a multiple of 8 bytes. Offsets follow {@code ordered}. */
    private static byte[] header(List<TensorData> ordered, Map<String, String> metadata) {
        ObjectNode root = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = root.putObject(SafetensorsHeader.METADATA_KEY);
            new TreeMap<>(metadata).forEach(meta::put); // sorted: Map.of and HashMap iterate in no stable order
        }
        Set<String> seen = new HashSet<>();
        long offset = 0;
        for (TensorData t : ordered) {
            if (!seen.add(t.name())) throw new IllegalArgumentException("duplicate tensor name \"" + t.name() + "\"");
            ObjectNode entry = root.putObject(t.name());
            entry.put("dtype", t.dtype().name());
            ArrayNode shape = entry.putArray("shape");
            for (long d : t.shape) shape.add(d);
            long end = Math.addExact(offset, t.byteSize());
            entry.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("serializing a tree of strings and numbers cannot fail", e);
        }
        int padded = (json.length + 7) & ~7;
        byte[] out = new byte[padded];
        System.arraycopy(json, 0, out, 0, json.length);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    /** Streams a segment of any kind (mapped, native, heap array of any type) through a direct buffer. */
    private static void copy(MemorySegment data, MemorySegment chunkSegment, ByteBuffer chunk, FileChannel out)
            throws IOException {
        long size = data.byteSize();
        for (long pos = 0; pos < size; pos += CHUNK) {
            int n = (int) Math.min(CHUNK, size - pos);
            MemorySegment.copy(data, pos, chunkSegment, 0, n);
            chunk.clear().limit(n);
            writeFully(out, chunk);
        }
    }

    private static void writeFully(FileChannel out, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) out.write(b);
    }
}
