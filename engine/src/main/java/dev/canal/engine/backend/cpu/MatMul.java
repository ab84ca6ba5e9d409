package dev.canal.engine.backend.cpu;

import dev.canal.engine.tensor.BlockFormat;
import dev.canal.engine.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * out = x · Wᵀ, parallel over blocks of four output rows (each worker streams its own slice of W). Prefill is
 * blocked for the cache: activation rows are taken in panels that stay in L2, and within a panel each block of
 * four weight rows is loaded from memory once and reused for every four activation rows (16-bit and
 * block-quantized rows: decoded once per panel, then multiplied by the F32 kernel).
 *
 * <p>Block-quantized weights with fewer activation rows use the format's dot product on the packed blocks; for a
 * single row, a format that offers quantized activations ({@link BlockFormat#newQuantizedActivations()}) gets its
 * activation row quantized once here and its integer dots used. A row's result therefore depends on how many rows
 * its panel has (dequantized F32 products vs the format's dot), never on the number of threads.
 *
 * <p>Packed matrices (AWQ, GPTQ, FP8, NVFP4) bring their own kernel; here they are only split across the workers.
 */
final class MatMul {
    /** Bytes of activations per panel: about half an L2, so the panel and a block of weight rows stay cached. */
    private static final int PANEL_BYTES = 1 << 20;

    /**
     * From this many activation rows in a panel on, 16-bit and block-quantized weight rows are decoded once per
     * panel and multiplied by the F32 kernel. The F32 kernel reads little-endian, which a float array is only on little-endian hardware.
     */
    private static final int DECODE_ONCE_ROWS = 8;
    private static final boolean DECODE_ONCE = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private static final MatKernel F32 = new F32MatKernel();
    private static final MatKernel F16 = new DecodingMatKernel(true);
    private static final MatKernel BF16 = new Bf16MatKernel();

    private final ThreadPool pool;
    private final float[][] sums;
    private final float[][] panels;
    /** Per worker: four whole weight rows decoded to floats, viewed as a segment the F32 kernel reads. */
    private final float[][] decodedRows;
    private final MemorySegment[] decodedSegments;
    private final ThreadPool.Chunk chunk = this::outputRows;
    private final ThreadPool.Chunk packedChunk = this::packedRows;
    /** Per block format with an integer path: its activation buffer, reused from matmul to matmul. */
    private final Map<BlockFormat, BlockFormat.QuantizedActivations> quantized = new IdentityHashMap<>();

    // The running op, read by the workers (published by the pool).
    private float[] out;
    private float[] x;
    private MemorySegment w;
    private CpuWeight weight;
    private MatKernel kernel;
    private DType dtype;
    private int rows;
    private int n;
    private int outCols;

    MatMul(ThreadPool pool) {
        this.pool = pool;
        this.sums = new float[pool.threads()][16];
        this.panels = new float[pool.threads()][DecodingMatKernel.PANEL];
        this.decodedRows = new float[pool.threads()][0];
        this.decodedSegments = new MemorySegment[pool.threads()];
    }

    void run(CpuActivations out, CpuActivations x, CpuWeight w, int rows) {
        if (w.packed() != null) {
            runPacked(out, x, w, rows);
            return;
        }
        this.out = out.data();
        this.x = x.data();
        this.w = w.data();
        this.weight = w;
        this.dtype = w.dtype();
        this.kernel = switch (w.dtype()) {
            case F32 -> F32;
            case F16 -> F16;
            case BF16 -> BF16;
            case BLOCK -> blockKernel(w, x.data(), rows);
            default -> throw new IllegalStateException("unreachable: CpuWeight admits only float and block dtypes");
        };
        this.rows = rows;
        this.n = w.columns();
        this.outCols = out.cols();
        try {
            pool.parallelFor((int) w.rows(), 4, chunk);
        } finally {
            this.out = null;
            this.x = null;
            this.w = null;
            this.weight = null;
        }
    }

    private void runPacked(CpuActivations out, CpuActivations x, CpuWeight w, int rows) {
        this.out = out.data();
        this.x = x.data();
        this.weight = w;
        this.rows = rows;
        this.outCols = out.cols();
        try {
            pool.parallelFor((int) w.rows(), w.packed().rowGrain(), packedChunk);
        } finally {
            this.out = null;
            this.x = null;
            this.weight = null;
        }
    }

    private void packedRows(int worker, int start, int end) {
        weight.packed().multiply(x, rows, out, outCols, start, end);
    }

    /** The kernel for a block-quantized weight; quantizes the activation row first where the format asks for it. */
    private MatKernel blockKernel(CpuWeight w, float[] x, int rows) {
        BlockFormat format = w.format();
        if (rows == 1) {
            BlockFormat.QuantizedActivations q = quantized.computeIfAbsent(format,
                    f -> f.newQuantizedActivations());
            if (q != null) {
                q.quantize(x, 0, w.columns());
                return new QuantizedActivationsMatKernel(q, w.rowBytes());
            }
        }
        return w.blockKernel();
    }

    /** Output columns (weight rows) [start, end) for all activation rows. */
    private void outputRows(int worker, int start, int end) {
        float[] s = sums[worker];
        float[] panel = panels[worker];
        int panelRows = Math.max(4, Math.min(64, PANEL_BYTES / (n * Float.BYTES)) & ~3);
        for (int p = 0; p < rows; p += panelRows) {
            int panelEnd = Math.min(rows, p + panelRows);
            boolean decodeOnce = DECODE_ONCE && dtype != DType.F32 && panelEnd - p >= DECODE_ONCE_ROWS;
            for (int o = start; o < end; o += 4) {
                // A partial last block repeats its last row; the extra sums are computed and dropped.
                int valid = Math.min(4, end - o);
                long o0 = o, o1 = o + Math.min(1, valid - 1), o2 = o + Math.min(2, valid - 1);
                long o3 = o + valid - 1;
                MatKernel k = kernel;
                MemorySegment weights = w;
                if (decodeOnce) {
                    weights = decodeRows(worker, o0, o1, o2, o3);
                    k = F32;
                    o0 = 0;
                    o1 = 1;
                    o2 = 2;
                    o3 = 3;
                }
                int r = p;
                for (; r + 4 <= panelEnd; r += 4) {
                    k.rows4(x, r * n, n, weights, o0, o1, o2, o3, panel, s);
                    for (int i = 0; i < 4; i++) {
                        System.arraycopy(s, 4 * i, out, (r + i) * outCols + o, valid);
                    }
                }
                for (; r < panelEnd; r++) {
                    k.rows1(x, r * n, n, weights, o0, o1, o2, o3, panel, s);
                    System.arraycopy(s, 0, out, r * outCols + o, valid);
                }
            }
        }
    }

    /**
     * Decodes four weight rows into this worker's buffer (grown to the largest row length seen, then reused) and
     * returns it as a segment. 16-bit values are exact, so the F32 kernel then computes exactly what the 16-bit
     * kernels would, with one conversion per weight element per activation panel instead of one per four activation
     * rows; block-quantized rows are dequantized once per panel instead of unpacked once per activation row.
     */
    private MemorySegment decodeRows(int worker, long o0, long o1, long o2, long o3) {
        if (decodedRows[worker].length < 4 * n) {
            decodedRows[worker] = new float[4 * n];
            decodedSegments[worker] = MemorySegment.ofArray(decodedRows[worker]);
        }
        float[] rowsOut = decodedRows[worker];
        weight.decodeRow(o0, rowsOut, 0);
        weight.decodeRow(o1, rowsOut, n);
        weight.decodeRow(o2, rowsOut, 2 * n);
        weight.decodeRow(o3, rowsOut, 3 * n);
        return decodedSegments[worker];
    }
}
