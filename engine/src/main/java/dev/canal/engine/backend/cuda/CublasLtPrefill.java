package dev.canal.engine.backend.cuda;

import static dev.canal.engine.backend.cuda.bindings.CublasLt.CUBLAS_STATUS_SUCCESS;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.backend.cuda.CudaBackend.DeviceActivations;
import dev.canal.engine.backend.cuda.CudaBackend.DeviceFp8Weight;
import dev.canal.engine.backend.cuda.CudaBackend.DeviceNvfp4Weight;

import java.util.ArrayList;
import java.util.List;

/**
 * The CUDA backend's prefill matmuls by FP8 E4M3 (per-tensor or per-channel scales) and NVFP4 weights on cuBLASLt,
 * where the kernel-table row sends them there (gemm_fp8 / gemm_nvfp4 name cublasLtMatmul on rows with FP8 / FP4
 * tensor cores): the activations are quantized on the GPU (quantize.cuh: E4M3 with one dynamic scale, or NVFP4
 * with E4M3 scales per 16 and a tensor scale), then {@link CublasLtGemm} multiplies. A product cuBLASLt cannot take
 * (a shape outside its alignment rules, a status other than success) returns false: the backend then runs the
 * row's fallback, canal's own GEMM kernel, and {@link #fallbacks} / {@link #lastFallback} record it.
 *
 * <p>Block-scaled FP8 (128 × 128 tiles, per-group) stays on canal's _blocks kernels: cuBLASLt's VEC128 /
 * BLK128x128 modes want 128-wide activation groups and scales of a layout of their own, which this first version
 * does not build.
 */
final class CublasLtPrefill implements AutoCloseable {
    private static final int BLOCK = 256;
    /** Bytes before the row maxima in the float scratch: the FP8 activation scale, or NVFP4's alpha and beta. */
    private static final long SCALARS = 16;

    private final CublasLtGemm gemm;
    private final CudaContext context;
    private final CudaKernels kernels;
    private final int multiprocessors;
    private final boolean fp8;
    private final boolean nvfp4;
    private final String library;
    private final List<Long> weightScales = new ArrayList<>(); // NVFP4 block scales rearranged at load
    private long workspace;
    private long quantized, quantizedBytes; // activations as E4M3 bytes or packed E2M1 pairs
    private long blockScales, blockScalesBytes; // the activations' NVFP4 block scales, tiled
    private long floats, floatsBytes; // SCALARS bytes of scalars, then the row maxima
    private long fallbacks;
    private String lastFallback = "";

    CublasLtPrefill(CublasLtGemm gemm, String library, CudaContext context, CudaKernels kernels, int multiprocessors,
                    boolean fp8, boolean nvfp4) {
        this.gemm = gemm;
        this.library = library;
        this.context = context;
        this.kernels = kernels;
        this.multiprocessors = Math.max(1, multiprocessors);
        this.fp8 = fp8;
        this.nvfp4 = nvfp4;
    }

    /** Whether {@code row} sends FP8 prefill to cuBLASLt: its gemm_fp8 op names it and the SM has FP8 MMA. */
    static boolean fp8OnRow(KernelTable.Row row) {
        return row.features().fp8Mma() && row.op("gemm_fp8").kernels().contains("cublasLtMatmul");
    }

    /** Whether {@code row} sends NVFP4 prefill to cuBLASLt: its gemm_nvfp4 op names it and the SM has FP4 MMA. */
    static boolean nvfp4OnRow(KernelTable.Row row) {
        return row.features().fp4Mma() && row.op("gemm_nvfp4").kernels().contains("cublasLtMatmul");
    }

    /**
     * One clause for the backend's prefill line: which formats run here, from how many rows, the library, and the
     * format {@code row} keeps on canal's kernels, if any.
     */
    String describe(KernelTable.Row row) {
        String formats = fp8 && nvfp4 ? "FP8 E4M3 and NVFP4" : fp8 ? "FP8 E4M3" : "NVFP4";
        String line = "cublasLtMatmul for " + formats + " from " + CublasLtGemm.MIN_ROWS + " rows (" + library + ")";
        if (!nvfp4) line += ", canal's GEMM kernels for NVFP4 (no FP4 tensor cores on " + row.smName() + ")";
        if (!fp8) line += ", canal's GEMM kernels for FP8 E4M3 (no FP8 tensor cores on " + row.smName() + ")";
        return line;
    }

    /**
     * An NVFP4 weight's block scales ([out, in/16] E4M3 on the device) rearranged once into cuBLASLt's tiled
     * layout, or 0 where this weight will not go to cuBLASLt (the row keeps NVFP4 on canal's kernels, or the shape
     * cannot). Only the scales are copied: the packed E2M1 weights are used as stored.
     */
    long tiledWeightScales(long blockScalesOnDevice, long out, long in, long weight) {
        if (!nvfp4 || !CublasLtGemm.nvfp4Fits(CublasLtGemm.MIN_ROWS, in, out, weight)) return 0;
        int rows = Math.toIntExact(out), blocks = Math.toIntExact(in / 16);
        int paddedRows = roundUp(rows, 128), paddedBlocks = roundUp(blocks, 4);
        long slots = (long) paddedRows * paddedBlocks;
        long tiled = context.alloc(slots);
        weightScales.add(tiled);
        kernels.launch("canal_swizzle_block_scales", grid(slots), 1, BLOCK, 1, 0, tiled, blockScalesOnDevice, rows,
                blocks, paddedRows, paddedBlocks);
        return tiled;
    }

    /** y = x · Wᵀ by an FP8 weight with whole-row scales through cuBLASLt; false where canal's kernel must run. */
    boolean fp8(DeviceActivations y, DeviceActivations x, DeviceFp8Weight w, int rows) {
        if (!fp8 || rows < CublasLtGemm.MIN_ROWS || w.tiled()) return false;
        int in = x.cols(), out = (int) w.rows();
        if (!CublasLtGemm.fp8Fits(rows, in, out, w.weight())) {
            return fellBack(w, "in " + in + " × out " + out + " is outside cuBLASLt's FP8 alignment (multiples of 16,"
                    + " a 16-byte aligned weight)");
        }
        long n = (long) rows * in;
        long q = quantized(n), f = floats(rows), rowAmax = f + SCALARS;
        kernels.launch("canal_amax_rows_f32", rows, 1, BLOCK, 1, 0, rowAmax, x.pointer(), in);
        kernels.launch("canal_quantize_fp8_e4m3", grid(n), 1, BLOCK, 1, 0, q, f, rowAmax, x.pointer(), rows, in);
        int status;
        try {
            status = gemm.fp8(y.pointer(), w.weight(), w.perChannel() ? 0 : w.scales(), q, f, rows, in, out,
                    workspace(), CublasLtGemm.WORKSPACE_BYTES);
        } catch (CanalException e) { // a function the installed cuBLASLt lacks
            return fellBack(w, e.getMessage());
        }
        if (status != CUBLAS_STATUS_SUCCESS) return fellBack(w, "cublasLtMatmul: " + CublasGemm.statusName(status));
        if (w.perChannel()) {
            long products = (long) rows * out;
            kernels.launch("canal_scale_columns_f32", grid(products), 1, BLOCK, 1, 0, y.pointer(), w.scales(), out,
                    products);
        }
        return true;
    }

    /** y = x · Wᵀ by an NVFP4 weight through cuBLASLt; false where canal's kernel must run. */
    boolean nvfp4(DeviceActivations y, DeviceActivations x, DeviceNvfp4Weight w, int rows) {
        if (!nvfp4 || rows < CublasLtGemm.MIN_ROWS) return false;
        int in = x.cols(), out = (int) w.rows();
        if (w.tiledScales() == 0) {
            return fellBack(w, "in " + in + " × out " + out + " is outside cuBLASLt's FP4 alignment (in a multiple of"
                    + " 32, out of 16, a 16-byte aligned weight)");
        }
        int paddedRows = roundUp(rows, 128), paddedBlocks = roundUp(in / 16, 4);
        long q = quantized((long) rows * in / 2), s = blockScales((long) paddedRows * paddedBlocks);
        long f = floats(rows), rowAmax = f + SCALARS;
        kernels.launch("canal_amax_rows_f32", rows, 1, BLOCK, 1, 0, rowAmax, x.pointer(), in);
        kernels.launch("canal_quantize_nvfp4", grid((long) paddedRows * paddedBlocks), 1, BLOCK, 1, 0, q, s, f,
                rowAmax, x.pointer(), rows, in, paddedRows, paddedBlocks, w.global());
        int status;
        try {
            status = gemm.nvfp4(y.pointer(), w.packed(), w.tiledScales(), q, s, f, rows, in, out, workspace(),
                    CublasLtGemm.WORKSPACE_BYTES);
        } catch (CanalException e) { // a function the installed cuBLASLt lacks
            return fellBack(w, e.getMessage());
        }
        if (status != CUBLAS_STATUS_SUCCESS) return fellBack(w, "cublasLtMatmul: " + CublasGemm.statusName(status));
        return true;
    }

    /** GEMMs cuBLASLt has run. */
    long gemms() {
        return gemm.calls();
    }

    /** Prefill matmuls of 16 rows or more that went to canal's kernel instead. */
    long fallbacks() {
        return fallbacks;
    }

    /** Why the latest of them did, naming the tensor; empty before any. */
    String lastFallback() {
        return lastFallback;
    }

    private boolean fellBack(dev.canal.engine.backend.Weight w, String why) {
        fallbacks++;
        lastFallback = "tensor " + w.tensor().name() + ": " + why + "; canal's GEMM kernel ran";
        return false;
    }

    private long workspace() {
        if (workspace == 0) workspace = context.alloc(CublasLtGemm.WORKSPACE_BYTES);
        return workspace;
    }

    private long quantized(long bytes) {
        if (bytes > quantizedBytes) {
            quantized = replace(quantized, bytes);
            quantizedBytes = bytes;
        }
        return quantized;
    }

    private long blockScales(long bytes) {
        if (bytes > blockScalesBytes) {
            blockScales = replace(blockScales, bytes);
            blockScalesBytes = bytes;
        }
        return blockScales;
    }

    private long floats(int rows) {
        long bytes = SCALARS + 4L * rows;
        if (bytes > floatsBytes) {
            floats = replace(floats, bytes);
            floatsBytes = bytes;
        }
        return floats;
    }

    /** A larger scratch buffer in place of {@code old}, which queued GEMMs may still read: wait for them first. */
    private long replace(long old, long bytes) {
        if (old != 0) {
            context.synchronize();
            context.free(old);
        }
        return context.alloc(bytes);
    }

    private int grid(long n) {
        return (int) Math.max(1, Math.min((n + BLOCK - 1) / BLOCK, multiprocessors * 8L));
    }

    private static int roundUp(int n, int to) {
        return (n + to - 1) / to * to;
    }

    @Override
    public void close() {
        try {
            gemm.close();
        } finally {
            for (long p : weightScales) context.free(p);
            for (long p : new long[] {workspace, quantized, blockScales, floats}) if (p != 0) context.free(p);
        }
    }
}
