// A CPU emulator of the cuBLASLt subset canal uses (bindings/CublasLt.java, CublasLtGemm.java), built as
// libcublasLt.so.13 next to the emulated libcuda.so.1 for tests only: the CUDA backend's FP8 and NVFP4 prefill path
// runs on a machine without a GPU. It emulates exactly two matmuls, as the cuBLAS docs define them, and refuses
// everything else with an error status rather than guess:
//
//   FP8:   A, B CUDA_R_8F_E4M3; C = D CUDA_R_32F; CUBLAS_COMPUTE_32F, scale type CUDA_R_32F; scale modes SCALAR_32F
//          (the default); D = alpha · scaleA · scaleB · op(A) · op(B) + beta · C, an unset scale pointer meaning 1.
//   NVFP4: A, B CUDA_R_4F_E2M1 (two codes a byte, the element of lower index in the low nibble); scale modes
//          VEC16_UE4M3 on both, the scale pointers mandatory: one unsigned E4M3 scale per 16 consecutive elements
//          along K, stored in the docs' "1D block scaling factors layout" (decoded below from the formula, so a
//          scale array in any other order gives a wrong product); D = alpha · Σ_blocks scaleA · scaleB · (block
//          dot product) + beta · C.
//
// Both need the "TN" layout the docs require for these types (TRANSA = T, TRANSB = N), 16-byte aligned pointers
// and leading dimensions of whole 16-byte rows (CUBLAS_STATUS_NOT_SUPPORTED otherwise, as a GPU's heuristic finds no
// algorithm), and an emulated SM with the tensor cores: 89 or newer for FP8, 100 or newer for FP4
// (CANAL_CUDA_EMU_SM; CUBLAS_STATUS_NOT_SUPPORTED below). Pointer mode host or device (alpha and beta read from
// device memory). algo must be NULL (the implicit heuristic). Operands, scales and workspace must lie in device
// memory (cuda_emu_memory.h): CUBLAS_STATUS_EXECUTION_FAILED and a line on stderr otherwise. The reference loop
// accumulates in float; work runs at once on the calling thread.
#include <library_types.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <set>

#include "cuda_emu_memory.h"

extern "C" {

typedef enum {
    CUBLAS_STATUS_SUCCESS = 0,
    CUBLAS_STATUS_NOT_INITIALIZED = 1,
    CUBLAS_STATUS_INVALID_VALUE = 7,
    CUBLAS_STATUS_EXECUTION_FAILED = 13,
    CUBLAS_STATUS_NOT_SUPPORTED = 15
} cublasStatus_t;

typedef int cublasComputeType_t; // CUBLAS_COMPUTE_32F = 68

struct cublasLtContext;
struct cublasLtMatmulDescOpaque;
struct cublasLtMatrixLayoutOpaque;
typedef struct cublasLtContext* cublasLtHandle_t;
typedef struct cublasLtMatmulDescOpaque* cublasLtMatmulDesc_t;
typedef struct cublasLtMatrixLayoutOpaque* cublasLtMatrixLayout_t;
struct CUstream_st;
typedef struct CUstream_st* cudaStream_t;
struct cublasLtMatmulAlgo_t;

cublasStatus_t cublasLtCreate(cublasLtHandle_t* lightHandle);
cublasStatus_t cublasLtDestroy(cublasLtHandle_t lightHandle);
cublasStatus_t cublasLtMatmulDescCreate(cublasLtMatmulDesc_t* matmulDesc, cublasComputeType_t computeType,
                                        cudaDataType_t scaleType);
cublasStatus_t cublasLtMatmulDescDestroy(cublasLtMatmulDesc_t matmulDesc);
cublasStatus_t cublasLtMatmulDescSetAttribute(cublasLtMatmulDesc_t matmulDesc, int attr, const void* buf,
                                              size_t sizeInBytes);
cublasStatus_t cublasLtMatrixLayoutCreate(cublasLtMatrixLayout_t* matLayout, cudaDataType type, uint64_t rows,
                                          uint64_t cols, int64_t ld);
cublasStatus_t cublasLtMatrixLayoutDestroy(const cublasLtMatrixLayout_t matLayout);
cublasStatus_t cublasLtMatmul(cublasLtHandle_t lightHandle, cublasLtMatmulDesc_t computeDesc, const void* alpha,
                              const void* A, cublasLtMatrixLayout_t Adesc, const void* B, cublasLtMatrixLayout_t Bdesc,
                              const void* beta, const void* C, cublasLtMatrixLayout_t Cdesc, void* D,
                              cublasLtMatrixLayout_t Ddesc, const cublasLtMatmulAlgo_t* algo, void* workspace,
                              size_t workspaceSizeInBytes, cudaStream_t stream);

} // extern "C"

namespace {

constexpr int COMPUTE_32F = 68;
constexpr int OP_N = 0, OP_T = 1, OP_C = 2;
// cublasLtMatmulDescAttributes_t: the ones the emulator reads; others it knows of but does not emulate
constexpr int ATTR_POINTER_MODE = 2, ATTR_TRANSA = 3, ATTR_TRANSB = 4, ATTR_A_SCALE_POINTER = 17,
              ATTR_B_SCALE_POINTER = 18, ATTR_A_SCALE_MODE = 31, ATTR_B_SCALE_MODE = 32, ATTR_LAST = 37;
constexpr int POINTER_MODE_HOST = 0, POINTER_MODE_DEVICE = 1, POINTER_MODE_LAST = 4;
constexpr int SCALE_SCALAR_32F = 0, SCALE_VEC16_UE4M3 = 1, SCALE_LAST = 6;

} // namespace

struct cublasLtContext {};

struct cublasLtMatmulDescOpaque {
    int computeType;
    cudaDataType_t scaleType;
    int pointerMode = POINTER_MODE_HOST;
    int transa = OP_N, transb = OP_N;
    const void* aScale = nullptr;
    const void* bScale = nullptr;
    int aScaleMode = SCALE_SCALAR_32F, bScaleMode = SCALE_SCALAR_32F;
};

struct cublasLtMatrixLayoutOpaque {
    cudaDataType type;
    uint64_t rows, cols;
    int64_t ld;
};

namespace {

std::mutex lock;
std::set<cublasLtHandle_t> handles;
std::set<cublasLtMatmulDesc_t> descs;
std::set<cublasLtMatrixLayout_t> layouts;

// The E4M3 value of a code: 4 exponent bits (bias 7), 3 mantissa bits, S.1111.111 NaN. As a UE4M3 block scale the
// sign bit is not read (the docs' unsigned type).
float e4m3(uint8_t code) {
    int e = (code >> 3) & 15, m = code & 7;
    if (e == 15 && m == 7) return NAN;
    float v = e == 0 ? std::ldexp(m / 8.0f, -6) : std::ldexp(1.0f + m / 8.0f, e - 7);
    return (code & 0x80) ? -v : v;
}

float e2m1(uint8_t code) {
    static const float values[8] = {0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 6.0f};
    float v = values[code & 7];
    return (code & 8) ? -v : v;
}

// The docs' 1D block scaling factors layout: (outer, block) of a scale matrix whose block columns are padded to a
// multiple of 4 and outer rows to 128, in 128 × 4 tiles of 512 bytes, tiles ordered block-column-fastest, inside a
// tile outer row r at (r % 32) · 16 + (r % 128 / 32) · 4 and block column b at b % 4.
size_t blockScaleOffset(uint64_t outer, uint64_t block, uint64_t paddedBlocks) {
    return (size_t)(((outer / 128) * (paddedBlocks / 4) + block / 4) * 512 + (outer % 32) * 16
                    + ((outer % 128) / 32) * 4 + block % 4);
}

uint64_t roundUp(uint64_t n, uint64_t to) {
    return (n + to - 1) / to * to;
}

bool inDeviceMemory(const char* what, const void* p, size_t bytes) {
    if (canal_emu_device_range((unsigned long long)(uintptr_t)p, bytes)) return true;
    std::fprintf(stderr, "canal cuda emulator: cublasLtMatmul operand %s: [%p, +%zu) is not device memory\n", what, p,
                 bytes);
    return false;
}

bool aligned16(const void* p) {
    return ((uintptr_t)p & 15) == 0;
}

// Bytes of a column-major rows × cols matrix with leading dimension ld (elements) of the given type.
size_t spanBytes(const cublasLtMatrixLayoutOpaque& l) {
    if (l.rows == 0 || l.cols == 0) return 0;
    uint64_t elements = (uint64_t)l.ld * (l.cols - 1) + l.rows;
    switch (l.type) {
        case CUDA_R_4F_E2M1: return (size_t)((elements + 1) / 2);
        case CUDA_R_8F_E4M3: return (size_t)elements;
        default: return (size_t)elements * 4;
    }
}

// Element p of column i of a K-contiguous narrow operand (column-major k × cols, ld in elements).
float narrow(const uint8_t* base, cudaDataType type, int64_t ld, uint64_t p, uint64_t i) {
    uint64_t at = (uint64_t)ld * i + p;
    if (type == CUDA_R_8F_E4M3) return e4m3(base[at]);
    uint8_t byte = base[at / 2];
    return e2m1((at & 1) ? (uint8_t)(byte >> 4) : (uint8_t)(byte & 15));
}

cublasStatus_t matmul(cublasLtHandle_t handle, cublasLtMatmulDesc_t desc, const void* alpha, const void* A,
                      cublasLtMatrixLayout_t Adesc, const void* B, cublasLtMatrixLayout_t Bdesc, const void* beta,
                      const void* C, cublasLtMatrixLayout_t Cdesc, void* D, cublasLtMatrixLayout_t Ddesc,
                      const cublasLtMatmulAlgo_t* algo, void* workspace, size_t workspaceBytes) {
    if (handles.count(handle) == 0) return CUBLAS_STATUS_NOT_INITIALIZED;
    if (descs.count(desc) == 0 || layouts.count(Adesc) == 0 || layouts.count(Bdesc) == 0 || layouts.count(Cdesc) == 0
            || layouts.count(Ddesc) == 0 || alpha == nullptr || beta == nullptr) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    if (algo != nullptr) return CUBLAS_STATUS_NOT_SUPPORTED; // the emulator has only the implicit heuristic
    const cublasLtMatmulDescOpaque& d = *desc;
    const cublasLtMatrixLayoutOpaque &a = *Adesc, &b = *Bdesc, &c = *Cdesc, &dl = *Ddesc;
    cudaDataType type = a.type;
    if (b.type != type || (type != CUDA_R_8F_E4M3 && type != CUDA_R_4F_E2M1)) return CUBLAS_STATUS_NOT_SUPPORTED;
    if (c.type != CUDA_R_32F || dl.type != CUDA_R_32F) return CUBLAS_STATUS_NOT_SUPPORTED;
    if (d.computeType != COMPUTE_32F || d.scaleType != CUDA_R_32F) return CUBLAS_STATUS_NOT_SUPPORTED;
    if (d.transa != OP_T || d.transb != OP_N) return CUBLAS_STATUS_NOT_SUPPORTED; // FP8 / FP4 kernels are TN only
    bool fp4 = type == CUDA_R_4F_E2M1;
    int sm = canal_emu_sm();
    if (sm < (fp4 ? 100 : 89)) return CUBLAS_STATUS_NOT_SUPPORTED; // no such tensor cores on this SM
    // op(A) = Aᵀ is m × k, so A is stored k × m; op(B) = B is k × n; D is m × n
    uint64_t k = a.rows, m = a.cols, n = b.cols;
    if (b.rows != k || dl.rows != m || dl.cols != n || c.rows != m || c.cols != n) return CUBLAS_STATUS_INVALID_VALUE;
    if (a.ld < (int64_t)k || b.ld < (int64_t)k || dl.ld < (int64_t)m || c.ld < (int64_t)m || a.ld < 1 || b.ld < 1
            || dl.ld < 1 || c.ld < 1) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    int wantMode = fp4 ? SCALE_VEC16_UE4M3 : SCALE_SCALAR_32F;
    if (d.aScaleMode != wantMode || d.bScaleMode != wantMode) return CUBLAS_STATUS_NOT_SUPPORTED;
    if (fp4 && (d.aScale == nullptr || d.bScale == nullptr)) return CUBLAS_STATUS_INVALID_VALUE;
    if (fp4 && k % 16 != 0) return CUBLAS_STATUS_INVALID_VALUE;
    // 16-byte aligned pointers and rows: the alignment every FP8 / FP4 kernel needs
    uint64_t rowBytesA = fp4 ? (uint64_t)a.ld / 2 : (uint64_t)a.ld, rowBytesB = fp4 ? (uint64_t)b.ld / 2 : (uint64_t)b.ld;
    if ((fp4 && (a.ld % 2 != 0 || b.ld % 2 != 0)) || rowBytesA % 16 != 0 || rowBytesB % 16 != 0 || dl.ld % 4 != 0
            || c.ld % 4 != 0 || !aligned16(A) || !aligned16(B) || !aligned16(C) || !aligned16(D)) {
        return CUBLAS_STATUS_NOT_SUPPORTED;
    }
    if (d.pointerMode != POINTER_MODE_HOST && d.pointerMode != POINTER_MODE_DEVICE) return CUBLAS_STATUS_NOT_SUPPORTED;
    if (d.pointerMode == POINTER_MODE_DEVICE
            && (!inDeviceMemory("alpha", alpha, 4) || !inDeviceMemory("beta", beta, 4))) {
        return CUBLAS_STATUS_EXECUTION_FAILED;
    }
    float al = *static_cast<const float*>(alpha), be = *static_cast<const float*>(beta);
    uint64_t blocks = k / 16, paddedBlocks = roundUp(blocks, 4);
    size_t aScaleBytes = fp4 ? (size_t)(roundUp(m, 128) * paddedBlocks) : 4;
    size_t bScaleBytes = fp4 ? (size_t)(roundUp(n, 128) * paddedBlocks) : 4;
    if (!inDeviceMemory("A", A, spanBytes(a)) || !inDeviceMemory("B", B, spanBytes(b))
            || !inDeviceMemory("D", D, spanBytes(dl)) || (be != 0.0f && !inDeviceMemory("C", C, spanBytes(c)))
            || (d.aScale != nullptr && !inDeviceMemory("A scale", d.aScale, aScaleBytes))
            || (d.bScale != nullptr && !inDeviceMemory("B scale", d.bScale, bScaleBytes))
            || (workspaceBytes > 0 && !inDeviceMemory("workspace", workspace, workspaceBytes))) {
        return CUBLAS_STATUS_EXECUTION_FAILED;
    }
    const uint8_t* pa = static_cast<const uint8_t*>(A);
    const uint8_t* pb = static_cast<const uint8_t*>(B);
    const uint8_t* sa = static_cast<const uint8_t*>(d.aScale);
    const uint8_t* sb = static_cast<const uint8_t*>(d.bScale);
    float scalar = 1.0f;
    if (!fp4) {
        if (d.aScale != nullptr) scalar *= *static_cast<const float*>(d.aScale);
        if (d.bScale != nullptr) scalar *= *static_cast<const float*>(d.bScale);
    }
    for (uint64_t j = 0; j < n; j++) {
        for (uint64_t i = 0; i < m; i++) {
            float acc = 0.0f;
            if (fp4) {
                for (uint64_t blk = 0; blk < blocks; blk++) {
                    float part = 0.0f;
                    for (uint64_t p = blk * 16; p < blk * 16 + 16; p++) {
                        part += narrow(pa, type, a.ld, p, i) * narrow(pb, type, b.ld, p, j);
                    }
                    float scaleA = e4m3(sa[blockScaleOffset(i, blk, paddedBlocks)] & 0x7f);
                    float scaleB = e4m3(sb[blockScaleOffset(j, blk, paddedBlocks)] & 0x7f);
                    acc += scaleA * scaleB * part;
                }
            } else {
                for (uint64_t p = 0; p < k; p++) acc += narrow(pa, type, a.ld, p, i) * narrow(pb, type, b.ld, p, j);
                acc *= scalar;
            }
            float v = al * acc;
            float* out = static_cast<float*>(D) + j * dl.ld + i;
            if (be != 0.0f) v += be * static_cast<const float*>(C)[j * c.ld + i];
            *out = v;
        }
    }
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t readInt(const void* buf, size_t size, int* value) {
    if (size != sizeof(int32_t)) return CUBLAS_STATUS_INVALID_VALUE;
    *value = *static_cast<const int32_t*>(buf);
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t readPointer(const void* buf, size_t size, const void** value) {
    if (size != sizeof(void*)) return CUBLAS_STATUS_INVALID_VALUE;
    *value = *static_cast<const void* const*>(buf);
    return CUBLAS_STATUS_SUCCESS;
}

} // namespace

extern "C" {

cublasStatus_t cublasLtCreate(cublasLtHandle_t* lightHandle) {
    if (lightHandle == nullptr) return CUBLAS_STATUS_INVALID_VALUE;
    if (!canal_emu_initialized()) return CUBLAS_STATUS_NOT_INITIALIZED;
    std::lock_guard<std::mutex> guard(lock);
    cublasLtHandle_t h = new cublasLtContext();
    handles.insert(h);
    *lightHandle = h;
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasLtDestroy(cublasLtHandle_t lightHandle) {
    std::lock_guard<std::mutex> guard(lock);
    if (handles.erase(lightHandle) == 0) return CUBLAS_STATUS_NOT_INITIALIZED;
    delete lightHandle;
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasLtMatmulDescCreate(cublasLtMatmulDesc_t* matmulDesc, cublasComputeType_t computeType,
                                        cudaDataType_t scaleType) {
    if (matmulDesc == nullptr) return CUBLAS_STATUS_INVALID_VALUE;
    std::lock_guard<std::mutex> guard(lock);
    cublasLtMatmulDesc_t desc = new cublasLtMatmulDescOpaque();
    desc->computeType = computeType;
    desc->scaleType = scaleType;
    descs.insert(desc);
    *matmulDesc = desc;
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasLtMatmulDescDestroy(cublasLtMatmulDesc_t matmulDesc) {
    std::lock_guard<std::mutex> guard(lock);
    if (descs.erase(matmulDesc) == 0) return CUBLAS_STATUS_INVALID_VALUE;
    delete matmulDesc;
    return CUBLAS_STATUS_SUCCESS;
}

// The value is copied, as cuBLASLt documents. Attributes the emulator does not emulate (epilogues, bias, amax, fast
// accumulation, …) are refused with NOT_SUPPORTED rather than recorded and ignored.
cublasStatus_t cublasLtMatmulDescSetAttribute(cublasLtMatmulDesc_t matmulDesc, int attr, const void* buf,
                                              size_t sizeInBytes) {
    std::lock_guard<std::mutex> guard(lock);
    if (descs.count(matmulDesc) == 0 || buf == nullptr || attr < 0 || attr > ATTR_LAST) return CUBLAS_STATUS_INVALID_VALUE;
    cublasLtMatmulDescOpaque& d = *matmulDesc;
    int v = 0;
    cublasStatus_t s;
    switch (attr) {
        case ATTR_POINTER_MODE:
            if ((s = readInt(buf, sizeInBytes, &v)) != CUBLAS_STATUS_SUCCESS) return s;
            if (v < POINTER_MODE_HOST || v > POINTER_MODE_LAST) return CUBLAS_STATUS_INVALID_VALUE;
            if (v != POINTER_MODE_HOST && v != POINTER_MODE_DEVICE) return CUBLAS_STATUS_NOT_SUPPORTED;
            d.pointerMode = v;
            return CUBLAS_STATUS_SUCCESS;
        case ATTR_TRANSA:
        case ATTR_TRANSB:
            if ((s = readInt(buf, sizeInBytes, &v)) != CUBLAS_STATUS_SUCCESS) return s;
            if (v != OP_N && v != OP_T && v != OP_C) return CUBLAS_STATUS_INVALID_VALUE;
            (attr == ATTR_TRANSA ? d.transa : d.transb) = v;
            return CUBLAS_STATUS_SUCCESS;
        case ATTR_A_SCALE_POINTER:
            return readPointer(buf, sizeInBytes, &d.aScale);
        case ATTR_B_SCALE_POINTER:
            return readPointer(buf, sizeInBytes, &d.bScale);
        case ATTR_A_SCALE_MODE:
        case ATTR_B_SCALE_MODE:
            if ((s = readInt(buf, sizeInBytes, &v)) != CUBLAS_STATUS_SUCCESS) return s;
            if (v < SCALE_SCALAR_32F || v > SCALE_LAST) return CUBLAS_STATUS_INVALID_VALUE;
            (attr == ATTR_A_SCALE_MODE ? d.aScaleMode : d.bScaleMode) = v; // checked against the types at matmul
            return CUBLAS_STATUS_SUCCESS;
        default:
            return CUBLAS_STATUS_NOT_SUPPORTED;
    }
}

cublasStatus_t cublasLtMatrixLayoutCreate(cublasLtMatrixLayout_t* matLayout, cudaDataType type, uint64_t rows,
                                          uint64_t cols, int64_t ld) {
    if (matLayout == nullptr) return CUBLAS_STATUS_INVALID_VALUE;
    std::lock_guard<std::mutex> guard(lock);
    cublasLtMatrixLayout_t l = new cublasLtMatrixLayoutOpaque{type, rows, cols, ld};
    layouts.insert(l);
    *matLayout = l;
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasLtMatrixLayoutDestroy(const cublasLtMatrixLayout_t matLayout) {
    std::lock_guard<std::mutex> guard(lock);
    if (layouts.erase(matLayout) == 0) return CUBLAS_STATUS_INVALID_VALUE;
    delete matLayout;
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasLtMatmul(cublasLtHandle_t lightHandle, cublasLtMatmulDesc_t computeDesc, const void* alpha,
                              const void* A, cublasLtMatrixLayout_t Adesc, const void* B, cublasLtMatrixLayout_t Bdesc,
                              const void* beta, const void* C, cublasLtMatrixLayout_t Cdesc, void* D,
                              cublasLtMatrixLayout_t Ddesc, const cublasLtMatmulAlgo_t* algo, void* workspace,
                              size_t workspaceSizeInBytes, cudaStream_t) {
    std::lock_guard<std::mutex> guard(lock);
    return matmul(lightHandle, computeDesc, alpha, A, Adesc, B, Bdesc, beta, C, Cdesc, D, Ddesc, algo, workspace,
                  workspaceSizeInBytes);
}

} // extern "C"
