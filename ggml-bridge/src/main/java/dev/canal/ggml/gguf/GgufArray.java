package dev.canal.ggml.gguf;

import java.util.AbstractList;
import java.util.List;
import java.util.Objects;
import java.util.RandomAccess;

/**
 * A GGUF metadata array: an immutable list that remembers its element type (so a writer can copy it exactly).
 * Numeric arrays are held in primitive arrays (a 150,000-entry score table stays 600 KB, not 150,000 boxes);
 * elements are boxed as {@link GgufValueType} describes only when read through {@link #get(int)}.
 * Nested arrays hold {@code GgufArray} elements.
 */
public final class GgufArray extends AbstractList<Object> implements RandomAccess {
    private final GgufValueType elementType;
    /** int[] (8..32-bit ints), long[] (UINT32, 64-bit ints), float[], double[], boolean[], String[] or GgufArray[]. */
    private final Object storage;
    private final int size;

    private GgufArray(GgufValueType elementType, Object storage, int size) {
        this.elementType = elementType;
        this.storage = storage;
        this.size = size;
    }

    public GgufValueType elementType() {
        return elementType;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Object get(int i) {
        Objects.checkIndex(i, size);
        return switch (storage) {
            case int[] a -> a[i];
            case long[] a -> a[i];
            case float[] a -> a[i];
            case double[] a -> a[i];
            case boolean[] a -> a[i];
            case Object[] a -> a[i];
            default -> throw new IllegalStateException();
        };
    }

    /** INT8..INT32 / UINT8..UINT16 elements as ints (no copy of boxed values). Null for other element types. */
    int[] intStorage() {
        return storage instanceof int[] a ? a : null;
    }

    long[] longStorage() {
        return storage instanceof long[] a ? a : null;
    }

    float[] floatStorage() {
        return storage instanceof float[] a ? a : null;
    }

    double[] doubleStorage() {
        return storage instanceof double[] a ? a : null;
    }

    /** An array of 8-, 16- or 32-bit integers (UINT8, INT8, UINT16, INT16, INT32); values are checked for range. */
    public static GgufArray ofInts(GgufValueType elementType, int... values) {
        switch (elementType) {
            case UINT8, INT8, UINT16, INT16, INT32 -> { }
            default -> throw new IllegalArgumentException(elementType + " is not an int-sized GGUF type");
        }
        for (int v : values) GgufValues.checkRange(elementType, v);
        return new GgufArray(elementType, values.clone(), values.length);
    }

    /** An array of UINT32, INT64 or UINT64. */
    public static GgufArray ofLongs(GgufValueType elementType, long... values) {
        switch (elementType) {
            case UINT32, INT64, UINT64 -> { }
            default -> throw new IllegalArgumentException(elementType + " is not a long-sized GGUF type");
        }
        for (long v : values) GgufValues.checkRange(elementType, v);
        return new GgufArray(elementType, values.clone(), values.length);
    }

    public static GgufArray ofFloats(float... values) {
        return new GgufArray(GgufValueType.FLOAT32, values.clone(), values.length);
    }

    public static GgufArray ofDoubles(double... values) {
        return new GgufArray(GgufValueType.FLOAT64, values.clone(), values.length);
    }

    public static GgufArray ofBools(boolean... values) {
        return new GgufArray(GgufValueType.BOOL, values.clone(), values.length);
    }

    public static GgufArray ofStrings(List<String> values) {
        String[] a = values.toArray(String[]::new);
        for (String s : a) Objects.requireNonNull(s, "null string in GGUF array");
        return new GgufArray(GgufValueType.STRING, a, a.length);
    }

    public static GgufArray ofArrays(List<GgufArray> values) {
        GgufArray[] a = values.toArray(GgufArray[]::new);
        for (GgufArray s : a) Objects.requireNonNull(s, "null array in GGUF array");
        return new GgufArray(GgufValueType.ARRAY, a, a.length);
    }

    /** Wraps storage the parser filled (already range-correct, not shared). */
    static GgufArray wrap(GgufValueType elementType, Object storage, int size) {
        return new GgufArray(elementType, storage, size);
    }
}
