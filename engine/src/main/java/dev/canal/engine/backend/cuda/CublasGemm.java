package dev.canal.engine.backend.cuda;

import static dev.canal.engine.backend.cuda.bindings.Cublas.*;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.backend.cuda.bindings.CudaLibraries;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Optional;

/**
 * One cuBLAS handle for the backend's prefill matmuls. It runs on the legacy default stream, as canal's kernels and
 * copies do, so its GEMMs are ordered with them without events. Where cuBLAS cannot be used (the library is missing,
 * or it refuses a handle) {@link #unavailable} says why, and the backend keeps its GEMV kernels.
 *
 * <p>Needs the backend's context current on the calling thread: cuBLAS's runtime attaches to it when the handle is
 * made.
 */
final class CublasGemm implements AutoCloseable {
    private final Arena arena; // the handle's slot and the scalars, which cuBLAS reads from host memory
    private final MemorySegment handle;
    private final MemorySegment one;
    private final MemorySegment zero;
    private final String library;
    private long calls;

    private CublasGemm(Arena arena, MemorySegment handle, String library) {
        this.arena = arena;
        this.handle = handle;
        this.one = arena.allocateFrom(ValueLayout.JAVA_FLOAT, 1f);
        this.zero = arena.allocateFrom(ValueLayout.JAVA_FLOAT, 0f);
        this.library = library;
    }

    /** A handle, or why there is none. */
    record Opened(Optional<CublasGemm> gemm, String reason) { }

    /** Makes a handle on the current context; never throws for want of cuBLAS, it says why instead. */
    static Opened open() {
        CudaLibraries.Status status = CudaLibraries.status(CudaLibraries.Library.CUBLAS);
        if (!status.available()) return new Opened(Optional.empty(), status.reason());
        String from = status.loadedFrom().orElseThrow();
        Arena arena = Arena.ofShared();
        try {
            MemorySegment slot = arena.allocate(ValueLayout.ADDRESS);
            int created = cublasCreate_v2(slot);
            if (created != CUBLAS_STATUS_SUCCESS) {
                arena.close();
                return new Opened(Optional.empty(), "cuBLAS: cublasCreate failed: " + statusName(created) + " ("
                        + from + ")");
            }
            CublasGemm gemm = new CublasGemm(arena, slot.get(ValueLayout.ADDRESS, 0), from);
            try {
                // NULL is the legacy default stream the backend launches on
                gemm.check(cublasSetStream_v2(gemm.handle, MemorySegment.NULL), "cublasSetStream");
                // Default math: no TF32 for F32 weights, whose prefill keeps the float products their GEMV has
                gemm.check(cublasSetMathMode(gemm.handle, CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
            } catch (CanalException e) {
                gemm.close();
                return new Opened(Optional.empty(), "cuBLAS: " + e.getMessage());
            }
            return new Opened(Optional.of(gemm), "cuBLAS: loaded " + from);
        } catch (CanalException e) { // a symbol this binding needs is missing from the installed version
            arena.close();
            return new Opened(Optional.empty(), "cuBLAS: " + e.getMessage());
        }
    }

    /**
     * y[rows, out] = x[rows, in] · W[out, in]ᵀ, all row-major device arrays, W and x of cuBLAS type {@code type}
     * ({@code CUDA_R_32F}, {@code _16F} or {@code _16BF}), y float. cuBLAS is column-major: it reads row-major W as
     * the in × out matrix Wᵀ (leading dimension in), x as in × rows, and writes the out × rows column-major C that
     * is y row-major. So C = op(A) · op(B) with A = W transposed back (OP_T) and B = x as it is (OP_N):
     * m = out, n = rows, k = in, lda = ldb = in, ldc = out. {@code tensor} names W in an error.
     */
    void multiply(String tensor, long y, long w, long x, int type, int rows, int in, int out) {
        int status = cublasGemmEx(handle, CUBLAS_OP_T, CUBLAS_OP_N, out, rows, in, one, MemorySegment.ofAddress(w),
                type, in, MemorySegment.ofAddress(x), type, in, zero, MemorySegment.ofAddress(y), CUDA_R_32F, out,
                CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
        check(status, "tensor " + tensor + ": cublasGemmEx(OP_T, OP_N, m=" + out + ", n=" + rows + ", k=" + in + ", "
                + typeName(type) + ")");
        calls++;
    }

    /** GEMMs run through this handle so far. */
    long calls() {
        return calls;
    }

    /** Where cuBLAS was loaded from. */
    String library() {
        return library;
    }

    @Override
    public void close() {
        if (!arena.scope().isAlive()) return;
        try {
            check(cublasDestroy_v2(handle), "cublasDestroy");
        } finally {
            arena.close();
        }
    }

    private void check(int status, String call) {
        if (status != CUBLAS_STATUS_SUCCESS) throw new CanalException(call + " failed: " + statusName(status));
    }

    private static String typeName(int type) {
        return switch (type) {
            case CUDA_R_32F -> "CUDA_R_32F";
            case CUDA_R_16F -> "CUDA_R_16F";
            case CUDA_R_16BF -> "CUDA_R_16BF";
            default -> "cudaDataType " + type;
        };
    }

    /** cublasStatus_t's name (cublas_api.h), with the number. */
    static String statusName(int status) {
        String name = switch (status) {
            case 0 -> "CUBLAS_STATUS_SUCCESS";
            case 1 -> "CUBLAS_STATUS_NOT_INITIALIZED";
            case 3 -> "CUBLAS_STATUS_ALLOC_FAILED";
            case 7 -> "CUBLAS_STATUS_INVALID_VALUE";
            case 8 -> "CUBLAS_STATUS_ARCH_MISMATCH";
            case 11 -> "CUBLAS_STATUS_MAPPING_ERROR";
            case 13 -> "CUBLAS_STATUS_EXECUTION_FAILED";
            case 14 -> "CUBLAS_STATUS_INTERNAL_ERROR";
            case 15 -> "CUBLAS_STATUS_NOT_SUPPORTED";
            case 16 -> "CUBLAS_STATUS_LICENSE_ERROR";
            default -> "cublasStatus_t";
        };
        return name + " (" + status + ")";
    }
}
