package dev.canal.ggml.quant;

import java.lang.foreign.MemorySegment;

/**
 * One ggml element type's codec and CPU kernel. Rows are {@code n} elements, {@code n} a multiple of the block size;
 * offsets are in bytes for packed data and in elements for float arrays.
 */
public interface QuantFormat {
    GgmlType type();

    /** Scalar reference dequantization, element for element what ggml's dequantize_row_* computes. */
    void dequantizeRow(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int n);

    /** ggml's reference quantization (quantize_row_*_ref: no importance matrix); byte-identical output. */
    void quantizeRow(float[] src, int srcOffset, MemorySegment dst, long dstOffset, int n);

    /** Vectorized dot product of a packed weight row with float activations, reading the blocks in place. */
    float dot(MemorySegment w, long rowOffsetBytes, float[] x, int xOffset, int n);

    /** Bytes a row of {@code n} elements occupies. */
    default long rowBytes(int n) {
        return type().rowBytes(n);
    }

    /** Dequantizes then multiplies in scalar float: the reference the vector kernels are tested against. */
    default float referenceDot(MemorySegment w, long rowOffsetBytes, float[] x, int xOffset, int n) {
        float[] row = new float[n];
        dequantizeRow(w, rowOffsetBytes, row, 0, n);
        float s = 0;
        for (int i = 0; i < n; i++) s += row[i] * x[xOffset + i];
        return s;
    }
}
