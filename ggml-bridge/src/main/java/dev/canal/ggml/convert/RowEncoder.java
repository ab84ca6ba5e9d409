package dev.canal.ggml.convert;

import dev.canal.engine.tensor.Floats;
import dev.canal.engine.tensor.Tensor;
import dev.canal.ggml.gguf.GgufTensorData;
import dev.canal.ggml.quant.GgmlType;
import dev.canal.ggml.quant.QuantFormat;
import dev.canal.ggml.quant.QuantFormats;

import java.io.OutputStream;
import java.lang.foreign.MemorySegment;

/**
 * Streams one F32/F16/BF16 source tensor into GGUF bytes of another type, one row at a time (optionally reordering
 * rows), so only a row is ever on the heap. Quantized types use {@link QuantFormat#quantizeRow}, ggml's reference
 * quantizers (no importance matrix), so the bytes are llama-quantize's.
 */
final class RowEncoder implements GgufTensorData {
    private final Tensor source;
    private final GgmlType type;
    private final long rows;
    private final int rowLength;
    private final QkPermutation permutation;

    /**
     * @param permutation the row order, or null to keep the source's
     */
    RowEncoder(Tensor source, GgmlType type, QkPermutation permutation) {
        this.source = source;
        this.type = type;
        long[] shape = source.shape();
        this.rowLength = shape.length == 0 ? 1 : Math.toIntExact(shape[shape.length - 1]);
        this.rows = source.elementCount() / rowLength;
        this.permutation = permutation;
    }

    @Override
    public void writeTo(OutputStream out) throws java.io.IOException {
        float[] row = new float[rowLength];
        byte[] bytes = new byte[Math.toIntExact(type.rowBytes(rowLength))];
        MemorySegment dst = MemorySegment.ofArray(bytes);
        QuantFormat quant = type.isBlockQuant() ? QuantFormats.of(type) : null;
        for (long r = 0; r < rows; r++) {
            readRow(permutation == null ? r : permutation.sourceRow(r), row);
            switch (type) {
                case F32 -> {
                    for (int i = 0; i < rowLength; i++) dst.set(Floats.F32_LE, 4L * i, row[i]);
                }
                case F16 -> {
                    for (int i = 0; i < rowLength; i++) dst.set(Floats.I16_LE, 2L * i, Float.floatToFloat16(row[i]));
                }
                case BF16 -> {
                    for (int i = 0; i < rowLength; i++) dst.set(Floats.I16_LE, 2L * i, toBf16(row[i]));
                }
                default -> quant.quantizeRow(row, 0, dst, 0, rowLength);
            }
            out.write(bytes);
        }
    }

    /** Reads source row {@code r} as floats (F16 and BF16 widen exactly). */
    void readRow(long r, float[] row) {
        MemorySegment data = source.data();
        switch (source.dtype()) {
            case F32 -> MemorySegment.copy(data, Floats.F32_LE, r * rowLength * 4L, row, 0, rowLength);
            case F16 -> {
                long base = r * rowLength * 2L;
                for (int i = 0; i < rowLength; i++) row[i] = Float.float16ToFloat(data.get(Floats.I16_LE, base + 2L * i));
            }
            case BF16 -> {
                long base = r * rowLength * 2L;
                for (int i = 0; i < rowLength; i++) row[i] = Floats.bf16(data.get(Floats.I16_LE, base + 2L * i));
            }
            default -> throw new IllegalStateException(source + " is not F32/F16/BF16 (checked before conversion)");
        }
    }

    /** ggml's ggml_compute_fp32_to_bf16: round to nearest even, NaN kept quiet with its sign. */
    static short toBf16(float f) {
        int u = Float.floatToRawIntBits(f);
        if ((u & 0x7fffffff) > 0x7f800000) return (short) ((u >>> 16) | 64);
        return (short) ((u + (0x7fff + ((u >>> 16) & 1))) >>> 16);
    }
}
