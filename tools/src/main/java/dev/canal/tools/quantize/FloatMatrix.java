package dev.canal.tools.quantize;

/** A row-major [rows, cols] float matrix (a linear weight is [out, in]); a vector is [1, n]. */
record FloatMatrix(float[] data, int rows, int cols) {
    FloatMatrix {
        if ((long) rows * cols != data.length) {
            throw new IllegalArgumentException(data.length + " values for " + rows + " x " + cols);
        }
    }
}
