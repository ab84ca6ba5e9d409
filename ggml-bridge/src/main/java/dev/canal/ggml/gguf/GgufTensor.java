package dev.canal.ggml.gguf;

import dev.canal.ggml.quant.GgmlType;

import java.lang.foreign.MemorySegment;

/**
 * One tensor of a GGUF file: its data is a slice of the mapped file (no copy).
 *
 * <p>{@link #ne()} is ggml's order: {@code ne[0]} is the contiguous (row) dimension, so a linear weight
 * {@code [out_features, in_features]} has {@code ne = {in_features, out_features}}. {@link #shape()} is the
 * row-major order the engine's {@code Tensor} uses (ne reversed).
 *
 * @param offset the data offset relative to the start of the file's data section
 */
public record GgufTensor(String name, GgmlType type, long[] ne, long offset, MemorySegment data) {

    public GgufTensor {
        ne = ne.clone();
    }

    @Override
    public long[] ne() {
        return ne.clone();
    }

    /** Dimensions in row-major order (outermost first): ne reversed. */
    public long[] shape() {
        long[] s = new long[ne.length];
        for (int i = 0; i < ne.length; i++) s[i] = ne[ne.length - 1 - i];
        return s;
    }

    public int rank() {
        return ne.length;
    }

    public long elementCount() {
        long n = 1;
        for (long d : ne) n *= d;
        return n;
    }

    /** Elements per row (ne[0]; 1 for a scalar). */
    public long rowLength() {
        return ne.length == 0 ? 1 : ne[0];
    }

    /** Number of rows (all dimensions but ne[0]). */
    public long rowCount() {
        return elementCount() / rowLength();
    }

    /** Bytes of one row in this type's packing. */
    public long rowBytes() {
        return type.rowBytes(rowLength());
    }

    public long byteSize() {
        return data.byteSize();
    }

    @Override
    public String toString() {
        return name + " " + type + java.util.Arrays.toString(ne);
    }
}
