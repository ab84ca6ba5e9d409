package dev.canal.engine.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sampling's candidates selected on the GPU (topk.cuh, elementwise.cuh): k = 1 by canal_argmax_f32, 2 ≤ k ≤
 * {@link #MAX_K} by canal_topk_f32 over chunks of the row and canal_topk_merge_f32 over the chunks' lists. The
 * result (k values, then k ids) is one download of 8·k bytes instead of the row's 4·vocab. Scratch: the chunks'
 * lists (at most {@link #MAX_CHUNKS} × {@link #MAX_K} keys) and the result, allocated by the backend once.
 */
final class CudaTopK {
    /** The largest k the kernels select (topk.cuh's TOPK_MAX); the backend reads the whole row above it. */
    static final int MAX_K = 256;
    /** canal_topk_f32's tile (topk.cuh's TOPK_TILE): a chunk is at least this long, so a block sorts ≥ one tile. */
    private static final int TILE = 2048;
    /** Most blocks of the first launch: enough to spread a 150 K vocabulary over the SMs, a short merge after. */
    static final int MAX_CHUNKS = 128;
    private static final int THREADS = 256;
    /** Selections made by the kernels in this process: tests check that sampling took this path. */
    private static final AtomicLong SELECTIONS = new AtomicLong();

    private final CudaKernels kernels;
    private final CudaContext context;
    private final long partial;  // MAX_CHUNKS × MAX_K keys (8 bytes each)
    private final long result;   // MAX_K floats, then MAX_K ints
    private final MemorySegment host = Arena.ofAuto().allocate(8L * MAX_K, 8);

    /** {@code scratch}: {@link #scratchBytes()} of device memory, owned (and freed) by the caller. */
    CudaTopK(CudaKernels kernels, CudaContext context, long scratch) {
        this.kernels = kernels;
        this.context = context;
        this.partial = scratch;
        this.result = scratch + 8L * MAX_CHUNKS * MAX_K;
    }

    static long scratchBytes() {
        return 8L * MAX_CHUNKS * MAX_K + 8L * MAX_K;
    }

    /** Selections the kernels have made in this process (not those above {@link #MAX_K}, read in full). */
    static long selections() {
        return SELECTIONS.get();
    }

    /** The best k (1 ≤ k ≤ min(cols, MAX_K)) of the cols floats at {@code row}, best first (TopK's order). */
    void select(long row, int cols, int k, float[] values, int[] ids) {
        if (k == 1) {
            kernels.launch("canal_argmax_f32", 1, 1, THREADS, 1, 0, result + 4L * k, result, row, cols);
        } else {
            int chunk = chunk(cols);
            int chunks = (cols + chunk - 1) / chunk;
            kernels.launch("canal_topk_f32", chunks, 1, THREADS, 1, 0, partial, row, cols, chunk, k);
            kernels.launch("canal_topk_merge_f32", 1, 1, THREADS, 1, 0, result, result + 4L * k, partial,
                    chunks * k, k, row);
        }
        MemorySegment out = host.asSlice(0, 8L * k);
        context.download(out, result); // synchronous: waits for the launches
        MemorySegment.copy(out, ValueLayout.JAVA_FLOAT, 0, values, 0, k);
        MemorySegment.copy(out, ValueLayout.JAVA_INT, 4L * k, ids, 0, k);
        SELECTIONS.incrementAndGet();
    }

    /**
     * The first launch's chunk length: whole tiles (a block sorts a tile at a time, so shorter chunks waste its sort),
     * and no more than {@link #MAX_CHUNKS} chunks.
     */
    static int chunk(int cols) {
        int tiles = (cols + TILE - 1) / TILE;
        int chunks = Math.min(tiles, MAX_CHUNKS);
        int tilesPerChunk = (tiles + chunks - 1) / chunks;
        return tilesPerChunk * TILE;
    }
}
