package dev.canal.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;

/**
 * A named, typed view of weight bytes. The segment is a slice of a memory-mapped file: loading a model costs
 * page-table entries, never copies. Shapes are in row-major order (last dimension contiguous), so a linear weight
 * is [out_features, in_features] whatever the file format. A block-quantized tensor has dtype {@link DType#BLOCK}
 * and a {@link BlockFormat}; a linear weight quantized across several tensors has dtype {@link DType#PACKED}, its
 * {@link PackedMatrix} and, as data, the main packed tensor's bytes; a dense one has neither.
 */
public record Tensor(String name, DType dtype, long[] shape, MemorySegment data, BlockFormat format,
                     PackedMatrix packed) {

    public Tensor {
        shape = shape.clone();
        if ((dtype == DType.BLOCK) != (format != null)) {
            throw new IllegalArgumentException(name + ": a BLOCK tensor needs a format, and only a BLOCK tensor has one");
        }
        if ((dtype == DType.PACKED) != (packed != null)) {
            throw new IllegalArgumentException(name + ": a PACKED tensor needs its matrix, and only a PACKED tensor has one");
        }
    }

    /** A dense or block-quantized tensor. */
    public Tensor(String name, DType dtype, long[] shape, MemorySegment data, BlockFormat format) {
        this(name, dtype, shape, data, format, null);
    }

    /** A dense tensor. */
    public Tensor(String name, DType dtype, long[] shape, MemorySegment data) {
        this(name, dtype, shape, data, null, null);
    }

    /** A block-quantized tensor. */
    public static Tensor quantized(String name, BlockFormat format, long[] shape, MemorySegment data) {
        return new Tensor(name, DType.BLOCK, shape, data, format, null);
    }

    /** A linear weight quantized across several tensors, shaped [rows, cols] of the logical matrix. */
    public static Tensor packed(String name, PackedMatrix matrix) {
        List<Tensor> parts = matrix.parts();
        if (parts.isEmpty()) throw new IllegalArgumentException(name + ": a packed matrix without parts");
        return new Tensor(name, DType.PACKED, new long[] {matrix.rows(), matrix.cols()}, parts.getFirst().data(),
                null, matrix);
    }

    /** The dtype's name, or the format's for quantized tensors ("F32", "Q4_K", "AWQ int4 g128"). */
    public String typeName() {
        if (packed != null) return packed.formatName();
        return format != null ? format.name() : dtype.name();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public long dim(int i) {
        return shape[i];
    }

    public long elementCount() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    /** Bytes of the data; for a packed matrix, of all its parts. */
    public long byteSize() {
        if (packed == null) return data.byteSize();
        long n = 0;
        for (Tensor part : packed.parts()) n += part.byteSize();
        return n;
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }

    @Override
    public String toString() {
        return name + " " + typeName() + shapeString();
    }
}
