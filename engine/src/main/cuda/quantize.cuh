// The small kernels around cuBLASLt's narrow-precision prefill GEMMs (CublasLtGemm.java): tensor cores multiply
// FP8 by FP8 and FP4 by FP4, so the f32 activations are quantized on the GPU first, with a scale computed from
// their own maximum (dynamic quantization, as vLLM and TensorRT-LLM run FP8 W8A8 and NVFP4 W4A4 checkpoints).
// Decode keeps the GEMV kernels, which take the activations as floats.
#pragma once
#include "common.cuh"

namespace canal {

constexpr float FP8_E4M3_MAX = 448.0f;
constexpr float FP4_E2M1_MAX = 6.0f;
constexpr int NVFP4_BLOCK = 16;

// Where cuBLASLt reads the block scale of (row, block) in a scale matrix of paddedBlocks block columns: the
// "1D block scaling factors layout" of the cuBLAS docs. Rows are padded to 128 and block columns to 4; each
// 128 × 4 tile is 512 contiguous bytes, tiles ordered block-column-fastest; inside a tile row r sits at
// (r % 32) · 16 + (r / 32) · 4, so the 4 scales of rows r, r + 32, r + 64, r + 96 are 16 contiguous bytes.
__device__ __forceinline__ long long block_scale_offset(int row, int block, int paddedBlocks) {
    long long tile = (long long)(row / 128) * (paddedBlocks / 4) + block / 4;
    return tile * 512 + (row % 32) * 16 + ((row % 128) / 32) * 4 + block % 4;
}

// The largest |x| of the whole activation matrix from its per-row maxima: every block of the quantize kernels
// recomputes it (rows floats each) rather than wait on a grid-wide reduction.
__device__ __forceinline__ float tensor_amax(const float* rowAmax, int rows) {
    float m = 0.0f;
    for (int r = threadIdx.x; r < rows; r += blockDim.x) m = fmaxf(m, rowAmax[r]);
    return block_max(m);
}

// f32 → E4M3 code, round to nearest even, saturating at ±448 (NaN → 0x7f): the hardware cvt on sm_89+.
__device__ __forceinline__ uint8_t to_e4m3(float v) {
    return (uint8_t)__nv_cvt_float_to_fp8(v, __NV_SATFINITE, __NV_E4M3);
}

__device__ __forceinline__ float from_e4m3(uint8_t code) {
    return __half2float(__half(__nv_cvt_fp8_to_halfraw((__nv_fp8_storage_t)code, __NV_E4M3)));
}

// f32 → E2M1 code (±{0, 0.5, 1, 1.5, 2, 3, 4, 6}), round to nearest, ties to the even code, saturating at ±6; the
// sign bit follows the float's (NaN → 0). By comparisons, so every SM and the emulator round alike.
__device__ __forceinline__ uint8_t to_e2m1(float v) {
    float a = fabsf(v);
    uint8_t code;
    if (!(a > 0.25f)) code = 0;
    else if (a < 0.75f) code = 1;
    else if (a <= 1.25f) code = 2;
    else if (a < 1.75f) code = 3;
    else if (a <= 2.5f) code = 4;
    else if (a < 3.5f) code = 5;
    else if (a <= 5.0f) code = 6;
    else code = 7;
    return (__float_as_uint(v) >> 31) && !(v != v) ? (uint8_t)(code | 8) : code;
}

} // namespace canal

// rowAmax[r] = max |x[r, :]|; grid = rows, any block size that is a multiple of 32.
CANAL_KERNEL void canal_amax_rows_f32(float* rowAmax, const float* x, int cols) {
    const float* row = x + (long long)blockIdx.x * cols;
    float m = 0.0f;
    for (int i = threadIdx.x; i < cols; i += blockDim.x) m = fmaxf(m, fabsf(row[i]));
    m = canal::block_max(m);
    if (threadIdx.x == 0) rowAmax[blockIdx.x] = m;
}

// FP8 E4M3 activations with one dynamic scale for the tensor: scale = amax / 448 (1 for an all-zero x), q = x / scale
// rounded to E4M3. cuBLASLt multiplies the product back by *scale (its B_SCALE_POINTER). Grid-stride over
// rows · cols; block 0 writes the scale.
CANAL_KERNEL void canal_quantize_fp8_e4m3(uint8_t* q, float* scale, const float* rowAmax, const float* x, int rows,
                                         int cols) {
    float amax = canal::tensor_amax(rowAmax, rows);
    float s = amax > 0.0f ? amax / canal::FP8_E4M3_MAX : 1.0f;
    if (blockIdx.x == 0 && threadIdx.x == 0) *scale = s;
    long long n = (long long)rows * cols;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        q[i] = canal::to_e4m3(x[i] / s);
    }
}

// y[r, o] *= scale[o]: the per-output-channel weight scales of an FP8 checkpoint, applied after cuBLASLt's product
// (its per-tensor scale modes take one float per operand). Grid-stride over rows · cols.
CANAL_KERNEL void canal_scale_columns_f32(float* y, const float* scale, int cols, long long n) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        y[i] *= scale[i % cols];
    }
}

// NVFP4 activations as ModelOpt quantizes them: a tensor scale g = amax / (448 · 6), and per block of 16 inputs an
// E4M3 scale s = e4m3(blockAmax / 6 / g); elements are e2m1(x / (s · g)), two per byte, the even element in the low
// nibble. The block scales go straight into cuBLASLt's tiled layout (block_scale_offset), padding slots zeroed;
// alphaBeta[0] = g · weightGlobal and alphaBeta[1] = 0, which cuBLASLt reads in device pointer mode. One thread per
// (padded row, padded block column) slot, grid-stride; cols a multiple of 16.
CANAL_KERNEL void canal_quantize_nvfp4(uint8_t* q, uint8_t* scales, float* alphaBeta, const float* rowAmax,
                                       const float* x, int rows, int cols, int paddedRows, int paddedBlocks,
                                       float weightGlobal) {
    float amax = canal::tensor_amax(rowAmax, rows);
    float g = amax > 0.0f ? amax / (canal::FP8_E4M3_MAX * canal::FP4_E2M1_MAX) : 1.0f;
    if (blockIdx.x == 0 && threadIdx.x == 0) {
        alphaBeta[0] = g * weightGlobal;
        alphaBeta[1] = 0.0f;
    }
    int blocks = cols / canal::NVFP4_BLOCK;
    long long slots = (long long)paddedRows * paddedBlocks;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < slots; i += (long long)gridDim.x * blockDim.x) {
        int r = (int)(i / paddedBlocks), b = (int)(i % paddedBlocks);
        long long at = canal::block_scale_offset(r, b, paddedBlocks);
        if (r >= rows || b >= blocks) {
            scales[at] = 0;
            continue;
        }
        const float* v = x + (long long)r * cols + b * canal::NVFP4_BLOCK;
        float m = 0.0f;
        for (int k = 0; k < canal::NVFP4_BLOCK; k++) m = fmaxf(m, fabsf(v[k]));
        uint8_t sc = canal::to_e4m3(m / canal::FP4_E2M1_MAX / g);
        scales[at] = sc;
        float unit = canal::from_e4m3(sc) * g;
        uint8_t* out = q + ((long long)r * cols + b * canal::NVFP4_BLOCK) / 2;
        for (int k = 0; k < canal::NVFP4_BLOCK; k += 2) {
            uint8_t lo = unit > 0.0f ? canal::to_e2m1(v[k] / unit) : 0;
            uint8_t hi = unit > 0.0f ? canal::to_e2m1(v[k + 1] / unit) : 0;
            out[k / 2] = (uint8_t)(lo | (hi << 4));
        }
    }
}

// A weight's E4M3 block scales [rows, blocks] (row-major, as the checkpoint stores them) rearranged once, at load,
// into cuBLASLt's tiled layout of paddedRows × paddedBlocks slots, padding zeroed. One thread per slot.
CANAL_KERNEL void canal_swizzle_block_scales(uint8_t* out, const uint8_t* scales, int rows, int blocks,
                                             int paddedRows, int paddedBlocks) {
    long long slots = (long long)paddedRows * paddedBlocks;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < slots; i += (long long)gridDim.x * blockDim.x) {
        int r = (int)(i / paddedBlocks), b = (int)(i % paddedBlocks);
        out[canal::block_scale_offset(r, b, paddedBlocks)] =
                r < rows && b < blocks ? scales[(long long)r * blocks + b] : (uint8_t)0;
    }
}
