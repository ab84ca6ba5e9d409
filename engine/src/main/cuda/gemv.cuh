// Matrix-vector products for decode: y[r][o] = Σ_i x[r][i] · W[o][i] with W row-major [out][in] (Hugging Face
// Linear layout) and float32 accumulation. One warp per output; grid = (ceil(out / warpsPerBlock), rows),
// block = 32 · warpsPerBlock. For prefill the dense formats go to cuBLAS and the quantized ones to their
// canal_gemm_* launch, which decodes each weight block once for several rows.
#pragma once
#include "common.cuh"

namespace canal {

template <bool BF16>
__device__ __forceinline__ float decode16(uint32_t bits) {
    return BF16 ? bf16_bits_to_float((uint16_t)bits) : f16_bits_to_float((uint16_t)bits);
}

template <bool BF16>
__device__ __forceinline__ void gemv16(float* y, const uint16_t* w, const float* x, int in, int out) {
    int lane = threadIdx.x % WARP;
    int o = blockIdx.x * (blockDim.x / WARP) + threadIdx.x / WARP;
    if (o >= out) return; // the whole warp leaves together: o is per warp
    const uint16_t* wr = w + (size_t)o * in;
    const float* xr = x + (size_t)blockIdx.y * in;
    float acc = 0.0f;
    // 16-byte loads when rows are aligned: mapped safetensors give no alignment promise, so check.
    bool vector = in % 8 == 0 && ((uintptr_t)wr & 15) == 0 && ((uintptr_t)xr & 15) == 0;
    if (vector) {
        for (int i = lane * 8; i < in; i += WARP * 8) {
            uint4 p = *reinterpret_cast<const uint4*>(wr + i);
            float4 a = *reinterpret_cast<const float4*>(xr + i);
            float4 b = *reinterpret_cast<const float4*>(xr + i + 4);
            acc += decode16<BF16>(p.x & 0xffff) * a.x + decode16<BF16>(p.x >> 16) * a.y
                 + decode16<BF16>(p.y & 0xffff) * a.z + decode16<BF16>(p.y >> 16) * a.w
                 + decode16<BF16>(p.z & 0xffff) * b.x + decode16<BF16>(p.z >> 16) * b.y
                 + decode16<BF16>(p.w & 0xffff) * b.z + decode16<BF16>(p.w >> 16) * b.w;
        }
    } else {
        for (int i = lane; i < in; i += WARP) acc += decode16<BF16>(wr[i]) * xr[i];
    }
    acc = warp_sum(acc);
    if (lane == 0) y[(size_t)blockIdx.y * out + o] = acc;
}

} // namespace canal

// F32 weights (small models, tests): the same warp-per-output scheme with 16-byte loads when aligned.
CANAL_KERNEL void canal_gemv_f32(float* y, const float* w, const float* x, int in, int out) {
    int lane = threadIdx.x % canal::WARP;
    int o = blockIdx.x * (blockDim.x / canal::WARP) + threadIdx.x / canal::WARP;
    if (o >= out) return;
    const float* wr = w + (size_t)o * in;
    const float* xr = x + (size_t)blockIdx.y * in;
    float acc = 0.0f;
    bool vector = in % 4 == 0 && ((uintptr_t)wr & 15) == 0 && ((uintptr_t)xr & 15) == 0;
    if (vector) {
        for (int i = lane * 4; i < in; i += canal::WARP * 4) {
            float4 a = *reinterpret_cast<const float4*>(wr + i);
            float4 b = *reinterpret_cast<const float4*>(xr + i);
            acc += a.x * b.x + a.y * b.y + a.z * b.z + a.w * b.w;
        }
    } else {
        for (int i = lane; i < in; i += canal::WARP) acc += wr[i] * xr[i];
    }
    acc = canal::warp_sum(acc);
    if (lane == 0) y[(size_t)blockIdx.y * out + o] = acc;
}

CANAL_KERNEL void canal_gemv_f16(float* y, const uint16_t* w, const float* x, int in, int out) {
    canal::gemv16<false>(y, w, x, in, out);
}

CANAL_KERNEL void canal_gemv_bf16(float* y, const uint16_t* w, const float* x, int in, int out) {
    canal::gemv16<true>(y, w, x, in, out);
}

namespace canal {

// The quantized formats below come in two launches of one template each: canal_gemv_* takes one activation row
// per grid row (decode; R = 1), canal_gemm_* takes GEMM_ROWS rows per grid row (prefill), so a warp decodes each
// weight block once for GEMM_ROWS rows instead of once per row: grid = (ceil(out / warpsPerBlock),
// ceil(rows / GEMM_ROWS)). A row group's lanes keep one accumulator per row.
constexpr int GEMM_ROWS = 8;

// Reduces a warp's per-row partial sums and writes the rows of the group that exist.
template <int R>
__device__ __forceinline__ void store_rows(float* y, float (&acc)[R], int out, int o, int r0, int rows, float scale) {
    int lane = threadIdx.x % WARP;
#pragma unroll
    for (int r = 0; r < R; r++) {
        float v = warp_sum(acc[r]);
        if (lane == 0 && r0 + r < rows) y[(size_t)(r0 + r) * out + o] = v * scale;
    }
}

// ggml Q8_0: blocks of 32 weights, each 34 bytes: f16 scale d, then 32 int8 q; w = d · q. in % 32 == 0.
// A lane takes whole blocks; the warp's lanes read 32 consecutive blocks, so the warp reads contiguous bytes.
template <int R>
__device__ void q8_0_rows(float* y, const uint8_t* w, const float* x, int in, int out, int rows) {
    int lane = threadIdx.x % WARP;
    int o = blockIdx.x * (blockDim.x / WARP) + threadIdx.x / WARP;
    if (o >= out) return;
    int r0 = blockIdx.y * R;
    int blocks = in / 32;
    const uint8_t* wr = w + (size_t)o * blocks * 34;
    float acc[R];
#pragma unroll
    for (int r = 0; r < R; r++) acc[r] = 0.0f;
    for (int b = lane; b < blocks; b += WARP) {
        const uint8_t* block = wr + (size_t)b * 34;
        float d = f16_bits_to_float((uint16_t)(block[0] | (block[1] << 8)));
        const int8_t* q = reinterpret_cast<const int8_t*>(block + 2);
        float wq[32];
#pragma unroll
        for (int j = 0; j < 32; j++) wq[j] = (float)q[j];
#pragma unroll
        for (int r = 0; r < R; r++) {
            if (r0 + r >= rows) break;
            const float* xb = x + (size_t)(r0 + r) * in + b * 32;
            float s = 0.0f;
#pragma unroll
            for (int j = 0; j < 32; j++) s += wq[j] * xb[j];
            acc[r] += d * s;
        }
    }
    store_rows<R>(y, acc, out, o, r0, rows, 1.0f);
}

// ggml Q4_0: blocks of 32 weights, each 18 bytes: f16 scale d, then 16 bytes; byte j holds weight j in its low
// nibble and weight j + 16 in its high nibble, both stored as q + 8; w = d · (nibble − 8). in % 32 == 0.
template <int R>
__device__ void q4_0_rows(float* y, const uint8_t* w, const float* x, int in, int out, int rows) {
    int lane = threadIdx.x % WARP;
    int o = blockIdx.x * (blockDim.x / WARP) + threadIdx.x / WARP;
    if (o >= out) return;
    int r0 = blockIdx.y * R;
    int blocks = in / 32;
    const uint8_t* wr = w + (size_t)o * blocks * 18;
    float acc[R];
#pragma unroll
    for (int r = 0; r < R; r++) acc[r] = 0.0f;
    for (int b = lane; b < blocks; b += WARP) {
        const uint8_t* block = wr + (size_t)b * 18;
        float d = f16_bits_to_float((uint16_t)(block[0] | (block[1] << 8)));
        float lo[16], hi[16];
#pragma unroll
        for (int j = 0; j < 16; j++) {
            int byte = block[2 + j];
            lo[j] = (float)((byte & 0x0f) - 8);
            hi[j] = (float)((byte >> 4) - 8);
        }
#pragma unroll
        for (int r = 0; r < R; r++) {
            if (r0 + r >= rows) break;
            const float* xb = x + (size_t)(r0 + r) * in + b * 32;
            float s = 0.0f;
#pragma unroll
            for (int j = 0; j < 16; j++) s += lo[j] * xb[j] + hi[j] * xb[j + 16];
            acc[r] += d * s;
        }
    }
    store_rows<R>(y, acc, out, o, r0, rows, 1.0f);
}

// E4M3 → float through half: the e4m3 → half conversion is one hardware instruction on sm_89 and newer and a
// software sequence below. e4m3x4 decodes 4 weights from 4 bytes (little-endian: the first weight in the low byte).
__device__ __forceinline__ float e4m3(uint8_t bits) {
    return __half2float(__half(__nv_cvt_fp8_to_halfraw((__nv_fp8_storage_t)bits, __NV_E4M3)));
}

__device__ __forceinline__ void e4m3x4(uint32_t p, float2& lo, float2& hi) {
    lo = __half22float2(__half2(__nv_cvt_fp8x2_to_halfraw2((__nv_fp8x2_storage_t)(p & 0xffff), __NV_E4M3)));
    hi = __half22float2(__half2(__nv_cvt_fp8x2_to_halfraw2((__nv_fp8x2_storage_t)(p >> 16), __NV_E4M3)));
}

// FP8 E4M3 weights [out][in] with a float32 scale per tensor (perChannel == 0: scale[0]) or per output row.
template <int R>
__device__ void fp8_rows(float* y, const uint8_t* w, const float* scale, int perChannel, const float* x, int in,
                         int out, int rows) {
    int lane = threadIdx.x % WARP;
    int o = blockIdx.x * (blockDim.x / WARP) + threadIdx.x / WARP;
    if (o >= out) return;
    int r0 = blockIdx.y * R;
    const uint8_t* wr = w + (size_t)o * in;
    float acc[R];
#pragma unroll
    for (int r = 0; r < R; r++) acc[r] = 0.0f;
    bool vector = in % 4 == 0 && ((uintptr_t)wr & 3) == 0 && ((uintptr_t)x & 15) == 0;
    if (vector) {
        for (int i = lane * 4; i < in; i += WARP * 4) {
            float2 l, h;
            e4m3x4(*reinterpret_cast<const uint32_t*>(wr + i), l, h);
#pragma unroll
            for (int r = 0; r < R; r++) {
                if (r0 + r >= rows) break;
                float4 a = *reinterpret_cast<const float4*>(x + (size_t)(r0 + r) * in + i);
                acc[r] += l.x * a.x + l.y * a.y + h.x * a.z + h.y * a.w;
            }
        }
    } else {
        for (int i = lane; i < in; i += WARP) {
            float v = e4m3(wr[i]);
#pragma unroll
            for (int r = 0; r < R; r++) {
                if (r0 + r >= rows) break;
                acc[r] += v * x[(size_t)(r0 + r) * in + i];
            }
        }
    }
    store_rows<R>(y, acc, out, o, r0, rows, scale[perChannel ? o : 0]);
}

// Adds each row's block sum times the block's scale to its total, and starts the next block's sums at zero.
template <int R>
__device__ __forceinline__ void settle_block(float (&acc)[R], float (&part)[R], float scale) {
#pragma unroll
    for (int r = 0; r < R; r++) {
        acc[r] += part[r] * scale;
        part[r] = 0.0f;
    }
}

// Moves a lane to the block holding column i: settles the block summed so far, takes i's block scale and end.
// The division runs once per block a lane enters, not per weight.
template <int R>
__device__ __forceinline__ void enter_block(int i, int blockCols, const float* rowScales, float (&acc)[R],
                                            float (&part)[R], float& scale, int& blockEnd) {
    settle_block<R>(acc, part, scale);
    int b = i / blockCols;
    scale = rowScales[b];
    blockEnd = (b + 1) * blockCols;
}

// FP8 E4M3 weights [out][in] with a float32 scale per blockRows × blockCols tile, row-major
// [ceil(out / blockRows)][ceil(in / blockCols)]: DeepSeek / Qwen3 "fp8" 128 × 128 weight_scale_inv,
// compressed-tensors "block", and "group" (1 × group). Partial tiles at the right and bottom edges are allowed.
// A lane sums the products of one block apart and multiplies that sum by the block's scale when it moves past the
// block, so the scale costs a multiply per block a lane visits rather than per weight. The 4-byte vector path needs
// blockCols % 4 == 0 so that no 4 weights straddle two blocks; other shapes take the scalar path.
template <int R>
__device__ void fp8_block_rows(float* y, const uint8_t* w, const float* scale, int blockRows, int blockCols,
                               const float* x, int in, int out, int rows) {
    int lane = threadIdx.x % WARP;
    int o = blockIdx.x * (blockDim.x / WARP) + threadIdx.x / WARP;
    if (o >= out) return;
    int r0 = blockIdx.y * R;
    const uint8_t* wr = w + (size_t)o * in;
    const float* sr = scale + (size_t)(o / blockRows) * ((in + blockCols - 1) / blockCols);
    float acc[R], part[R];
#pragma unroll
    for (int r = 0; r < R; r++) acc[r] = part[r] = 0.0f;
    float s = 0.0f;   // the scale of the block part[] is summing
    int blockEnd = 0; // the first column past that block: 0 makes the first column open one
    bool vector = in % 4 == 0 && blockCols % 4 == 0 && ((uintptr_t)wr & 3) == 0 && ((uintptr_t)x & 15) == 0;
    if (vector) {
        for (int i = lane * 4; i < in; i += WARP * 4) {
            if (i >= blockEnd) enter_block<R>(i, blockCols, sr, acc, part, s, blockEnd);
            float2 l, h;
            e4m3x4(*reinterpret_cast<const uint32_t*>(wr + i), l, h);
#pragma unroll
            for (int r = 0; r < R; r++) {
                if (r0 + r >= rows) break;
                float4 a = *reinterpret_cast<const float4*>(x + (size_t)(r0 + r) * in + i);
                part[r] += l.x * a.x + l.y * a.y + h.x * a.z + h.y * a.w;
            }
        }
    } else {
        for (int i = lane; i < in; i += WARP) {
            if (i >= blockEnd) enter_block<R>(i, blockCols, sr, acc, part, s, blockEnd);
            float v = e4m3(wr[i]);
#pragma unroll
            for (int r = 0; r < R; r++) {
                if (r0 + r >= rows) break;
                part[r] += v * x[(size_t)(r0 + r) * in + i];
            }
        }
    }
    settle_block<R>(acc, part, s);
    store_rows<R>(y, acc, out, o, r0, rows, 1.0f);
}

// NVFP4 (ModelOpt): weights [out][in/2] bytes, element 2k in the low nibble and 2k + 1 in the high one, each
// E2M1 (sign bit 3, values 0 0.5 1 1.5 2 3 4 6); an E4M3 scale per 16 weights [out][in/16]; a float32 global
// scale. w = e2m1 · blockScale · globalScale. in % 16 == 0. The software path for GPUs without FP4 tensor cores
// (and the fallback of cuBLASLt on those with).
template <int R>
__device__ void nvfp4_rows(float* y, const uint8_t* w, const uint8_t* blockScale, float globalScale,
                           const float* x, int in, int out, int rows) {
    const float E2M1[8] = {0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 6.0f};
    int lane = threadIdx.x % WARP;
    int o = blockIdx.x * (blockDim.x / WARP) + threadIdx.x / WARP;
    if (o >= out) return;
    int r0 = blockIdx.y * R;
    int blocks = in / 16;
    const uint8_t* wr = w + (size_t)o * (in / 2);
    const uint8_t* sr = blockScale + (size_t)o * blocks;
    float acc[R];
#pragma unroll
    for (int r = 0; r < R; r++) acc[r] = 0.0f;
    for (int b = lane; b < blocks; b += WARP) {
        float bs = __half2float(__half(__nv_cvt_fp8_to_halfraw((__nv_fp8_storage_t)sr[b], __NV_E4M3)));
        const uint8_t* q = wr + b * 8;
        float wq[16];
#pragma unroll
        for (int j = 0; j < 8; j++) {
            int byte = q[j];
            float lo = E2M1[byte & 7], hi = E2M1[(byte >> 4) & 7];
            wq[2 * j] = (byte & 0x08) ? -lo : lo;
            wq[2 * j + 1] = (byte & 0x80) ? -hi : hi;
        }
#pragma unroll
        for (int r = 0; r < R; r++) {
            if (r0 + r >= rows) break;
            const float* xb = x + (size_t)(r0 + r) * in + b * 16;
            float s = 0.0f;
#pragma unroll
            for (int j = 0; j < 8; j++) s += wq[2 * j] * xb[2 * j] + wq[2 * j + 1] * xb[2 * j + 1];
            acc[r] += bs * s;
        }
    }
    store_rows<R>(y, acc, out, o, r0, rows, globalScale);
}

// AutoAWQ GEMM layout: qweight int32 [in][out/8], qzeros int32 [in/group][out/8], scales f16 [in/group][out].
// The 8 nibbles of an int32 (shift 0, 4, …, 28) hold columns 0 2 4 6 1 3 5 7 of its group of 8, so column j
// sits at shift 4 · {0,4,1,5,2,6,3,7}[j]. w[i][c] = (q − z) · s. y[r][c] = Σ_i x[r][i] · w[i][c].
// A thread owns one int32 column (8 outputs) of 32 per block, for R rows; threadIdx.y splits the groups of in,
// and the partial sums meet in shared memory. grid = (ceil(out / 256), ceil(rows / R)), block = (32, 8).
// out % 8 == 0, in % group == 0.
constexpr int AWQ_GEMM_ROWS = 4; // 8 outputs × 4 rows of accumulators a thread, and 32 KiB of shared partials

template <int R>
__device__ void awq_rows(float* y, const int* qweight, const int* qzeros, const uint16_t* scales, const float* x,
                         int in, int out, int group, int rows) {
    const int SHIFT[8] = {0, 16, 4, 20, 8, 24, 12, 28};
    __shared__ float partial[8][32][R * 8];
    int packs = out / 8;
    int p = blockIdx.x * 32 + threadIdx.x;
    int r0 = blockIdx.y * R;
    float acc[R][8];
#pragma unroll
    for (int r = 0; r < R; r++) {
#pragma unroll
        for (int j = 0; j < 8; j++) acc[r][j] = 0.0f;
    }
    if (p < packs) {
        for (int g = threadIdx.y; g < in / group; g += blockDim.y) {
            int zp = qzeros[(size_t)g * packs + p];
            float s[8], z[8];
#pragma unroll
            for (int j = 0; j < 8; j++) {
                s[j] = f16_bits_to_float(scales[(size_t)g * out + p * 8 + j]);
                z[j] = (float)((zp >> SHIFT[j]) & 0xf);
            }
            float part[R][8];
#pragma unroll
            for (int r = 0; r < R; r++) {
#pragma unroll
                for (int j = 0; j < 8; j++) part[r][j] = 0.0f;
            }
            for (int i = g * group; i < (g + 1) * group; i++) {
                int q = qweight[(size_t)i * packs + p];
                float wq[8];
#pragma unroll
                for (int j = 0; j < 8; j++) wq[j] = (float)((q >> SHIFT[j]) & 0xf) - z[j];
#pragma unroll
                for (int r = 0; r < R; r++) {
                    if (r0 + r >= rows) break;
                    float xi = x[(size_t)(r0 + r) * in + i];
#pragma unroll
                    for (int j = 0; j < 8; j++) part[r][j] += wq[j] * xi;
                }
            }
#pragma unroll
            for (int r = 0; r < R; r++) {
#pragma unroll
                for (int j = 0; j < 8; j++) acc[r][j] += part[r][j] * s[j];
            }
        }
    }
#pragma unroll
    for (int r = 0; r < R; r++) {
#pragma unroll
        for (int j = 0; j < 8; j++) partial[threadIdx.y][threadIdx.x][r * 8 + j] = acc[r][j];
    }
    __syncthreads();
    if (threadIdx.y == 0 && p < packs) {
        for (int t = 1; t < (int)blockDim.y; t++) {
#pragma unroll
            for (int r = 0; r < R; r++) {
#pragma unroll
                for (int j = 0; j < 8; j++) acc[r][j] += partial[t][threadIdx.x][r * 8 + j];
            }
        }
#pragma unroll
        for (int r = 0; r < R; r++) {
            if (r0 + r >= rows) break;
#pragma unroll
            for (int j = 0; j < 8; j++) y[(size_t)(r0 + r) * out + p * 8 + j] = acc[r][j];
        }
    }
}

} // namespace canal

CANAL_KERNEL void canal_gemv_q8_0(float* y, const uint8_t* w, const float* x, int in, int out) {
    canal::q8_0_rows<1>(y, w, x, in, out, gridDim.y);
}

CANAL_KERNEL void canal_gemm_q8_0(float* y, const uint8_t* w, const float* x, int in, int out, int rows) {
    canal::q8_0_rows<canal::GEMM_ROWS>(y, w, x, in, out, rows);
}

CANAL_KERNEL void canal_gemv_q4_0(float* y, const uint8_t* w, const float* x, int in, int out) {
    canal::q4_0_rows<1>(y, w, x, in, out, gridDim.y);
}

CANAL_KERNEL void canal_gemm_q4_0(float* y, const uint8_t* w, const float* x, int in, int out, int rows) {
    canal::q4_0_rows<canal::GEMM_ROWS>(y, w, x, in, out, rows);
}

CANAL_KERNEL void canal_gemv_fp8_e4m3(float* y, const uint8_t* w, const float* scale, int perChannel,
                                      const float* x, int in, int out) {
    canal::fp8_rows<1>(y, w, scale, perChannel, x, in, out, gridDim.y);
}

CANAL_KERNEL void canal_gemm_fp8_e4m3(float* y, const uint8_t* w, const float* scale, int perChannel,
                                      const float* x, int in, int out, int rows) {
    canal::fp8_rows<canal::GEMM_ROWS>(y, w, scale, perChannel, x, in, out, rows);
}

// Block-scaled FP8: a scale per blockRows × blockCols tile (fp8_block_rows), decode and prefill as above.
CANAL_KERNEL void canal_gemv_fp8_e4m3_blocks(float* y, const uint8_t* w, const float* scale, int blockRows,
                                             int blockCols, const float* x, int in, int out) {
    canal::fp8_block_rows<1>(y, w, scale, blockRows, blockCols, x, in, out, gridDim.y);
}

CANAL_KERNEL void canal_gemm_fp8_e4m3_blocks(float* y, const uint8_t* w, const float* scale, int blockRows,
                                             int blockCols, const float* x, int in, int out, int rows) {
    canal::fp8_block_rows<canal::GEMM_ROWS>(y, w, scale, blockRows, blockCols, x, in, out, rows);
}

CANAL_KERNEL void canal_gemv_nvfp4(float* y, const uint8_t* w, const uint8_t* blockScale, float globalScale,
                                   const float* x, int in, int out) {
    canal::nvfp4_rows<1>(y, w, blockScale, globalScale, x, in, out, gridDim.y);
}

CANAL_KERNEL void canal_gemm_nvfp4(float* y, const uint8_t* w, const uint8_t* blockScale, float globalScale,
                                   const float* x, int in, int out, int rows) {
    canal::nvfp4_rows<canal::GEMM_ROWS>(y, w, blockScale, globalScale, x, in, out, rows);
}

CANAL_KERNEL void canal_gemv_awq_int4(float* y, const int* qweight, const int* qzeros, const uint16_t* scales,
                                      const float* x, int in, int out, int group) {
    canal::awq_rows<1>(y, qweight, qzeros, scales, x, in, out, group, gridDim.y);
}

CANAL_KERNEL void canal_gemm_awq_int4(float* y, const int* qweight, const int* qzeros, const uint16_t* scales,
                                      const float* x, int in, int out, int group, int rows) {
    canal::awq_rows<canal::AWQ_GEMM_ROWS>(y, qweight, qzeros, scales, x, in, out, group, rows);
}
