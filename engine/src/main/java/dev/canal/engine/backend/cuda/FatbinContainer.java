package dev.canal.engine.backend.cuda;

import dev.canal.engine.api.CanalException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the table of contents of a CUDA fatbin (what {@code nvcc -fatbin} writes and
 * {@code cuModuleLoadFatBinary} takes): one or more containers, each a 16-byte header (magic 0xBA55ED50,
 * version, header size, payload size) followed by entries, each an entry header (kind 1 = PTX, 2 = ELF cubin;
 * header size; payload size; the SM it targets; flags) and its payload. Used to say which architectures a
 * build carries, and by the test that holds the build to the kernel table.
 */
public final class FatbinContainer {
    public static final int MAGIC = 0xBA55ED50;

    private static final int KIND_PTX = 1;
    private static final int KIND_ELF = 2;
    /** Entry flag: the payload is compressed (any of the compression schemes nvcc has used). */
    private static final long COMPRESSED = 0x2000L | 0x8000L;

    public enum Kind { PTX, ELF }

    /**
     * One entry.
     *
     * @param sm          the target: sm_N for ELF, compute_N for PTX
     * @param offset      where the payload starts in the fatbin
     * @param payloadSize the payload's size in the file (compressed size when compressed)
     */
    public record Entry(Kind kind, int sm, long offset, long payloadSize, boolean compressed) {
        /** "sm_90" or "compute_121". */
        public String target() {
            return (kind == Kind.ELF ? "sm_" : "compute_") + sm;
        }
    }

    private FatbinContainer() {
    }

    /** The entries of every container in {@code fatbin}; {@code name} is for messages. */
    public static List<Entry> entries(byte[] fatbin, String name) {
        ByteBuffer b = ByteBuffer.wrap(fatbin).order(ByteOrder.LITTLE_ENDIAN);
        List<Entry> entries = new ArrayList<>();
        int at = 0;
        do {
            if (fatbin.length - at < 16) throw bad(name, at, "truncated container header");
            if (b.getInt(at) != MAGIC) {
                throw bad(name, at, String.format("magic 0x%08X, expected 0x%08X", b.getInt(at), MAGIC));
            }
            int headerSize = Short.toUnsignedInt(b.getShort(at + 6));
            long size = b.getLong(at + 8);
            long end = at + headerSize + size;
            if (headerSize < 16 || end > fatbin.length) throw bad(name, at, "container size " + size + " past the end");
            long e = at + headerSize;
            while (e < end) {
                if (end - e < 64) throw bad(name, e, "truncated entry header");
                int p = (int) e;
                int kind = Short.toUnsignedInt(b.getShort(p));
                long entryHeader = Integer.toUnsignedLong(b.getInt(p + 4));
                long payload = b.getLong(p + 8);
                int sm = b.getInt(p + 28);
                long flags = b.getLong(p + 40);
                if (entryHeader < 64 || e + entryHeader + payload > end) {
                    throw bad(name, e, "entry of " + payload + " bytes past the container's end");
                }
                Kind k = switch (kind) {
                    case KIND_PTX -> Kind.PTX;
                    case KIND_ELF -> Kind.ELF;
                    default -> throw bad(name, e, "entry kind " + kind + " (expected 1 PTX or 2 ELF)");
                };
                entries.add(new Entry(k, sm, e + entryHeader, payload, (flags & COMPRESSED) != 0));
                e += entryHeader + payload;
            }
            at = (int) end;
            while (at < fatbin.length && fatbin[at] == 0) at++; // containers may be padded apart
        } while (at < fatbin.length);
        return entries;
    }

    private static CanalException bad(String name, long offset, String what) {
        return new CanalException(name + ": not a CUDA fatbin at byte " + offset + ": " + what);
    }
}
