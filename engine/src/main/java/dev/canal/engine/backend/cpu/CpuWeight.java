package dev.canal.engine.backend.cpu;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.backend.Weight;
import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * A weight of the CPU backend: the mapped tensor itself, read in place by the kernels. Only 1-D vectors (norm
 * weights, biases: a few thousand elements) are also decoded once to floats, so the element-wise ops that use them
 * need no per-dtype code.
 */
final class CpuWeight implements Weight {
    private final Tensor tensor;
    private final long rows;
    private final int cols;
    private final float[] vector;

    CpuWeight(Tensor tensor) {
        this.tensor = tensor;
        DType dtype = tensor.dtype();
        if (!dtype.isDenseFloat()) {
            throw new CanalException("tensor " + tensor.name() + ": dtype " + dtype
                    + " is not supported by the cpu backend (expected F32, F16 or BF16)");
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
        long expected = rows * cols * dtype.bytes();
        if (tensor.data().byteSize() != expected) {
            throw new CanalException("tensor " + tensor.name() + ": " + tensor.data().byteSize() + " bytes of data, "
                    + "expected " + expected + " for " + dtype + tensor.shapeString());
        }
        if (tensor.rank() == 1) {
            vector = new float[cols];
            WeightLoads.decode(dtype, tensor.data(), 0, vector, 0, cols);
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

    /** The elements of a 1-D weight as floats; an error for matrices, which are never copied. */
    float[] vector() {
        if (vector == null) {
            throw new IllegalArgumentException("tensor " + tensor.name() + " " + tensor.shapeString()
                    + " is not a 1-D vector");
        }
        return vector;
    }
}
