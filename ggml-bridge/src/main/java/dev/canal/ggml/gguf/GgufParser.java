package dev.canal.ggml.gguf;

import dev.canal.ggml.quant.GgmlType;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses the GGUF layout (spec: ggml docs/gguf.md): header, metadata key/values, tensor infos, aligned data
 * section. Validates everything a later reader would trust: counts and lengths against the file size, types,
 * dimensions, alignment, data ranges, overlaps and duplicate names.
 */
final class GgufParser {
    static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
    static final int DEFAULT_ALIGNMENT = 32;
    static final int MAX_DIMS = 4;
    /** Nested arrays deeper than this are refused: it keeps recursion (and the stack) bounded on hostile input. */
    static final int MAX_ARRAY_DEPTH = 8;
    /** The fewest bytes a tensor info occupies: name length, n_dims, type, offset. */
    private static final long MIN_TENSOR_INFO_BYTES = 8 + 4 + 4 + 8;
    /** The fewest bytes a key/value pair occupies: key length, type, one byte of value. */
    private static final long MIN_KV_BYTES = 8 + 4 + 1;

    private final GgufCursor in;
    private final String file;
    final Map<String, Object> metadata = new LinkedHashMap<>();
    final Map<String, GgufValueType> types = new LinkedHashMap<>();
    final Map<String, GgufTensor> tensors = new LinkedHashMap<>();
    int version;
    int alignment = DEFAULT_ALIGNMENT;
    long dataOffset;

    GgufParser(MemorySegment bytes, String file) {
        this.in = new GgufCursor(bytes, file);
        this.file = file;
    }

    void parse(MemorySegment bytes) {
        in.context("header");
        int magic = in.i32();
        if (magic != MAGIC) {
            throw in.error(String.format("not a GGUF file (magic bytes %08x, expected \"GGUF\")",
                    Integer.reverseBytes(magic)));
        }
        long v = in.u32();
        if (v == 1) {
            throw in.error("GGUF version 1 is not supported (it predates 64-bit counts); convert the file with a"
                    + " current llama.cpp (gguf v2 or v3)");
        }
        if (v != 2 && v != 3) {
            String hint = Integer.reverseBytes((int) v) == 2 || Integer.reverseBytes((int) v) == 3
                    ? " (this looks like a big-endian GGUF, which canal does not read)" : "";
            throw in.error("unsupported GGUF version " + v + hint + " (expected 2 or 3)");
        }
        version = (int) v;
        int tensorCount = in.count("tensor count", MIN_TENSOR_INFO_BYTES);
        int kvCount = in.count("metadata key/value count", MIN_KV_BYTES);

        for (int i = 0; i < kvCount; i++) {
            in.context("metadata entry " + i);
            String key = in.string("key");
            in.context("key " + GgufCursor.printable(key));
            if (metadata.containsKey(key)) throw in.error("duplicate metadata key");
            GgufValueType type = valueType();
            metadata.put(key, value(type, 0));
            types.put(key, type);
        }
        alignment = readAlignment();

        List<long[]> infos = new ArrayList<>(); // per tensor: [ggml type id, offset] + dims kept alongside
        List<String> names = new ArrayList<>();
        List<long[]> dimsList = new ArrayList<>();
        for (int i = 0; i < tensorCount; i++) {
            in.context("tensor info " + i);
            String name = in.string("name");
            in.context("tensor " + GgufCursor.printable(name));
            long nDims = in.u32();
            if (nDims > MAX_DIMS) throw in.error("has " + nDims + " dimensions (ggml allows at most " + MAX_DIMS + ")");
            long[] ne = new long[(int) nDims];
            for (int d = 0; d < nDims; d++) {
                ne[d] = in.i64();
                if (ne[d] <= 0) {
                    throw in.error("dimension " + d + " is " + Long.toUnsignedString(ne[d]) + " (expected > 0)");
                }
            }
            long typeId = in.u32();
            long offset = in.i64();
            names.add(name);
            dimsList.add(ne);
            infos.add(new long[] {typeId, offset});
        }
        in.context("tensor data");
        long afterInfos = in.position();
        dataOffset = alignUp(afterInfos, alignment);
        buildTensors(bytes, names, dimsList, infos);
    }

    private GgufValueType valueType() {
        long at = in.position();
        long id = in.u32();
        return GgufValueType.byId(id).orElseThrow(() -> in.error("unknown metadata value type " + id
                + " at offset " + at + " (expected 0..12)"));
    }

    private Object value(GgufValueType type, int depth) {
        return switch (type) {
            case UINT8 -> in.u8();
            case INT8 -> in.i8();
            case UINT16 -> in.u16();
            case INT16 -> (int) in.i16();
            case UINT32 -> in.u32();
            case INT32 -> in.i32();
            case UINT64, INT64 -> in.i64();
            case FLOAT32 -> in.f32();
            case FLOAT64 -> in.f64();
            case BOOL -> in.bool();
            case STRING -> in.string("string");
            case ARRAY -> array(depth);
        };
    }

    private GgufArray array(int depth) {
        if (depth >= MAX_ARRAY_DEPTH) throw in.error("arrays nested deeper than " + MAX_ARRAY_DEPTH);
        GgufValueType et = valueType();
        int n = in.count("array length", et.minBytes());
        Object storage;
        switch (et) {
            case UINT8, INT8, UINT16, INT16, INT32 -> {
                int[] a = new int[n];
                for (int i = 0; i < n; i++) a[i] = (Integer) value(et, depth);
                storage = a;
            }
            case UINT32, UINT64, INT64 -> {
                long[] a = new long[n];
                for (int i = 0; i < n; i++) a[i] = (Long) value(et, depth);
                storage = a;
            }
            case FLOAT32 -> {
                float[] a = new float[n];
                for (int i = 0; i < n; i++) a[i] = in.f32();
                storage = a;
            }
            case FLOAT64 -> {
                double[] a = new double[n];
                for (int i = 0; i < n; i++) a[i] = in.f64();
                storage = a;
            }
            case BOOL -> {
                boolean[] a = new boolean[n];
                for (int i = 0; i < n; i++) a[i] = in.bool();
                storage = a;
            }
            case STRING -> {
                String[] a = new String[n];
                for (int i = 0; i < n; i++) a[i] = in.string("string " + i);
                storage = a;
            }
            case ARRAY -> {
                GgufArray[] a = new GgufArray[n];
                for (int i = 0; i < n; i++) a[i] = array(depth + 1);
                storage = a;
            }
            default -> throw new IllegalStateException(et.name());
        }
        return GgufArray.wrap(et, storage, n);
    }

    private int readAlignment() {
        Object a = metadata.get(GgufFile.KEY_ALIGNMENT);
        if (a == null) return DEFAULT_ALIGNMENT;
        in.context("key " + GgufFile.KEY_ALIGNMENT);
        if (!types.get(GgufFile.KEY_ALIGNMENT).isInteger()) {
            throw in.error("expected an unsigned integer, found " + types.get(GgufFile.KEY_ALIGNMENT));
        }
        long v = ((Number) a).longValue();
        if (v <= 0 || v > (1 << 30) || Long.bitCount(v) != 1) {
            throw in.error("alignment " + v + " is not a power of two");
        }
        return (int) v;
    }

    private void buildTensors(MemorySegment bytes, List<String> names, List<long[]> dimsList, List<long[]> infos) {
        long fileSize = bytes.byteSize();
        java.util.Set<String> seen = new java.util.HashSet<>();
        List<GgufTensor> byOffset = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            in.context("tensor " + GgufCursor.printable(name));
            if (!seen.add(name)) throw in.error("duplicate tensor name");
            long typeId = infos.get(i)[0];
            long offset = infos.get(i)[1];
            long[] ne = dimsList.get(i);
            GgmlType type = GgmlType.byId(typeId).orElseThrow(() -> in.error("unknown ggml type id " + typeId));
            long elements = 1;
            for (long d : ne) {
                try {
                    elements = Math.multiplyExact(elements, d);
                } catch (ArithmeticException e) {
                    throw in.error("dimensions " + java.util.Arrays.toString(ne) + " overflow a 64-bit element count");
                }
            }
            long rowLength = ne.length == 0 ? 1 : ne[0];
            if (rowLength % type.blockSize() != 0) {
                throw in.error("row length " + rowLength + " is not a multiple of the " + type + " block size "
                        + type.blockSize());
            }
            long size;
            try {
                size = Math.multiplyExact(elements / type.blockSize(), (long) type.bytesPerBlock());
            } catch (ArithmeticException e) {
                throw in.error("byte size overflows 64 bits");
            }
            if (offset < 0 || offset % alignment != 0) {
                throw in.error("data offset " + Long.toUnsignedString(offset) + " is not a multiple of the alignment "
                        + alignment);
            }
            if (dataOffset > fileSize || offset > fileSize - dataOffset || size > fileSize - dataOffset - offset) {
                throw in.error("data [" + Long.toUnsignedString(offset) + ", +" + size + ") after the data section"
                        + " start " + dataOffset + " lies outside the file (" + fileSize + " bytes)");
            }
            GgufTensor t = new GgufTensor(name, type, ne, offset, bytes.asSlice(dataOffset + offset, size));
            tensors.put(name, t);
            byOffset.add(t);
        }
        byOffset.sort(Comparator.comparingLong(GgufTensor::offset));
        for (int i = 1; i < byOffset.size(); i++) {
            GgufTensor prev = byOffset.get(i - 1);
            GgufTensor cur = byOffset.get(i);
            if (cur.offset() < prev.offset() + prev.byteSize()) {
                in.context("tensor " + GgufCursor.printable(cur.name()));
                throw in.error("data at offset " + cur.offset() + " overlaps tensor " + GgufCursor.printable(prev.name()) + " ["
                        + prev.offset() + ", " + (prev.offset() + prev.byteSize()) + ")");
            }
        }
    }

    static long alignUp(long v, long alignment) {
        long r = v % alignment;
        return r == 0 ? v : v + (alignment - r);
    }
}
