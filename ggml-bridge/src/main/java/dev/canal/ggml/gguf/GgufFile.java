package dev.canal.ggml.gguf;

import dev.canal.engine.api.CanalException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A GGUF file (v2 or v3, little-endian) mapped read-only: its metadata, parsed and validated at open, and its
 * tensors, each a slice of the mapping (nothing is copied). The mapping lives as long as the {@link Arena} it was
 * opened with; {@link #open(Path)} owns a shared arena that {@link #close()} releases.
 */
public final class GgufFile implements AutoCloseable {
    public static final String KEY_ALIGNMENT = "general.alignment";

    private final String name;
    private final int version;
    private final int alignment;
    private final long dataOffset;
    private final Map<String, Object> metadata;
    private final Map<String, GgufValueType> types;
    private final Map<String, GgufTensor> tensors;
    private final Arena ownedArena;

    private GgufFile(String name, GgufParser p, Arena ownedArena) {
        this.name = name;
        this.version = p.version;
        this.alignment = p.alignment;
        this.dataOffset = p.dataOffset;
        this.metadata = Collections.unmodifiableMap(p.metadata);
        this.types = Collections.unmodifiableMap(p.types);
        this.tensors = Collections.unmodifiableMap(p.tensors);
        this.ownedArena = ownedArena;
    }

    /** Maps and parses a GGUF file; the mapping is released with {@code arena}. */
    public static GgufFile open(Path path, Arena arena) {
        return new GgufFile(path.toString(), parseInto(map(path, arena), path.toString()), null);
    }

    /** Maps and parses a GGUF file into an arena of its own, released by {@link #close()}. */
    public static GgufFile open(Path path) {
        Arena arena = Arena.ofShared();
        try {
            return new GgufFile(path.toString(), parseInto(map(path, arena), path.toString()), arena);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * Parses GGUF bytes already in memory (tensors are slices of {@code bytes}).
     *
     * @param name what to call the bytes in messages (a file name)
     */
    public static GgufFile parse(MemorySegment bytes, String name) {
        return new GgufFile(name, parseInto(bytes, name), null);
    }

    private static GgufParser parseInto(MemorySegment bytes, String name) {
        GgufParser p = new GgufParser(bytes, name);
        p.parse(bytes);
        return p;
    }

    private static MemorySegment map(Path path, Arena arena) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
        } catch (NoSuchFileException e) {
            throw new CanalException(path + ": no such file");
        } catch (IOException e) {
            throw new CanalException(path + ": cannot map GGUF file: " + e.getMessage(), e);
        }
    }

    /** The file name given at open, for messages. */
    public String name() {
        return name;
    }

    public int version() {
        return version;
    }

    public int alignment() {
        return alignment;
    }

    /** Byte offset of the data section in the file; tensor offsets are relative to it. */
    public long dataOffset() {
        return dataOffset;
    }

    /** All key/values in file order; value classes as {@link GgufValueType} describes. */
    public Map<String, Object> metadata() {
        return metadata;
    }

    /** The stored type of a key (so a copy can be written back exactly). */
    public Optional<GgufValueType> type(String key) {
        return Optional.ofNullable(types.get(key));
    }

    public boolean has(String key) {
        return metadata.containsKey(key);
    }

    /** Tensors in file order. */
    public Map<String, GgufTensor> tensors() {
        return tensors;
    }

    public Optional<GgufTensor> findTensor(String tensorName) {
        return Optional.ofNullable(tensors.get(tensorName));
    }

    public GgufTensor tensor(String tensorName) {
        GgufTensor t = tensors.get(tensorName);
        if (t == null) throw new CanalException(name + ": missing tensor \"" + tensorName + "\"");
        return t;
    }

    // ---- typed metadata access ----

    private Object require(String key) {
        Object v = metadata.get(key);
        if (v == null) throw new CanalException(name + ": missing metadata key " + key);
        return v;
    }

    private CanalException wrongType(String key, String expected) {
        return new CanalException(name + ": metadata key " + key + " is " + describe(key) + ", expected " + expected);
    }

    private String describe(String key) {
        GgufValueType t = types.get(key);
        if (t == GgufValueType.ARRAY) return "an array of " + ((GgufArray) metadata.get(key)).elementType();
        return "a " + t;
    }

    public String getString(String key) {
        if (require(key) instanceof String s) return s;
        throw wrongType(key, "a string");
    }

    public Optional<String> findString(String key) {
        return has(key) ? Optional.of(getString(key)) : Optional.empty();
    }

    /** An integer key of any integer type whose value fits in a Java long (UINT64 above 2^63 is refused). */
    public long getLong(String key) {
        Object v = require(key);
        GgufValueType t = types.get(key);
        if (!t.isInteger()) throw wrongType(key, "an integer");
        long l = ((Number) v).longValue();
        if (t == GgufValueType.UINT64 && l < 0) {
            throw new CanalException(name + ": metadata key " + key + " = " + Long.toUnsignedString(l)
                    + " is too large");
        }
        return l;
    }

    /** An integer key of any integer type whose value fits in an int. */
    public int getInt(String key) {
        long l = getLong(key);
        if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
            throw new CanalException(name + ": metadata key " + key + " = " + l + " does not fit in a 32-bit int");
        }
        return (int) l;
    }

    public Optional<Integer> findInt(String key) {
        return has(key) ? Optional.of(getInt(key)) : Optional.empty();
    }

    /** A FLOAT32 key, or a FLOAT64 one narrowed to float. */
    public float getFloat(String key) {
        Object v = require(key);
        if (v instanceof Float f) return f;
        if (v instanceof Double d) return d.floatValue();
        throw wrongType(key, "a float");
    }

    public Optional<Float> findFloat(String key) {
        return has(key) ? Optional.of(getFloat(key)) : Optional.empty();
    }

    public boolean getBool(String key) {
        if (require(key) instanceof Boolean b) return b;
        throw wrongType(key, "a bool");
    }

    public GgufArray getArray(String key) {
        if (require(key) instanceof GgufArray a) return a;
        throw wrongType(key, "an array");
    }

    public List<String> getStringArray(String key) {
        GgufArray a = getArray(key);
        if (a.elementType() != GgufValueType.STRING) throw wrongType(key, "an array of STRING");
        @SuppressWarnings("unchecked") List<String> l = (List<String>) (List<?>) a;
        return l;
    }

    /** A FLOAT32 (or FLOAT64, narrowed) array, copied into a new float[]. */
    public float[] getFloatArray(String key) {
        GgufArray a = getArray(key);
        if (a.floatStorage() != null) return a.floatStorage().clone();
        if (a.doubleStorage() != null) {
            double[] d = a.doubleStorage();
            float[] f = new float[d.length];
            for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
            return f;
        }
        throw wrongType(key, "an array of FLOAT32");
    }

    /** An integer array whose values all fit in an int, copied into a new int[]. */
    public int[] getIntArray(String key) {
        GgufArray a = getArray(key);
        if (a.intStorage() != null) return a.intStorage().clone();
        long[] l = a.longStorage();
        if (l == null) throw wrongType(key, "an array of integers");
        int[] r = new int[l.length];
        for (int i = 0; i < l.length; i++) {
            boolean unsigned64 = a.elementType() == GgufValueType.UINT64;
            if ((unsigned64 && l[i] < 0) || l[i] < Integer.MIN_VALUE || l[i] > Integer.MAX_VALUE) {
                throw new CanalException(name + ": metadata key " + key + "[" + i + "] = "
                        + (unsigned64 ? Long.toUnsignedString(l[i]) : Long.toString(l[i]))
                        + " does not fit in a 32-bit int");
            }
            r[i] = (int) l[i];
        }
        return r;
    }

    /** Releases the mapping when this file owns its arena ({@link #open(Path)}); otherwise nothing. */
    @Override
    public void close() {
        if (ownedArena != null) ownedArena.close();
    }

    @Override
    public String toString() {
        return name + " (GGUF v" + version + ", " + metadata.size() + " keys, " + tensors.size() + " tensors)";
    }
}
