package dev.canal.engine.backend.cpu;

import java.lang.foreign.MemorySegment;

/**
 * out = x · Wᵀ, parallel over blocks of four output rows (each worker streams its own slice of W). Prefill is
 * blocked for the cache: activation rows are taken in panels that stay in L2, and within a panel each block of
 * four weight rows is loaded from memory once and reused for every four activation rows.
 */
final class MatMul {
    /** Bytes of activations per panel: about half an L2, so the panel and a block of weight rows stay cached. */
    private static final int PANEL_BYTES = 1 << 20;

    private static final MatKernel F32 = new F32MatKernel();
    private static final MatKernel F16 = new DecodingMatKernel(true);
    private static final MatKernel BF16 = new Bf16MatKernel();

    private final ThreadPool pool;
    private final float[][] sums;
    private final float[][] panels;
    private final ThreadPool.Chunk chunk = this::outputRows;

    // The running op, read by the workers (published by the pool).
    private float[] out;
    private float[] x;
    private MemorySegment w;
    private MatKernel kernel;
    private int rows;
    private int n;
    private int outCols;

    MatMul(ThreadPool pool) {
        this.pool = pool;
        this.sums = new float[pool.threads()][16];
        this.panels = new float[pool.threads()][DecodingMatKernel.PANEL];
    }

    void run(CpuActivations out, CpuActivations x, CpuWeight w, int rows) {
        this.out = out.data();
        this.x = x.data();
        this.w = w.data();
        this.kernel = switch (w.dtype()) {
            case F32 -> F32;
            case F16 -> F16;
            case BF16 -> BF16;
            default -> throw new IllegalStateException("unreachable: CpuWeight admits only dense float dtypes");
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
        }
    }

    /** Output columns (weight rows) [start, end) for all activation rows. */
    private void outputRows(int worker, int start, int end) {
        float[] s = sums[worker];
        float[] panel = panels[worker];
        int panelRows = Math.max(4, Math.min(64, PANEL_BYTES / (n * Float.BYTES)) & ~3);
        for (int p = 0; p < rows; p += panelRows) {
            int panelEnd = Math.min(rows, p + panelRows);
            for (int o = start; o < end; o += 4) {
                // A partial last block repeats its last row; the extra sums are computed and dropped.
                int valid = Math.min(4, end - o);
                long o0 = o, o1 = o + Math.min(1, valid - 1), o2 = o + Math.min(2, valid - 1);
                long o3 = o + valid - 1;
                int r = p;
                for (; r + 4 <= panelEnd; r += 4) {
                    kernel.rows4(x, r * n, n, w, o0, o1, o2, o3, panel, s);
                    for (int i = 0; i < 4; i++) {
                        System.arraycopy(s, 4 * i, out, (r + i) * outCols + o, valid);
                    }
                }
                for (; r < panelEnd; r++) {
                    kernel.rows1(x, r * n, n, w, o0, o1, o2, o3, panel, s);
                    System.arraycopy(s, 0, out, r * outCols + o, valid);
                }
            }
        }
    }
}
