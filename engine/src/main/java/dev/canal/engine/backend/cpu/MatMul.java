package dev.canal.engine.backend.cpu;

import dev.canal.engine.tensor.BlockFormat;

import java.lang.foreign.MemorySegment;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * out = x · Wᵀ, parallel over blocks of output rows (each worker streams its own slice of W). From
 * {@link #PANEL_ROWS} activation rows on (prefill), {@link PanelGemm} decodes each block of weight rows once into an
 * L1 panel and multiplies every activation row with it; from {@link #GEMM_ROWS} (a short prompt or chat turn),
 * {@link SkinnyGemm} multiplies the decoded weight rows with the activations transposed once; fewer rows (decode)
 * use the dot-product kernels on the mapped weights, four weight rows at a time. Block-quantized weights with fewer
 * rows use the format's dot product on the packed blocks; for a single row, a format that offers quantized
 * activations ({@link BlockFormat#newQuantizedActivations()}) gets its activation row quantized once here and its
 * integer dots used. A row's result therefore depends on how many rows the product has, never on the number of
 * threads.
 *
 * <p>Packed matrices (AWQ, GPTQ, FP8, NVFP4) bring their own kernel; here they are only split across the workers.
 */
final class MatMul {
    /** From this many activation rows on, products go through {@link SkinnyGemm}, and then {@link PanelGemm}. */
    static final int GEMM_ROWS = 8;
    /**
     * From this many activation rows on, {@link PanelGemm}'s weight transposes pay for themselves. With SkinnyGemm's
     * wider tiles (up to 4 vectors of rows × 6 weight rows) it leads up to 128 rows and PanelGemm does not pull ahead
     * before 512 (1B Q4_0, 2 threads, t/s skinny / panel: pp64 37-39 / 23-29, pp128 43 / 38-40, pp192 38-50 / 39-43,
     * pp512 34-38 / 37-38; a noisy VM, interleaved runs).
     */
    static final int PANEL_ROWS = 256;
    /** Activation columns per chunk of {@link SkinnyGemm#transpose}: a cache line of each source row. */
    private static final int TRANSPOSE_GRAIN = 16;

    private static final MatKernel F32 = new F32MatKernel();
    private static final MatKernel F16 = new F16MatKernel();
    private static final MatKernel F16_PRESCALED = new F16PrescaledMatKernel();
    private static final MatKernel BF16 = new Bf16MatKernel();

    private final ThreadPool pool;
    private final float[][] sums;
    private final float[][] panels;
    private final PanelGemm[] gemms;
    private final SkinnyGemm[] skinny;
    /** The activations transposed for {@link SkinnyGemm}, grown to the largest product seen. */
    private float[] xT = new float[0];
    private final ThreadPool.Chunk chunk = this::outputRows;
    private final ThreadPool.Chunk gemmChunk = this::gemmRows;
    private final ThreadPool.Chunk skinnyChunk = this::skinnyRows;
    private final ThreadPool.Chunk transposeChunk = this::transposeColumns;
    private final ThreadPool.Chunk packedChunk = this::packedRows;
    /** The activation row times 2^112 for {@link F16PrescaledMatKernel}, grown to the widest row seen. */
    private float[] prescaled = new float[0];
    /** Per block format with an integer path: its activation buffer, reused from matmul to matmul. */
    private final Map<BlockFormat, BlockFormat.QuantizedActivations> quantized = new IdentityHashMap<>();

    // The running op, read by the workers (published by the pool).
    private float[] out;
    private float[] x;
    private MemorySegment w;
    private CpuWeight weight;
    private MatKernel kernel;
    private SkinnyGemm.Shape shape;
    private int rows;
    private int n;
    private int outCols;

    MatMul(ThreadPool pool) {
        this.pool = pool;
        this.sums = new float[pool.threads()][16];
        this.panels = new float[pool.threads()][DecodingMatKernel.PANEL];
        this.gemms = new PanelGemm[pool.threads()];
        for (int i = 0; i < gemms.length; i++) gemms[i] = new PanelGemm();
        this.skinny = new SkinnyGemm[pool.threads()];
        for (int i = 0; i < skinny.length; i++) skinny[i] = new SkinnyGemm();
    }

    void run(CpuActivations out, CpuActivations x, CpuWeight w, int rows) {
        this.out = out.data();
        this.x = x.data();
        this.w = w.data();
        this.weight = w;
        this.rows = rows;
        this.n = w.columns();
        this.outCols = out.cols();
        try {
            if (w.packed() != null) {
                int chunksPerThread = w.packed().prefersWideRanges() ? 1 : ThreadPool.CHUNKS_PER_THREAD;
                pool.parallelFor((int) w.rows(), w.packed().rowGrain(), chunksPerThread, packedChunk);
            } else if (rows >= PANEL_ROWS) {
                pool.parallelFor((int) w.rows(), gemms[0].width(), gemmChunk);
            } else if (rows >= GEMM_ROWS) {
                shape = SkinnyGemm.Shape.of(rows);
                int length = SkinnyGemm.transposedLength(rows, n, shape);
                if (xT.length < length) xT = new float[length];
                // split across the workers: on the caller alone it idled them for ~4% of a prefill (1B Q4_0, 2
                // threads, pp128 82-85 -> 87-88 t/s)
                pool.parallelFor(n, TRANSPOSE_GRAIN, transposeChunk);
                pool.parallelFor((int) w.rows(), shape.width, skinnyChunk);
            } else {
                this.kernel = switch (w.dtype()) {
                    case F32 -> F32;
                    case F16 -> f16Kernel(rows);
                    case BF16 -> BF16;
                    case BLOCK -> blockKernel(w, x.data(), rows);
                    default -> throw new IllegalStateException("unreachable: CpuWeight admits only float, block "
                            + "and packed dtypes");
                };
                pool.parallelFor((int) w.rows(), 4, chunk);
            }
        } finally {
            this.out = null;
            this.x = null;
            this.w = null;
            this.weight = null;
            this.kernel = null;
        }
    }

    private void packedRows(int worker, int start, int end) {
        weight.packed().multiply(x, rows, out, outCols, start, end);
    }

    private void transposeColumns(int worker, int start, int end) {
        SkinnyGemm.transpose(x, rows, n, shape, xT, start, end);
    }

    private void skinnyRows(int worker, int start, int end) {
        skinny[worker].multiply(xT, rows, shape, weight, out, outCols, start, end);
    }

    private void gemmRows(int worker, int start, int end) {
        gemms[worker].multiply(x, rows, weight, out, outCols, start, end);
    }

    /**
     * F16's kernel: for a single activation row whose values allow it, the row is prescaled once here (into
     * {@link #x} for this product) and the weights read with one op fewer.
     */
    private MatKernel f16Kernel(int rows) {
        if (rows != 1 || !F16PrescaledMatKernel.accepts(x, n)) return F16;
        if (prescaled.length < n) prescaled = new float[n];
        F16PrescaledMatKernel.prescale(x, n, prescaled);
        x = prescaled;
        return F16_PRESCALED;
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

    /** Output columns (weight rows) [start, end) for fewer than {@link #GEMM_ROWS} activation rows. */
    private void outputRows(int worker, int start, int end) {
        float[] s = sums[worker];
        float[] panel = panels[worker];
        for (int o = start; o < end; o += 4) {
            // A partial last block repeats its last row; the extra sums are computed and dropped.
            int valid = Math.min(4, end - o);
            long o0 = o, o1 = o + Math.min(1, valid - 1), o2 = o + Math.min(2, valid - 1);
            long o3 = o + valid - 1;
            int r = 0;
            for (; r + 4 <= rows; r += 4) {
                kernel.rows4(x, r * n, n, w, o0, o1, o2, o3, panel, s);
                for (int i = 0; i < 4; i++) {
                    System.arraycopy(s, 4 * i, out, (r + i) * outCols + o, valid);
                }
            }
            for (; r < rows; r++) {
                kernel.rows1(x, r * n, n, w, o0, o1, o2, o3, panel, s);
                System.arraycopy(s, 0, out, r * outCols + o, valid);
            }
        }
    }
}
