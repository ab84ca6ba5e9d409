package dev.canal.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A named, typed view of weight bytes. The segment is a slice of a memory-mapped file: loading a model costs
 * page-table entries, never copies. Shapes are in row-major order (last dimension contiguous), so a linear weight
 * is [out_features, in_features] whatever the file format. A block-quantized tensor has dtype {@link DType#BLOCK}
 * and a {@link BlockFormat}; a dense one has none.
 */
public record Tensor(String name, DType dtype, long[] shape, MemorySegment data, BlockFormat format) {

    public Tensor {
        shape = shape.clone();
        if ((dtype == DType.BLOCK) != (format != null)) {
            throw new IllegalArgumentException(name + ": a BLOCK tensor needs a format, and only a BLOCK tensor has one");
        }
    }

    /** A dense tensor. */
    public Tensor(String name, DType dtype, long[] shape, MemorySegment data) {
        this(name, dtype, shape, data, null);
    }

    /** A block-quantized tensor. */
    public static Tensor quantized(String name, BlockFormat format, long[] shape, MemorySegment data) {
        return new Tensor(name, DType.BLOCK, shape, data, format);
    }

    /** The dtype's name, or the block format's for quantized tensors ("F32", "Q4_K"). */
    public String typeName() {
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

    public long byteSize() {
        return data.byteSize();
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }

    @Override
    public String toString() {
        return name + " " + typeName() + shapeString();
    }
}
