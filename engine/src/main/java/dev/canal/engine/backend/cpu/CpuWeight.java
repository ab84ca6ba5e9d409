package dev.canal.engine.backend.cpu;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.backend.Weight;
import dev.canal.engine.tensor.BlockFormat;
import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.PackedMatrix;
import dev.canal.engine.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * A weight of the CPU backend: the mapped tensor itself, read in place by the kernels. Only 1-D vectors (norm
 * weights, biases: a few thousand elements) are also decoded once to floats, so the element-wise ops that use them
 * need no per-dtype code. Dense F32/F16/BF16, block-quantized ({@link DType#BLOCK}) and packed
 * ({@link DType#PACKED}: AWQ, GPTQ, FP8, NVFP4 matrices that multiply themselves) tensors are accepted; a
 * block-quantized row of {@code cols} elements is {@code format.rowBytes(cols)} bytes.
 */
final class CpuWeight implements Weight {
    private final Tensor tensor;
    private final long rows;
    private final int cols;
    private final float[] vector;
    /** Bytes of one row: cols × element size, or the block format's row size. */
    private final long rowBytes;
    /** The packed-block kernel of a quantized weight; null for dense ones. */
    private final BlockMatKernel blockKernel;

    CpuWeight(Tensor tensor) {
        this.tensor = tensor;
        DType dtype = tensor.dtype();
        if (dtype == DType.PACKED) {
            rows = tensor.packed().rows();
            cols = checkedCols(tensor, tensor.packed().cols());
            if (rows <= 0) throw shape(tensor);
            rowBytes = 0;
            blockKernel = null;
            vector = null;
            return;
        }
        if (!dtype.isDenseFloat() && dtype != DType.BLOCK) {
            throw new CanalException("tensor " + tensor.name() + ": dtype " + dtype
                    + " is not supported by the cpu backend (expected F32, F16, BF16 or a quantized format)");
        }
        if (tensor.rank() == 1) {
            rows = 1;
            cols = checkedCols(tensor, tensor.dim(0));
        } else if (tensor.rank() == 2) {
            rows = tensor.dim(0);
            cols = checkedCols(tensor, tensor.dim(1));
            if (rows <= 0) throw shape(tensor);
        } else {
            throw shape(tensor);
        }
        BlockFormat format = tensor.format();
        if (format != null && (format.blockSize() <= 0 || cols % format.blockSize() != 0)) {
            throw new CanalException("tensor " + tensor.name() + ": " + format.name() + tensor.shapeString()
                    + " has rows of " + cols + " elements, which is not a multiple of the format's block size "
                    + format.blockSize());
        }
        rowBytes = format != null ? format.rowBytes(cols) : (long) cols * dtype.bytes();
        long expected = rows * rowBytes;
        if (tensor.data().byteSize() != expected) {
            throw new CanalException("tensor " + tensor.name() + ": " + tensor.data().byteSize() + " bytes of data, "
                    + "expected " + expected + " for " + tensor.typeName() + tensor.shapeString());
        }
        blockKernel = format != null ? new BlockMatKernel(format, rowBytes) : null;
        if (tensor.rank() == 1) {
            vector = new float[cols];
            decodeRow(0, vector, 0);
        } else {
            vector = null;
        }
    }

    private static int checkedCols(Tensor t, long cols) {
        if (cols <= 0 || cols > Integer.MAX_VALUE - 16) throw shape(t);
        return (int) cols;
    }

    private static CanalException shape(Tensor t) {
        return new CanalException("tensor " + t.name() + ": shape " + t.shapeString()
                + " is not supported by the cpu backend (expected a 1-D vector or a 2-D [out, in] matrix)");
    }

    @Override
    public Tensor tensor() {
        return tensor;
    }

    @Override
    public long rows() {
        return rows;
    }

    @Override
    public long cols() {
        return cols;
    }

    int columns() {
        return cols;
    }

    DType dtype() {
        return tensor.dtype();
    }

    MemorySegment data() {
        return tensor.data();
    }

    /** The block format of a quantized weight; null for dense ones. */
    BlockFormat format() {
        return tensor.format();
    }

    /** The kernel that multiplies with the packed blocks of a quantized weight (null for dense weights). */
    BlockMatKernel blockKernel() {
        return blockKernel;
    }

    /** The matrix of a packed weight (AWQ, GPTQ, FP8, NVFP4); null for the others. */
    PackedMatrix packed() {
        return tensor.packed();
    }

    /** Bytes of one row in {@link #data()}; 0 for packed weights. */
    long rowBytes() {
        return rowBytes;
    }

    /** Decodes row {@code row} (all {@link #columns()} elements) into dst[off…]. */
    void decodeRow(long row, float[] dst, int off) {
        if (tensor.packed() != null) {
            tensor.packed().dequantizeRow(row, dst, off);
            return;
        }
        BlockFormat format = tensor.format();
        if (format != null) {
            format.dequantizeRow(tensor.data(), row * rowBytes, dst, off, cols);
        } else {
            WeightLoads.decode(tensor.dtype(), tensor.data(), row * cols, dst, off, cols);
        }
    }

    /** The elements of a 1-D weight as floats; an error for matrices, which are never copied. */
    float[] vector() {
        if (vector == null) {
            throw new IllegalArgumentException("tensor " + tensor.name() + " " + tensor.shapeString()
                    + " is not a 1-D vector");
        }
        return vector;
    }
}
