package dev.canal.engine.tensor;

import java.lang.foreign.MemorySegment;

/**
 * A block-quantized row encoding (ggml's Q8_0, Q4_K, …; later AWQ/GPTQ/NVFP4 packings), provided by the module
 * that reads the format: the engine knows the interface, not the formats. A row of n elements is n / blockSize
 * blocks of blockBytes each, stored back to back; a matrix is its rows back to back. Kernels read the packed
 * blocks in place — the model is never dequantized as a whole.
 */
public interface BlockFormat {

    /** "Q8_0", "Q4_K", … for messages and stats. */
    String name();

    /** Elements per block. */
    int blockSize();

    /** Bytes per block. */
    int blockBytes();

    /** Bytes of one row of n elements (n a multiple of blockSize). */
    default long rowBytes(long n) {
        return n / blockSize() * blockBytes();
    }

    /** dst[dstOffset, dstOffset + n) = the n elements encoded at src[offset…]. */
    void dequantizeRow(MemorySegment src, long offset, float[] dst, int dstOffset, int n);

    /** Σ w[i] · x[xOffset + i] over the n elements of the row encoded at w[rowOffset…]. */
    float dot(MemorySegment w, long rowOffset, float[] x, int xOffset, int n);

    /**
     * An optional faster path for products with a single activation row: the row is quantized once per matmul into
     * the format's own activation encoding (ggml: Q8 activations for Q8_0/Q4_0 weights, integer block dots), then
     * every weight row is multiplied with it. Returns a new, empty buffer, or null when the format has no such path
     * (the default); a backend keeps one per format and reuses it. Its results approximate {@link #dot} (the
     * activations are rounded too), so a format offers it only where it is measured faster.
     */
    default QuantizedActivations newQuantizedActivations() {
        return null;
    }

    /** An activation row in a format's integer encoding; see {@link #newQuantizedActivations()}. */
    interface QuantizedActivations {

        /** Encodes x[offset, offset + n) (n a multiple of the block size), replacing what was held. */
        void quantize(float[] x, int offset, int n);

        /**
         * Σ w[i] · x[i] over the row encoded at w[rowOffset…] and the whole held activation row. Reads only, so
         * several threads may call it at once between two {@link #quantize} calls.
         */
        float dot(MemorySegment w, long rowOffset);
    }
}
