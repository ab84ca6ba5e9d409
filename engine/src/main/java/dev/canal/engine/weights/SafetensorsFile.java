package dev.canal.engine.weights;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One memory-mapped safetensors file: an 8-byte little-endian header length N, N bytes of UTF-8 JSON describing the
 * tensors, then the data section. Only the header is read onto the heap; every {@link Tensor#data()} is a slice of
 * the read-only mapping, so opening a multi-gigabyte file costs page-table entries, not memory.
 *
 * <p>The whole header is validated before the file is mapped, so a malformed file fails with a
 * {@link CanalException} and leaves no mapping behind.
 */
public final class SafetensorsFile implements AutoCloseable {

    /** Real headers are kilobytes to a few megabytes; a bigger length means a corrupt or foreign file. */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private final Path file;
    private final long headerLength;
    private final Map<String, Tensor> tensors;
    private final Map<String, String> metadata;
    private final Arena ownedArena;

    private SafetensorsFile(Path file, long headerLength, Map<String, Tensor> tensors, Map<String, String> metadata,
                            Arena ownedArena) {
        this.file = file;
        this.headerLength = headerLength;
        this.tensors = tensors;
        this.metadata = metadata;
        this.ownedArena = ownedArena;
    }

    /**
     * Maps {@code file} into {@code arena}. The caller owns the arena: {@link #close()} does nothing, and the
     * tensors stay readable until the arena is closed.
     */
    public static SafetensorsFile open(Path file, Arena arena) {
        return open(file, arena, null);
    }

    /** Maps {@code file} into an arena of its own, which {@link #close()} releases. */
    public static SafetensorsFile open(Path file) {
        Arena arena = Arena.ofShared();
        try {
            return open(file, arena, arena);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static SafetensorsFile open(Path file, Arena arena, Arena ownedArena) {
        String name = file.toString();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < 8) {
                throw new CanalException(name + ": " + size + " bytes is too short for a safetensors file (the 8-byte header length is missing)");
            }
            long n = readLong(channel, name);
            if (n < 0 || n > MAX_HEADER_BYTES) {
                throw new CanalException(name + ": header length " + Long.toUnsignedString(n)
                        + " is absurd (limit " + MAX_HEADER_BYTES + " bytes); not a safetensors file?");
            }
            if (n > size - 8) {
                throw new CanalException(name + ": header length " + n + " reaches past the end of the file ("
                        + size + " bytes; is the file truncated?)");
            }
            byte[] json = new byte[(int) n];
            readFully(channel, ByteBuffer.wrap(json), 8, name);
            long dataStart = 8 + n;
            SafetensorsHeader header = SafetensorsHeader.parse(json, size - dataStart, name);

            MemorySegment mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (SafetensorsHeader.Entry e : header.entries()) {
                MemorySegment slice = mapped.asSlice(dataStart + e.begin(), e.end() - e.begin());
                tensors.put(e.name(), new Tensor(e.name(), e.dtype(), e.shape(), slice));
            }
            return new SafetensorsFile(file, n, Collections.unmodifiableMap(tensors), header.metadata(), ownedArena);
        } catch (NoSuchFileException e) {
            throw new CanalException(name + ": not found");
        } catch (IOException e) {
            throw new CanalException(name + ": cannot read: " + e.getMessage());
        }
    }

    private static long readLong(FileChannel channel, String name) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, b, 0, name);
        return b.getLong(0);
    }

    private static void readFully(FileChannel channel, ByteBuffer dst, long position, String name) throws IOException {
        long pos = position;
        while (dst.hasRemaining()) {
            int r = channel.read(dst, pos);
            if (r < 0) throw new CanalException(name + ": file ended while reading the header (changed while open?)");
            pos += r;
        }
    }

    public Path file() {
        return file;
    }

    /** Length of the JSON header in bytes; the data section starts at {@code 8 + headerLength()}. */
    public long headerLength() {
        return headerLength;
    }

    /** Tensors by name, in the order of their bytes in the file. */
    public Map<String, Tensor> tensors() {
        return tensors;
    }

    public Optional<Tensor> find(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    /** The header's {@code __metadata__} string map (empty when absent). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Unmaps the file if this object owns its arena (see {@link #open(Path)}); otherwise does nothing. */
    @Override
    public void close() {
        if (ownedArena != null && ownedArena.scope().isAlive()) ownedArena.close();
    }

    @Override
    public String toString() {
        return file + " (" + tensors.size() + " tensors)";
    }
}
