package dev.canal.engine.backend.cpu;

import dev.canal.engine.backend.Activations;

/** Activations of the CPU backend: a row-major rows × cols float array on the heap. */
public final class CpuActivations implements Activations {
    private final int rows;
    private final int cols;
    private final float[] data;

    CpuActivations(int rows, int cols) {
        if (rows <= 0 || cols <= 0 || (long) rows * cols > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("bad activation shape " + rows + " x " + cols);
        }
        this.rows = rows;
        this.cols = cols;
        this.data = new float[rows * cols];
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    /** The backing array, row r at [r · cols, (r + 1) · cols); for tests, tools and sampling. */
    public float[] data() {
        return data;
    }
}
