package dev.canal.engine.backend.cuda.bindings;

import static dev.canal.engine.backend.cuda.bindings.CTypes.*;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Map;

/**
 * cuBLAS ({@code cublas_api.h}, {@code libcublas.so.13} or {@code .12}): dense GEMM for prefill and batched matmul.
 *
 * <p>Written in jextract's shape (jextract is not part of the build): per function a {@code NAME$DESC}
 * descriptor, a {@code NAME$MH} downcall handle and a static method with the C name and C parameter names.
 * Where the header {@code #define}s a name to a versioned symbol ({@code cuMemAlloc} → {@code cuMemAlloc_v2})
 * the versioned symbol is bound, as a C program compiled against the header would. C types map as: enums and
 * {@code int}/{@code unsigned int} → {@code int}; {@code size_t}, {@code CUdeviceptr}, {@code (unsigned) long long}
 * → {@code long}; every pointer and handle → {@link MemorySegment}.
 */
public final class Cublas {
    private static final Downcalls BINDER = new Downcalls(CudaLibraries.Library.CUBLAS);

    // cublasStatus_t
    public static final int CUBLAS_STATUS_SUCCESS = 0;
    // cublasOperation_t
    public static final int CUBLAS_OP_N = 0;
    public static final int CUBLAS_OP_T = 1;
    // cublasMath_t
    public static final int CUBLAS_DEFAULT_MATH = 0;
    public static final int CUBLAS_TF32_TENSOR_OP_MATH = 3;
    // cublasComputeType_t
    public static final int CUBLAS_COMPUTE_32F = 68;
    // cublasGemmAlgo_t
    public static final int CUBLAS_GEMM_DEFAULT = -1;
    // cudaDataType (library_types.h)
    public static final int CUDA_R_32F = 0;
    public static final int CUDA_R_16F = 2;
    public static final int CUDA_R_16BF = 14;


    private Cublas() {
    }

    /** Every bound symbol with its descriptor, for the header check. */
    public static Map<String, FunctionDescriptor> descriptors() {
        return BINDER.descriptors();
    }

    public static final FunctionDescriptor cublasCreate_v2$DESC = FunctionDescriptor.of(C_INT, C_POINTER);
    public static final MethodHandle cublasCreate_v2$MH = BINDER.bind("cublasCreate_v2", cublasCreate_v2$DESC);

    /** {@code cublasStatus_t cublasCreate_v2(cublasHandle_t *handle)} */
    public static int cublasCreate_v2(MemorySegment handle) {
        try {
            return (int) cublasCreate_v2$MH.invokeExact(handle);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cublasDestroy_v2$DESC = FunctionDescriptor.of(C_INT, C_POINTER);
    public static final MethodHandle cublasDestroy_v2$MH = BINDER.bind("cublasDestroy_v2", cublasDestroy_v2$DESC);

    /** {@code cublasStatus_t cublasDestroy_v2(cublasHandle_t handle)} */
    public static int cublasDestroy_v2(MemorySegment handle) {
        try {
            return (int) cublasDestroy_v2$MH.invokeExact(handle);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cublasSetStream_v2$DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER);
    public static final MethodHandle cublasSetStream_v2$MH = BINDER.bind("cublasSetStream_v2", cublasSetStream_v2$DESC);

    /** {@code cublasStatus_t cublasSetStream_v2(cublasHandle_t handle, cudaStream_t streamId)} */
    public static int cublasSetStream_v2(MemorySegment handle, MemorySegment streamId) {
        try {
            return (int) cublasSetStream_v2$MH.invokeExact(handle, streamId);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cublasSetMathMode$DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_INT);
    public static final MethodHandle cublasSetMathMode$MH = BINDER.bind("cublasSetMathMode", cublasSetMathMode$DESC);

    /** {@code cublasStatus_t cublasSetMathMode(cublasHandle_t handle, cublasMath_t mode)} */
    public static int cublasSetMathMode(MemorySegment handle, int mode) {
        try {
            return (int) cublasSetMathMode$MH.invokeExact(handle, mode);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cublasGemmEx$DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_INT, C_INT, C_INT, C_INT, C_POINTER, C_POINTER, C_INT, C_INT, C_POINTER, C_INT, C_INT, C_POINTER, C_POINTER, C_INT, C_INT, C_INT, C_INT);
    public static final MethodHandle cublasGemmEx$MH = BINDER.bind("cublasGemmEx", cublasGemmEx$DESC);

    /** {@code cublasStatus_t cublasGemmEx(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k, const void *alpha, const void *A, cudaDataType Atype, int lda, const void *B, cudaDataType Btype, int ldb, const void *beta, void *C, cudaDataType Ctype, int ldc, cublasComputeType_t computeType, cublasGemmAlgo_t algo)} */
    public static int cublasGemmEx(MemorySegment handle, int transa, int transb, int m, int n, int k, MemorySegment alpha, MemorySegment A, int Atype, int lda, MemorySegment B, int Btype, int ldb, MemorySegment beta, MemorySegment C, int Ctype, int ldc, int computeType, int algo) {
        try {
            return (int) cublasGemmEx$MH.invokeExact(handle, transa, transb, m, n, k, alpha, A, Atype, lda, B, Btype, ldb, beta, C, Ctype, ldc, computeType, algo);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cublasGemmStridedBatchedEx$DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_INT, C_INT, C_INT, C_INT, C_POINTER, C_POINTER, C_INT, C_INT, C_LONG_LONG, C_POINTER, C_INT, C_INT, C_LONG_LONG, C_POINTER, C_POINTER, C_INT, C_INT, C_LONG_LONG, C_INT, C_INT, C_INT);
    public static final MethodHandle cublasGemmStridedBatchedEx$MH = BINDER.bind("cublasGemmStridedBatchedEx", cublasGemmStridedBatchedEx$DESC);

    /** {@code cublasStatus_t cublasGemmStridedBatchedEx(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k, const void *alpha, const void *A, cudaDataType Atype, int lda, long long int strideA, const void *B, cudaDataType Btype, int ldb, long long int strideB, const void *beta, void *C, cudaDataType Ctype, int ldc, long long int strideC, int batchCount, cublasComputeType_t computeType, cublasGemmAlgo_t algo)} */
    public static int cublasGemmStridedBatchedEx(MemorySegment handle, int transa, int transb, int m, int n, int k, MemorySegment alpha, MemorySegment A, int Atype, int lda, long strideA, MemorySegment B, int Btype, int ldb, long strideB, MemorySegment beta, MemorySegment C, int Ctype, int ldc, long strideC, int batchCount, int computeType, int algo) {
        try {
            return (int) cublasGemmStridedBatchedEx$MH.invokeExact(handle, transa, transb, m, n, k, alpha, A, Atype, lda, strideA, B, Btype, ldb, strideB, beta, C, Ctype, ldc, strideC, batchCount, computeType, algo);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

}

