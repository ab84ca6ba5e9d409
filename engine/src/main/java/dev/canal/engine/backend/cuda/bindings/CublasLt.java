package dev.canal.engine.backend.cuda.bindings;

import static dev.canal.engine.backend.cuda.bindings.CTypes.*;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Map;

/**
 * cuBLASLt ({@code cublasLt.h}, {@code libcublasLt.so.13} or {@code .12}): block-scaled matmul (NVFP4 / FP8) on the GPUs whose tensor cores run it.
 *
 * <p>Written in jextract's shape (jextract is not part of the build): per function a {@code NAME$DESC}
 * descriptor, a {@code NAME$MH} downcall handle and a static method with the C name and C parameter names.
 * Where the header {@code #define}s a name to a versioned symbol ({@code cuMemAlloc} → {@code cuMemAlloc_v2})
 * the versioned symbol is bound, as a C program compiled against the header would. C types map as: enums and
 * {@code int}/{@code unsigned int} → {@code int}; {@code size_t}, {@code CUdeviceptr}, {@code (unsigned) long long}
 * → {@code long}; every pointer and handle → {@link MemorySegment}.
 */
public final class CublasLt {
    private static final Downcalls BINDER = new Downcalls(CudaLibraries.Library.CUBLAS_LT);

    // cublasStatus_t (cublas_api.h)
    public static final int CUBLAS_STATUS_SUCCESS = 0;
    public static final int CUBLAS_STATUS_NOT_SUPPORTED = 15;
    // cublasOperation_t (cublas_api.h)
    public static final int CUBLAS_OP_N = 0;
    public static final int CUBLAS_OP_T = 1;
    // cublasComputeType_t (cublas_api.h)
    public static final int CUBLAS_COMPUTE_32F = 68;
    // cudaDataType (library_types.h); the E4M3 code is also CUDA_R_8F_UE4M3, the unsigned NVFP4 block-scale type
    public static final int CUDA_R_32F = 0;
    public static final int CUDA_R_8F_E4M3 = 28;
    public static final int CUDA_R_4F_E2M1 = 33;
    // cublasLtMatmulDescAttributes_t
    public static final int CUBLASLT_MATMUL_DESC_POINTER_MODE = 2;
    public static final int CUBLASLT_MATMUL_DESC_TRANSA = 3;
    public static final int CUBLASLT_MATMUL_DESC_TRANSB = 4;
    public static final int CUBLASLT_MATMUL_DESC_A_SCALE_POINTER = 17;
    public static final int CUBLASLT_MATMUL_DESC_B_SCALE_POINTER = 18;
    public static final int CUBLASLT_MATMUL_DESC_A_SCALE_MODE = 31;
    public static final int CUBLASLT_MATMUL_DESC_B_SCALE_MODE = 32;
    // cublasLtPointerMode_t
    public static final int CUBLASLT_POINTER_MODE_HOST = 0;
    public static final int CUBLASLT_POINTER_MODE_DEVICE = 1;
    // cublasLtMatmulMatrixScale_t
    public static final int CUBLASLT_MATMUL_MATRIX_SCALE_SCALAR_32F = 0;
    public static final int CUBLASLT_MATMUL_MATRIX_SCALE_VEC16_UE4M3 = 1;

    private CublasLt() {
    }

    /** Every bound symbol with its descriptor, for the header check. */
    public static Map<String, FunctionDescriptor> descriptors() {
        return BINDER.descriptors();
    }

    public static final FunctionDescriptor cublasLtCreate$DESC = FunctionDescriptor.of(C_INT, C_POINTER);
    public static final MethodHandle cublasLtCreate$MH = BINDER.bind("cublasLtCreate", cublasLtCreate$DESC);

    /** {@code cublasStatus_t cublasLtCreate(cublasLtHandle_t *lightHandle)} */
    public static int cublasLtCreate(MemorySegment lightHandle) {
        try {
            return (int) cublasLtCreate$MH.invokeExact(lightHandle);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cublasLtDestroy$DESC = FunctionDescriptor.of(C_INT, C_POINTER);
    public static final MethodHandle cublasLtDestroy$MH = BINDER.bind("cublasLtDestroy", cublasLtDestroy$DESC);

    /** {@code cublasStatus_t cublasLtDestroy(cublasLtHandle_t lightHandle)} */
    public static int cublasLtDestroy(MemorySegment lightHandle) {
        try {
            return (int) cublasLtDestroy$MH.invokeExact(lightHandle);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cublasLtMatmul$DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_POINTER, C_POINTER, C_POINTER, C_POINTER, C_POINTER, C_POINTER, C_POINTER, C_POINTER, C_POINTER, C_POINTER, C_POINTER, C_POINTER, C_SIZE_T, C_POINTER);
    public static final MethodHandle cublasLtMatmul$MH = BINDER.bind("cublasLtMatmul", cublasLtMatmul$DESC);

    /** {@code cublasStatus_t cublasLtMatmul(cublasLtHandle_t lightHandle, cublasLtMatmulDesc_t computeDesc, const void *alpha, const void *A, cublasLtMatrixLayout_t Adesc, const void *B, cublasLtMatrixLayout_t Bdesc, const void *beta, const void *C, cublasLtMatrixLayout_t Cdesc, void *D, cublasLtMatrixLayout_t Ddesc, const cublasLtMatmulAlgo_t *algo, void *workspace, size_t workspaceSizeInBytes, cudaStream_t stream)} */
    public static int cublasLtMatmul(MemorySegment lightHandle, MemorySegment computeDesc, MemorySegment alpha, MemorySegment A, MemorySegment Adesc, MemorySegment B, MemorySegment Bdesc, MemorySegment beta, MemorySegment C, MemorySegment Cdesc, MemorySegment D, MemorySegment Ddesc, MemorySegment algo, MemorySegment workspace, long workspaceSizeInBytes, MemorySegment stream) {
        try {
            return (int) cublasLtMatmul$MH.invokeExact(lightHandle, computeDesc, alpha, A, Adesc, B, Bdesc, beta, C, Cdesc, D, Ddesc, algo, workspace, workspaceSizeInBytes, stream);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cublasLtMatmulDescCreate$DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_INT);
    public static final MethodHandle cublasLtMatmulDescCreate$MH = BINDER.bind("cublasLtMatmulDescCreate", cublasLtMatmulDescCreate$DESC);

    /** {@code cublasStatus_t cublasLtMatmulDescCreate(cublasLtMatmulDesc_t *matmulDesc, cublasComputeType_t computeType, cudaDataType_t scaleType)} */
    public static int cublasLtMatmulDescCreate(MemorySegment matmulDesc, int computeType, int scaleType) {
        try {
            return (int) cublasLtMatmulDescCreate$MH.invokeExact(matmulDesc, computeType, scaleType);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cublasLtMatmulDescDestroy$DESC = FunctionDescriptor.of(C_INT, C_POINTER);
    public static final MethodHandle cublasLtMatmulDescDestroy$MH = BINDER.bind("cublasLtMatmulDescDestroy", cublasLtMatmulDescDestroy$DESC);

    /** {@code cublasStatus_t cublasLtMatmulDescDestroy(cublasLtMatmulDesc_t matmulDesc)} */
    public static int cublasLtMatmulDescDestroy(MemorySegment matmulDesc) {
        try {
            return (int) cublasLtMatmulDescDestroy$MH.invokeExact(matmulDesc);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cublasLtMatmulDescSetAttribute$DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_POINTER, C_SIZE_T);
    public static final MethodHandle cublasLtMatmulDescSetAttribute$MH = BINDER.bind("cublasLtMatmulDescSetAttribute", cublasLtMatmulDescSetAttribute$DESC);

    /** {@code cublasStatus_t cublasLtMatmulDescSetAttribute(cublasLtMatmulDesc_t matmulDesc, cublasLtMatmulDescAttributes_t attr, const void *buf, size_t sizeInBytes)} */
    public static int cublasLtMatmulDescSetAttribute(MemorySegment matmulDesc, int attr, MemorySegment buf, long sizeInBytes) {
        try {
            return (int) cublasLtMatmulDescSetAttribute$MH.invokeExact(matmulDesc, attr, buf, sizeInBytes);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cublasLtMatrixLayoutCreate$DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_LONG_LONG, C_LONG_LONG, C_LONG_LONG);
    public static final MethodHandle cublasLtMatrixLayoutCreate$MH = BINDER.bind("cublasLtMatrixLayoutCreate", cublasLtMatrixLayoutCreate$DESC);

    /** {@code cublasStatus_t cublasLtMatrixLayoutCreate(cublasLtMatrixLayout_t *matLayout, cudaDataType type, uint64_t rows, uint64_t cols, int64_t ld)} */
    public static int cublasLtMatrixLayoutCreate(MemorySegment matLayout, int type, long rows, long cols, long ld) {
        try {
            return (int) cublasLtMatrixLayoutCreate$MH.invokeExact(matLayout, type, rows, cols, ld);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static final FunctionDescriptor cublasLtMatrixLayoutDestroy$DESC = FunctionDescriptor.of(C_INT, C_POINTER);
    public static final MethodHandle cublasLtMatrixLayoutDestroy$MH = BINDER.bind("cublasLtMatrixLayoutDestroy", cublasLtMatrixLayoutDestroy$DESC);

    /** {@code cublasStatus_t cublasLtMatrixLayoutDestroy(const cublasLtMatrixLayout_t matLayout)} */
    public static int cublasLtMatrixLayoutDestroy(MemorySegment matLayout) {
        try {
            return (int) cublasLtMatrixLayoutDestroy$MH.invokeExact(matLayout);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

}

