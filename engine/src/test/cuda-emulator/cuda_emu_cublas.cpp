// A CPU emulator of the cuBLAS subset canal binds (bindings/Cublas.java), built as libcublas.so.13 next to the
// emulated libcuda.so.1 for tests only: the CUDA backend's cuBLAS path (handle, stream, math mode, GemmEx) runs on a
// machine without a GPU. The GEMM is a plain reference loop with float accumulation: it checks what canal asks
// cuBLAS for (operation, shapes, leading dimensions, types), not cuBLAS's speed or its summation order.
//
// The prototypes are those of cublas_api.h (CUDA 13), declared here because the toolkit's cuBLAS headers are a
// separate package; cudaDataType comes from library_types.h, which every toolkit has. Arguments are validated as
// cuBLAS documents: CUBLAS_STATUS_NOT_INITIALIZED for a handle that is not live, CUBLAS_STATUS_INVALID_VALUE for a
// negative dimension, an unknown operation, a leading dimension below its minimum or a NULL scalar, and
// CUBLAS_STATUS_NOT_SUPPORTED for a type combination this emulator does not multiply. Operands must lie in device
// memory (the driver's allocations, see cuda_emu_memory.h): a GEMM that would read or write outside them fails
// with CUBLAS_STATUS_EXECUTION_FAILED and a line on stderr, where a GPU would fault.
//
// Pointer mode is host (cuBLAS's default; canal never sets it): alpha and beta are host floats for the 32F compute
// types. Work runs at once, on the calling thread, whatever stream the handle has: every emulated call is
// synchronous.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <library_types.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <set>

#include "cuda_emu_memory.h"

extern "C" {

typedef enum {
    CUBLAS_STATUS_SUCCESS = 0,
    CUBLAS_STATUS_NOT_INITIALIZED = 1,
    CUBLAS_STATUS_ALLOC_FAILED = 3,
    CUBLAS_STATUS_INVALID_VALUE = 7,
    CUBLAS_STATUS_ARCH_MISMATCH = 8,
    CUBLAS_STATUS_MAPPING_ERROR = 11,
    CUBLAS_STATUS_EXECUTION_FAILED = 13,
    CUBLAS_STATUS_INTERNAL_ERROR = 14,
    CUBLAS_STATUS_NOT_SUPPORTED = 15,
    CUBLAS_STATUS_LICENSE_ERROR = 16
} cublasStatus_t;

typedef enum { CUBLAS_OP_N = 0, CUBLAS_OP_T = 1, CUBLAS_OP_C = 2, CUBLAS_OP_CONJG = 3 } cublasOperation_t;

typedef enum {
    CUBLAS_DEFAULT_MATH = 0,
    CUBLAS_TENSOR_OP_MATH = 1,
    CUBLAS_PEDANTIC_MATH = 2,
    CUBLAS_TF32_TENSOR_OP_MATH = 3,
    CUBLAS_FP32_EMULATED_BF16X9_MATH = 4,
    CUBLAS_MATH_DISALLOW_REDUCED_PRECISION_REDUCTION = 16
} cublasMath_t;

typedef enum {
    CUBLAS_COMPUTE_16F = 64,
    CUBLAS_COMPUTE_16F_PEDANTIC = 65,
    CUBLAS_COMPUTE_32F = 68,
    CUBLAS_COMPUTE_32F_PEDANTIC = 69,
    CUBLAS_COMPUTE_64F = 70,
    CUBLAS_COMPUTE_64F_PEDANTIC = 71,
    CUBLAS_COMPUTE_32I = 72,
    CUBLAS_COMPUTE_32I_PEDANTIC = 73,
    CUBLAS_COMPUTE_32F_FAST_16F = 74,
    CUBLAS_COMPUTE_32F_FAST_16BF = 75,
    CUBLAS_COMPUTE_32F_FAST_TF32 = 77,
    CUBLAS_COMPUTE_32F_EMULATED_16BFX9 = 78
} cublasComputeType_t;

// CUBLAS_GEMM_DEFAULT = -1, CUBLAS_GEMM_ALGO0..23 = 0..23, CUBLAS_GEMM_DEFAULT_TENSOR_OP = 99,
// CUBLAS_GEMM_ALGO0_TENSOR_OP..ALGO15_TENSOR_OP = 100..115, CUBLAS_GEMM_AUTOTUNE = 999.
typedef int cublasGemmAlgo_t;

struct cublasContext;
typedef struct cublasContext* cublasHandle_t;
struct CUstream_st;
typedef struct CUstream_st* cudaStream_t;

cublasStatus_t cublasCreate_v2(cublasHandle_t* handle);
cublasStatus_t cublasDestroy_v2(cublasHandle_t handle);
cublasStatus_t cublasSetStream_v2(cublasHandle_t handle, cudaStream_t streamId);
cublasStatus_t cublasSetMathMode(cublasHandle_t handle, cublasMath_t mode);
cublasStatus_t cublasGemmEx(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n,
                            int k, const void* alpha, const void* A, cudaDataType Atype, int lda, const void* B,
                            cudaDataType Btype, int ldb, const void* beta, void* C, cudaDataType Ctype, int ldc,
                            cublasComputeType_t computeType, cublasGemmAlgo_t algo);
cublasStatus_t cublasGemmStridedBatchedEx(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb,
                                          int m, int n, int k, const void* alpha, const void* A, cudaDataType Atype,
                                          int lda, long long int strideA, const void* B, cudaDataType Btype, int ldb,
                                          long long int strideB, const void* beta, void* C, cudaDataType Ctype,
                                          int ldc, long long int strideC, int batchCount,
                                          cublasComputeType_t computeType, cublasGemmAlgo_t algo);

} // extern "C"

struct cublasContext {
    cudaStream_t stream = nullptr;
    cublasMath_t mathMode = CUBLAS_DEFAULT_MATH;
};

namespace {

std::mutex lock; // the JVM may call from several threads; the emulator runs one call at a time
std::set<cublasHandle_t> handles; // live handles: a destroyed or made-up one is refused

bool live(cublasHandle_t handle) {
    return handle != nullptr && handles.count(handle) == 1;
}

size_t elementBytes(cudaDataType type) {
    return type == CUDA_R_32F ? 4 : 2;
}

float load(const void* base, cudaDataType type, size_t i) {
    switch (type) {
        case CUDA_R_16F: return __half2float(static_cast<const __half*>(base)[i]);
        case CUDA_R_16BF: return __bfloat162float(static_cast<const __nv_bfloat16*>(base)[i]);
        default: return static_cast<const float*>(base)[i];
    }
}

void store(void* base, cudaDataType type, size_t i, float v) {
    switch (type) {
        case CUDA_R_16F: static_cast<__half*>(base)[i] = __float2half_rn(v); break;
        case CUDA_R_16BF: static_cast<__nv_bfloat16*>(base)[i] = __float2bfloat16_rn(v); break;
        default: static_cast<float*>(base)[i] = v; break;
    }
}

bool operation(cublasOperation_t op) {
    return op == CUBLAS_OP_N || op == CUBLAS_OP_T || op == CUBLAS_OP_C;
}

bool knownComputeType(cublasComputeType_t t) {
    return (t >= CUBLAS_COMPUTE_16F && t <= CUBLAS_COMPUTE_32F_FAST_16BF && t != 66 && t != 67)
            || t == CUBLAS_COMPUTE_32F_FAST_TF32 || t == CUBLAS_COMPUTE_32F_EMULATED_16BFX9;
}

bool knownAlgo(cublasGemmAlgo_t algo) {
    return (algo >= -1 && algo <= 23) || (algo >= 99 && algo <= 115) || algo == 999;
}

// The real-valued combinations of cuBLAS's GemmEx table this emulator multiplies, all with float scalars: 16F·16F
// into 16F or 32F and 16BF·16BF into 16BF or 32F under COMPUTE_32F(_PEDANTIC); 32F·32F into 32F under every 32F
// compute type (the FAST ones allow down-converted inputs: computing exactly is within what they promise).
bool supported(cudaDataType a, cudaDataType b, cudaDataType c, cublasComputeType_t compute) {
    if (a != b) return false;
    bool plain32F = compute == CUBLAS_COMPUTE_32F || compute == CUBLAS_COMPUTE_32F_PEDANTIC;
    bool any32F = plain32F || compute == CUBLAS_COMPUTE_32F_FAST_16F || compute == CUBLAS_COMPUTE_32F_FAST_16BF
            || compute == CUBLAS_COMPUTE_32F_FAST_TF32 || compute == CUBLAS_COMPUTE_32F_EMULATED_16BFX9;
    if (a == CUDA_R_32F) return c == CUDA_R_32F && any32F;
    if (a == CUDA_R_16F) return (c == CUDA_R_16F || c == CUDA_R_32F) && plain32F;
    if (a == CUDA_R_16BF) return (c == CUDA_R_16BF || c == CUDA_R_32F) && plain32F;
    return false;
}

// Elements a column-major rows × cols matrix with leading dimension ld spans: the last column's last element + 1.
size_t span(long long rows, long long cols, long long ld) {
    return rows == 0 || cols == 0 ? 0 : (size_t)(ld * (cols - 1) + rows);
}

// The checks cuBLAS documents for GemmEx, in its order of status codes.
cublasStatus_t validate(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n,
                        int k, const void* alpha, cudaDataType Atype, int lda, cudaDataType Btype, int ldb,
                        const void* beta, cudaDataType Ctype, int ldc, cublasComputeType_t computeType,
                        cublasGemmAlgo_t algo) {
    if (!live(handle)) return CUBLAS_STATUS_NOT_INITIALIZED;
    if (m < 0 || n < 0 || k < 0 || !operation(transa) || !operation(transb)) return CUBLAS_STATUS_INVALID_VALUE;
    // op(A) is m × k: stored m × k (N) or k × m (T); op(B) is k × n: stored k × n (N) or n × k (T).
    if (lda < std::max(1, transa == CUBLAS_OP_N ? m : k)) return CUBLAS_STATUS_INVALID_VALUE;
    if (ldb < std::max(1, transb == CUBLAS_OP_N ? k : n)) return CUBLAS_STATUS_INVALID_VALUE;
    if (ldc < std::max(1, m)) return CUBLAS_STATUS_INVALID_VALUE;
    if (alpha == nullptr || beta == nullptr) return CUBLAS_STATUS_INVALID_VALUE;
    if (!knownComputeType(computeType) || !knownAlgo(algo)) return CUBLAS_STATUS_INVALID_VALUE;
    if (!supported(Atype, Btype, Ctype, computeType)) return CUBLAS_STATUS_NOT_SUPPORTED;
    return CUBLAS_STATUS_SUCCESS;
}

bool inDeviceMemory(const char* what, const void* p, size_t bytes, int batch) {
    if (canal_emu_device_range((unsigned long long)(uintptr_t)p, bytes)) return true;
    std::fprintf(stderr, "canal cuda emulator: cuBLAS GEMM operand %s of batch %d: [%p, +%zu) is not device memory\n",
                 what, batch, p, bytes);
    return false;
}

// C = alpha · op(A) · op(B) + beta · C, all column-major; beta == 0 overwrites C without reading it (BLAS's rule,
// so uninitialised C memory holding NaN does not leak into the product).
void gemm(cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k, float alpha, const void* A,
          cudaDataType Atype, int lda, const void* B, cudaDataType Btype, int ldb, float beta, void* C,
          cudaDataType Ctype, int ldc) {
    for (int j = 0; j < n; j++) {
        for (int i = 0; i < m; i++) {
            float acc = 0.0f;
            for (int p = 0; p < k; p++) {
                size_t a = transa == CUBLAS_OP_N ? (size_t)p * lda + i : (size_t)i * lda + p;
                size_t b = transb == CUBLAS_OP_N ? (size_t)j * ldb + p : (size_t)p * ldb + j;
                acc += load(A, Atype, a) * load(B, Btype, b);
            }
            size_t c = (size_t)j * ldc + i;
            float v = alpha * acc;
            if (beta != 0.0f) v += beta * load(C, Ctype, c);
            store(C, Ctype, c, v);
        }
    }
}

cublasStatus_t batched(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k,
                       const void* alpha, const void* A, cudaDataType Atype, int lda, long long strideA,
                       const void* B, cudaDataType Btype, int ldb, long long strideB, const void* beta, void* C,
                       cudaDataType Ctype, int ldc, long long strideC, int batchCount,
                       cublasComputeType_t computeType, cublasGemmAlgo_t algo) {
    std::lock_guard<std::mutex> guard(lock);
    cublasStatus_t status = validate(handle, transa, transb, m, n, k, alpha, Atype, lda, Btype, ldb, beta, Ctype,
                                     ldc, computeType, algo);
    if (status != CUBLAS_STATUS_SUCCESS) return status;
    if (batchCount < 0) return CUBLAS_STATUS_INVALID_VALUE;
    if (m == 0 || n == 0 || batchCount == 0) return CUBLAS_STATUS_SUCCESS;
    float a = *static_cast<const float*>(alpha), b = *static_cast<const float*>(beta);
    // what each GEMM reads and writes: A and B only when there is a product to take, C always
    bool product = k > 0 && a != 0.0f;
    size_t aBytes = product ? span(transa == CUBLAS_OP_N ? m : k, transa == CUBLAS_OP_N ? k : m, lda)
            * elementBytes(Atype) : 0;
    size_t bBytes = product ? span(transb == CUBLAS_OP_N ? k : n, transb == CUBLAS_OP_N ? n : k, ldb)
            * elementBytes(Btype) : 0;
    size_t cBytes = span(m, n, ldc) * elementBytes(Ctype);
    for (int i = 0; i < batchCount; i++) {
        const char* ai = static_cast<const char*>(A) + i * strideA * (long long)elementBytes(Atype);
        const char* bi = static_cast<const char*>(B) + i * strideB * (long long)elementBytes(Btype);
        char* ci = static_cast<char*>(C) + i * strideC * (long long)elementBytes(Ctype);
        if (!inDeviceMemory("A", ai, aBytes, i) || !inDeviceMemory("B", bi, bBytes, i)
                || !inDeviceMemory("C", ci, cBytes, i)) {
            return CUBLAS_STATUS_EXECUTION_FAILED;
        }
        gemm(transa, transb, m, n, product ? k : 0, a, ai, Atype, lda, bi, Btype, ldb, b, ci, Ctype, ldc);
    }
    return CUBLAS_STATUS_SUCCESS;
}

} // namespace

extern "C" {

cublasStatus_t cublasCreate_v2(cublasHandle_t* handle) {
    if (handle == nullptr) return CUBLAS_STATUS_INVALID_VALUE;
    // cuBLAS initialises the CUDA runtime on the current device: without cuInit there is none
    if (!canal_emu_initialized()) return CUBLAS_STATUS_NOT_INITIALIZED;
    std::lock_guard<std::mutex> guard(lock);
    cublasHandle_t h = new cublasContext();
    handles.insert(h);
    *handle = h;
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasDestroy_v2(cublasHandle_t handle) {
    std::lock_guard<std::mutex> guard(lock);
    if (!live(handle)) return CUBLAS_STATUS_NOT_INITIALIZED;
    handles.erase(handle);
    delete handle;
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasSetStream_v2(cublasHandle_t handle, cudaStream_t streamId) {
    std::lock_guard<std::mutex> guard(lock);
    if (!live(handle)) return CUBLAS_STATUS_NOT_INITIALIZED;
    handle->stream = streamId; // NULL is the default stream; work runs at once either way
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasSetMathMode(cublasHandle_t handle, cublasMath_t mode) {
    std::lock_guard<std::mutex> guard(lock);
    if (!live(handle)) return CUBLAS_STATUS_NOT_INITIALIZED;
    int base = mode & ~CUBLAS_MATH_DISALLOW_REDUCED_PRECISION_REDUCTION;
    if (base < CUBLAS_DEFAULT_MATH || base > CUBLAS_FP32_EMULATED_BF16X9_MATH) return CUBLAS_STATUS_INVALID_VALUE;
    handle->mathMode = mode; // recorded only: the emulator always computes in float
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasGemmEx(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n,
                            int k, const void* alpha, const void* A, cudaDataType Atype, int lda, const void* B,
                            cudaDataType Btype, int ldb, const void* beta, void* C, cudaDataType Ctype, int ldc,
                            cublasComputeType_t computeType, cublasGemmAlgo_t algo) {
    return batched(handle, transa, transb, m, n, k, alpha, A, Atype, lda, 0, B, Btype, ldb, 0, beta, C, Ctype, ldc, 0,
                   1, computeType, algo);
}

cublasStatus_t cublasGemmStridedBatchedEx(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb,
                                          int m, int n, int k, const void* alpha, const void* A, cudaDataType Atype,
                                          int lda, long long int strideA, const void* B, cudaDataType Btype, int ldb,
                                          long long int strideB, const void* beta, void* C, cudaDataType Ctype,
                                          int ldc, long long int strideC, int batchCount,
                                          cublasComputeType_t computeType, cublasGemmAlgo_t algo) {
    return batched(handle, transa, transb, m, n, k, alpha, A, Atype, lda, strideA, B, Btype, ldb, strideB, beta, C,
                   Ctype, ldc, strideC, batchCount, computeType, algo);
}

} // extern "C"
