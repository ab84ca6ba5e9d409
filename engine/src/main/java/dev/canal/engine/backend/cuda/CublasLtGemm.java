package dev.canal.engine.backend.cuda;

import static dev.canal.engine.backend.cuda.bindings.CublasLt.*;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.backend.cuda.bindings.CudaLibraries;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Optional;

/**
 * One cuBLASLt handle for prefill matmuls by FP8 E4M3 and NVFP4 weights on the tensor cores that multiply those
 * types (the kernel-table row's gemm_fp8 / gemm_nvfp4 ops). The caller quantizes the activations first
 * (quantize.cuh); this class only describes the GEMM to cuBLASLt, on the legacy default stream the backend's
 * kernels use, so no events are needed. Where cuBLASLt cannot be used (the library is missing, or it refuses a
 * handle) {@link #open} says why, and prefill keeps canal's GEMM kernels.
 *
 * <p>Both GEMMs are y[rows, out] = x[rows, in] · W[out, in]ᵀ with row-major operands, in cuBLASLt's column-major
 * terms D (out × rows, ld out) = op(A) · op(B) with A = W read as the in × out matrix Wᵀ and transposed back
 * (OP_T), B = x as the in × rows matrix (OP_N): m = out, n = rows, k = in. That is the "TN" layout the cuBLAS docs
 * require for FP8 and block-scaled FP4 (A transposed, B not), with K contiguous in both operands — exactly how the
 * checkpoints store W (FP8 bytes [out, in]; NVFP4 two E2M1 codes per byte [out, in/2], the even element in the low
 * nibble, which is cuBLAS's CUDA_R_4F_E2M1 packing), so the weights are used as stored. D is float (C = D,
 * beta 0), compute type 32F, scale type 32F.
 *
 * <p>Descriptors are made and destroyed per call: they are host objects, cheap beside a prefill GEMM, and no
 * shape cache can go stale. {@code algo} is NULL, so cuBLASLt runs its own heuristic for each call within the
 * workspace given.
 */
final class CublasLtGemm implements AutoCloseable {
    /**
     * Fewest activation rows that go to cuBLASLt: below it the activation rounding buys nothing (the GEMM kernels
     * are bandwidth-bound there too) and decode (one row) never rounds its activations.
     */
    static final int MIN_ROWS = 16;
    /** Workspace handed to each matmul: the cuBLAS docs recommend 32 MiB on Hopper and Blackwell. */
    static final long WORKSPACE_BYTES = 32L << 20;

    private final Arena arena; // the handle's slot and the host scalars
    private final MemorySegment handle;
    private final MemorySegment alphaBetaHost; // 1, 0 for host pointer mode
    private final String library;
    private long calls;

    private CublasLtGemm(Arena arena, MemorySegment handle, String library) {
        this.arena = arena;
        this.handle = handle;
        this.alphaBetaHost = arena.allocateFrom(ValueLayout.JAVA_FLOAT, 1f, 0f);
        this.library = library;
    }

    /** A handle, or why there is none. */
    record Opened(Optional<CublasLtGemm> gemm, String reason) { }

    /** Makes a handle on the current context; never throws for want of cuBLASLt, it says why instead. */
    static Opened open() {
        CudaLibraries.Status status = CudaLibraries.status(CudaLibraries.Library.CUBLAS_LT);
        if (!status.available()) return new Opened(Optional.empty(), status.reason());
        String from = status.loadedFrom().orElseThrow();
        Arena arena = Arena.ofShared();
        try {
            MemorySegment slot = arena.allocate(ValueLayout.ADDRESS);
            int created = cublasLtCreate(slot);
            if (created != CUBLAS_STATUS_SUCCESS) {
                arena.close();
                return new Opened(Optional.empty(), "cuBLASLt: cublasLtCreate failed: "
                        + CublasGemm.statusName(created) + " (" + from + ")");
            }
            return new Opened(Optional.of(new CublasLtGemm(arena, slot.get(ValueLayout.ADDRESS, 0), from)),
                    "cuBLASLt: loaded " + from);
        } catch (CanalException e) { // a symbol this binding needs is missing from the installed version
            arena.close();
            return new Opened(Optional.empty(), "cuBLASLt: " + e.getMessage());
        }
    }

    /**
     * Whether cuBLASLt's FP8 GEMM takes this shape: the docs ask for 16-byte aligned pointers and leading
     * dimensions, so in (lda = ldb) and out (ldd, and m) must be multiples of 16, and the weight 16-byte aligned
     * (device copies are; a tensor read in place from a mapped file may not be).
     */
    static boolean fp8Fits(int rows, long in, long out, long weight) {
        return rows >= MIN_ROWS && in % 16 == 0 && out % 16 == 0 && weight % 16 == 0;
    }

    /**
     * The same for NVFP4: a row of packed E2M1 codes is in/2 bytes, so in must be a multiple of 32 for 16-byte rows
     * (and so of the 16-element scale block); out a multiple of 16 as for FP8.
     */
    static boolean nvfp4Fits(int rows, long in, long out, long weight) {
        return rows >= MIN_ROWS && in % 32 == 0 && out % 16 == 0 && weight % 16 == 0;
    }

    /**
     * FP8 E4M3 W8A8: D = (aScale · bScale) · Wq · xqᵀ with per-tensor scale modes (SCALAR_32F): {@code weightScale}
     * and {@code xScale} are device floats (0 for an unset pointer: cuBLASLt then scales by 1, as the backend does
     * for per-channel weights, whose scales it applies after the GEMM). Returns the cublasStatus_t.
     */
    int fp8(long y, long weight, long weightScale, long xq, long xScale, int rows, int in, int out, long workspace,
            long workspaceBytes) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment desc = call.allocate(ValueLayout.ADDRESS);
            int s = cublasLtMatmulDescCreate(desc, CUBLAS_COMPUTE_32F, CUDA_R_32F);
            if (s != CUBLAS_STATUS_SUCCESS) return s;
            MemorySegment d = desc.get(ValueLayout.ADDRESS, 0);
            try {
                s = transposes(call, d);
                if (s == CUBLAS_STATUS_SUCCESS && weightScale != 0) {
                    s = setPointer(call, d, CUBLASLT_MATMUL_DESC_A_SCALE_POINTER, weightScale);
                }
                if (s == CUBLAS_STATUS_SUCCESS && xScale != 0) {
                    s = setPointer(call, d, CUBLASLT_MATMUL_DESC_B_SCALE_POINTER, xScale);
                }
                if (s == CUBLAS_STATUS_SUCCESS) {
                    s = matmul(call, d, CUDA_R_8F_E4M3, y, weight, xq, alphaBetaHost, rows, in, out, workspace,
                            workspaceBytes);
                }
                return s;
            } finally {
                cublasLtMatmulDescDestroy(d);
            }
        }
    }

    /**
     * NVFP4 W4A4: block scaling VEC16_UE4M3 on both operands, their E4M3 block scales in cuBLAS's tiled layout
     * ({@code weightScales} rearranged at load, {@code xScales} by the activation quantizer); the two tensor-wide
     * factors go in alpha, which the quantizer writes to {@code alphaBeta} (alpha, beta = 0) on the device, read in
     * device pointer mode. Returns the cublasStatus_t.
     */
    int nvfp4(long y, long weight, long weightScales, long xq, long xScales, long alphaBeta, int rows, int in,
              int out, long workspace, long workspaceBytes) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment desc = call.allocate(ValueLayout.ADDRESS);
            int s = cublasLtMatmulDescCreate(desc, CUBLAS_COMPUTE_32F, CUDA_R_32F);
            if (s != CUBLAS_STATUS_SUCCESS) return s;
            MemorySegment d = desc.get(ValueLayout.ADDRESS, 0);
            try {
                s = transposes(call, d);
                if (s == CUBLAS_STATUS_SUCCESS) {
                    s = setInt(call, d, CUBLASLT_MATMUL_DESC_POINTER_MODE, CUBLASLT_POINTER_MODE_DEVICE);
                }
                if (s == CUBLAS_STATUS_SUCCESS) {
                    s = setInt(call, d, CUBLASLT_MATMUL_DESC_A_SCALE_MODE, CUBLASLT_MATMUL_MATRIX_SCALE_VEC16_UE4M3);
                }
                if (s == CUBLAS_STATUS_SUCCESS) {
                    s = setInt(call, d, CUBLASLT_MATMUL_DESC_B_SCALE_MODE, CUBLASLT_MATMUL_MATRIX_SCALE_VEC16_UE4M3);
                }
                if (s == CUBLAS_STATUS_SUCCESS) s = setPointer(call, d, CUBLASLT_MATMUL_DESC_A_SCALE_POINTER, weightScales);
                if (s == CUBLAS_STATUS_SUCCESS) s = setPointer(call, d, CUBLASLT_MATMUL_DESC_B_SCALE_POINTER, xScales);
                if (s == CUBLAS_STATUS_SUCCESS) {
                    s = matmul(call, d, CUDA_R_4F_E2M1, y, weight, xq, MemorySegment.ofAddress(alphaBeta), rows, in,
                            out, workspace, workspaceBytes);
                }
                return s;
            } finally {
                cublasLtMatmulDescDestroy(d);
            }
        }
    }

    private static int transposes(Arena call, MemorySegment desc) {
        int s = setInt(call, desc, CUBLASLT_MATMUL_DESC_TRANSA, CUBLAS_OP_T);
        return s != CUBLAS_STATUS_SUCCESS ? s : setInt(call, desc, CUBLASLT_MATMUL_DESC_TRANSB, CUBLAS_OP_N);
    }

    /**
     * The three layouts (A: k × m, ld k; B: k × n, ld k; C = D: m × n float, ld m) and the call. {@code alphaBeta}
     * holds alpha then beta (host or device memory, as the descriptor's pointer mode says).
     */
    private int matmul(Arena call, MemorySegment desc, int type, long y, long a, long b, MemorySegment alphaBeta,
                       int rows, int in, int out, long workspace, long workspaceBytes) {
        MemorySegment[] layouts = new MemorySegment[3];
        try {
            int s = layout(call, layouts, 0, type, in, out, in);
            if (s == CUBLAS_STATUS_SUCCESS) s = layout(call, layouts, 1, type, in, rows, in);
            if (s == CUBLAS_STATUS_SUCCESS) s = layout(call, layouts, 2, CUDA_R_32F, out, rows, out);
            if (s != CUBLAS_STATUS_SUCCESS) return s;
            MemorySegment alpha = MemorySegment.ofAddress(alphaBeta.address());
            MemorySegment beta = MemorySegment.ofAddress(alphaBeta.address() + Float.BYTES);
            MemorySegment d = MemorySegment.ofAddress(y);
            s = cublasLtMatmul(handle, desc, alpha, MemorySegment.ofAddress(a), layouts[0], MemorySegment.ofAddress(b),
                    layouts[1], beta, d, layouts[2], d, layouts[2], MemorySegment.NULL,
                    MemorySegment.ofAddress(workspace), workspaceBytes, MemorySegment.NULL);
            if (s == CUBLAS_STATUS_SUCCESS) calls++;
            return s;
        } finally {
            for (MemorySegment l : layouts) if (l != null) cublasLtMatrixLayoutDestroy(l);
        }
    }

    private static int layout(Arena call, MemorySegment[] layouts, int i, int type, long rows, long cols, long ld) {
        MemorySegment slot = call.allocate(ValueLayout.ADDRESS);
        int s = cublasLtMatrixLayoutCreate(slot, type, rows, cols, ld);
        if (s == CUBLAS_STATUS_SUCCESS) layouts[i] = slot.get(ValueLayout.ADDRESS, 0);
        return s;
    }

    private static int setInt(Arena call, MemorySegment desc, int attribute, int value) {
        return cublasLtMatmulDescSetAttribute(desc, attribute, call.allocateFrom(ValueLayout.JAVA_INT, value),
                Integer.BYTES);
    }

    private static int setPointer(Arena call, MemorySegment desc, int attribute, long devicePointer) {
        return cublasLtMatmulDescSetAttribute(desc, attribute, call.allocateFrom(ValueLayout.JAVA_LONG, devicePointer),
                Long.BYTES);
    }

    /** GEMMs run through this handle so far. */
    long calls() {
        return calls;
    }

    /** Where cuBLASLt was loaded from. */
    String library() {
        return library;
    }

    @Override
    public void close() {
        if (!arena.scope().isAlive()) return;
        try {
            int s = cublasLtDestroy(handle);
            if (s != CUBLAS_STATUS_SUCCESS) throw new CanalException("cublasLtDestroy failed: " + CublasGemm.statusName(s));
        } finally {
            arena.close();
        }
    }
}
