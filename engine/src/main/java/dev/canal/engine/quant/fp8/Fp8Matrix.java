package dev.canal.engine.quant.fp8;

import static dev.canal.engine.quant.fp8.Kernels.F;

import dev.canal.engine.vector.LaneSums;

import dev.canal.engine.tensor.Tensor;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * An FP8 E4M3 [out, in] weight read in place, W[o, i] = e4m3(w[o, i]) · scale[o / blockRows, i / blockCols]:
 * one scale for the tensor (blockRows = out, blockCols = in), one per output channel (1, in), one per
 * blockRows × blockCols tile (DeepSeek / Qwen3 "fp8" 128 × 128, compressed-tensors "block") or one per group of
 * columns (compressed-tensors "group": 1 × group). The scales are copied to floats at load (at most one per 16 × 16
 * weights); the weight bytes stay in the mapped file. Activations are never quantized: they stay in float.
 */
public final class Fp8Matrix extends RowDecodingMatrix {
    private final String formatName;
    private final MemorySegment weight;
    private final float[] scales;
    private final int blockRows;
    private final int blockCols;
    private final int colBlocks;
    private final int vectorEnd;
    private final List<Tensor> parts;
    private final Tensor weightTensor;

    /**
     * @param weight    the F8_E4M3 [out, in] tensor
     * @param scales    row-major [ceil(out / blockRows), ceil(in / blockCols)] multipliers
     * @param blockCols a multiple of 16 unless it is {@code in}: a float vector must not span two blocks
     * @param parts     the tensors it consumed, weight first
     */
    public Fp8Matrix(String formatName, Tensor weight, float[] scales, int blockRows, int blockCols,
                     List<Tensor> parts) {
        super(weight.dim(0), Math.toIntExact(weight.dim(1)));
        if (blockCols != cols && blockCols % 16 != 0) {
            throw new IllegalArgumentException("block columns " + blockCols + " not a multiple of 16");
        }
        long rowBlocks = (rows + blockRows - 1) / blockRows;
        this.colBlocks = (cols + blockCols - 1) / blockCols;
        if (scales.length != rowBlocks * colBlocks) {
            throw new IllegalArgumentException(scales.length + " scales, expected " + rowBlocks * colBlocks);
        }
        this.formatName = formatName;
        this.weight = weight.data();
        this.weightTensor = weight;
        this.scales = scales;
        this.blockRows = blockRows;
        this.blockCols = blockCols;
        this.parts = List.copyOf(parts);
        // The byte species may read more bytes than one float vector decodes: stay inside the row.
        int lanes = F.length();
        int extra = Kernels.B.length() - lanes;
        this.vectorEnd = cols - extra < lanes ? 0 : F.loopBound(cols - extra);
    }

    /** The F8_E4M3 [out, in] tensor, for a backend that copies it elsewhere. */
    public Tensor weightTensor() {
        return weightTensor;
    }

    /** The multipliers, row-major [ceil(out / blockRows), ceil(in / blockCols)] (a copy). */
    public float[] scales() {
        return scales.clone();
    }

    public int blockRows() {
        return blockRows;
    }

    public int blockCols() {
        return blockCols;
    }

    @Override
    public String formatName() {
        return formatName;
    }

    @Override
    public List<Tensor> parts() {
        return parts;
    }

    @Override
    protected int vectorEnd() {
        return vectorEnd;
    }

    private int scaleRow(long row) {
        return (int) (row / blockRows) * colBlocks;
    }

    @Override
    public void dequantizeRow(long row, float[] dst, int off) {
        long base = row * cols;
        int s = scaleRow(row);
        int b = s;
        float scale = scales[b];
        // One flat loop: blocks are a whole number of vectors, and short inner loops would cost more than a branch.
        for (int i = 0, blockEnd = blockCols; i < vectorEnd; i += F.length()) {
            if (i == blockEnd) {
                scale = scales[++b];
                blockEnd += blockCols;
            }
            E4m3.decode(weight, base + i).mul(scale).intoArray(dst, off + i);
        }
        for (int i = vectorEnd; i < cols; i++) {
            dst[off + i] = E4m3.decode(weight.get(ValueLayout.JAVA_BYTE, base + i)) * scales[s + i / blockCols];
        }
    }

    @Override
    protected float dotRow(long row, float[] x, int xOff) {
        long base = row * cols;
        int s = scaleRow(row);
        FloatVector acc = FloatVector.zero(F);
        int b = s;
        float scale = scales[b];
        for (int i = 0, blockEnd = blockCols; i < vectorEnd; i += F.length()) {
            if (i == blockEnd) {
                scale = scales[++b];
                blockEnd += blockCols;
            }
            FloatVector w = E4m3.decode(weight, base + i).mul(scale);
            acc = w.fma(FloatVector.fromArray(F, x, xOff + i), acc);
        }
        float sum = LaneSums.sum(acc);
        for (int i = vectorEnd; i < cols; i++) {
            float w = E4m3.decode(weight.get(ValueLayout.JAVA_BYTE, base + i)) * scales[s + i / blockCols];
            sum = Math.fma(w, x[xOff + i], sum);
        }
        return sum;
    }
}
