package dev.canal.ggml.quant;

import dev.canal.engine.tensor.BlockFormat;

import java.lang.foreign.MemorySegment;

/**
 * One ggml element type's codec and CPU kernel. Rows are {@code n} elements, {@code n} a multiple of the block size;
 * offsets are in bytes for packed data and in elements for float arrays. As a {@link BlockFormat} it lets the
 * engine's backends read block-quantized GGUF tensors in place (the dense F32/F16/BF16 formats implement it too, with
 * blocks of one element, but GGUF loading turns those into ordinary dense tensors).
 *
 * <p>No format offers {@link BlockFormat#newQuantizedActivations()} yet: Q8_0 and Q4_0 could, through
 * {@link Q8Activations} and {@link Q8_0Q8Kernel} / {@link Q4_0Q8Kernel}, but in a 2048 × 8192 matvec on the CPU
 * backend those int8 kernels measured no faster than {@link #dot} (Q8_0 about 3.4 GB/s both, Q4_0 1.6 vs 1.7 GB/s,
 * 2 threads on a shared AVX-512 Xeon), and they also round the activations. Offer them once they win.
 */
public interface QuantFormat extends BlockFormat {
    GgmlType type();

    /** ggml's type name: "Q8_0", "Q4_K", …. */
    @Override
    default String name() {
        return type().name();
    }

    @Override
    default int blockSize() {
        return type().blockSize();
    }

    @Override
    default int blockBytes() {
        return type().bytesPerBlock();
    }

    /**
     * Dequantization, element for element what ggml's dequantize_row_* computes (bit-identical: the vectorized
     * formats keep ggml's operations and their order). Prefill decodes every weight row through it once per product.
     */
    @Override
    void dequantizeRow(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int n);

    /** ggml's reference quantization (quantize_row_*_ref: no importance matrix); byte-identical output. */
    void quantizeRow(float[] src, int srcOffset, MemorySegment dst, long dstOffset, int n);

    /** Vectorized dot product of a packed weight row with float activations, reading the blocks in place. */
    @Override
    float dot(MemorySegment w, long rowOffsetBytes, float[] x, int xOffset, int n);

    /** Bytes a row of {@code n} elements occupies ({@code n} a multiple of the block size, else an error). */
    @Override
    default long rowBytes(long n) {
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
