// GPTQ linear layers (AutoGPTQ / GPTQModel checkpoint formats "gptq" (v1) and "gptq_v2") read as stored:
//   qweight int32 [in / P][out]: P = 32 / BITS inputs of one output per word, input p·P + k at bits [k·BITS, k·BITS + BITS)
//   qzeros  int32 [groups][out / P]: P outputs per word, output o at bits (o % P)·BITS
//   scales  f16 or bf16 [groups][out]
//   g_idx   int32 [in]: the group of each input (act-order, desc_act), or null for group i / group
// W[o][i] = (q − z) · s with g = the input's group, z the stored zero field, for v1 plus one and masked to BITS
// (v1 stores zero − 1, and AutoGPTQ's reference adds 1 and masks, so a stored all-ones field means zero 0; this
// is GptqMatrix.zero on the CPU). y[r][o] = Σ_i x[r][i] · W[o][i], float32 accumulation.
//
// A thread owns one output column for R activation rows, so the 32 threads of a warp read 32 consecutive words of
// a qweight row (one 128-byte load) and each word is decoded once for all R rows. threadIdx.y splits the word rows
// into GPTQ_SPLIT contiguous ranges, so a thread walks its inputs in order and reloads a scale and zero only where
// the group changes (once per group without act-order); the partial sums meet in shared memory.
// grid = (ceil(out / 32), ceil(rows / R)), block = (32, GPTQ_SPLIT). in % P == 0, out % P == 0.
#pragma once
#include "common.cuh"

namespace canal {

constexpr int GPTQ_GEMM_ROWS = 8;
constexpr int GPTQ_SPLIT = 8; // blockDim.y

template <int BITS, bool ACT_ORDER, int R>
__device__ void gptq_rows(float* partial, float* y, const int* qweight, const int* qzeros, const uint16_t* scales,
                          const int* g_idx, const float* x, int in, int out, int group, bool zeroPlusOne,
                          bool bf16Scales, int rows) {
    constexpr int P = 32 / BITS;
    constexpr uint32_t MASK = (1u << BITS) - 1;
    int o = blockIdx.x * WARP + threadIdx.x;
    int r0 = blockIdx.y * R;
    int words = in / P;
    int per = (words + (int)blockDim.y - 1) / (int)blockDim.y;
    int w0 = min(words, (int)threadIdx.y * per), w1 = min(words, w0 + per);
    float acc[R];
#pragma unroll
    for (int r = 0; r < R; r++) acc[r] = 0.0f;
    if (o < out) {
        int cur = -1;  // the group whose scale and zero are loaded
        int end = 0;   // without act-order: the first input past group cur
        float s = 0.0f, z = 0.0f;
        for (int w = w0; w < w1; w++) {
            uint32_t q = (uint32_t)qweight[(size_t)w * out + o];
#pragma unroll
            for (int k = 0; k < P; k++) {
                int i = w * P + k;
                bool change;
                if (ACT_ORDER) {
                    int g = g_idx[i];
                    change = g != cur;
                    cur = g;
                } else {
                    change = i >= end;
                    if (change) {
                        cur = i / group;
                        end = (cur + 1) * group;
                    }
                }
                if (change) {
                    size_t gs = (size_t)cur * out + o;
                    s = bf16Scales ? bf16_bits_to_float(scales[gs]) : f16_bits_to_float(scales[gs]);
                    uint32_t zw = (uint32_t)qzeros[(size_t)cur * (out / P) + o / P];
                    uint32_t zf = (zw >> ((o % P) * BITS)) & MASK;
                    z = (float)(zeroPlusOne ? (zf + 1) & MASK : zf);
                }
                // q and z are small integers, so q − z is exact: each weight is the CPU's dequantized value.
                float wv = ((float)((q >> (k * BITS)) & MASK) - z) * s;
#pragma unroll
                for (int r = 0; r < R; r++) {
                    if (r0 + r >= rows) break;
                    acc[r] += wv * x[(size_t)(r0 + r) * in + i];
                }
            }
        }
    }
#pragma unroll
    for (int r = 0; r < R; r++) partial[(threadIdx.y * WARP + threadIdx.x) * R + r] = acc[r];
    __syncthreads();
    if (threadIdx.y == 0 && o < out) {
        for (int t = 1; t < (int)blockDim.y; t++) {
#pragma unroll
            for (int r = 0; r < R; r++) acc[r] += partial[(t * WARP + threadIdx.x) * R + r];
        }
#pragma unroll
        for (int r = 0; r < R; r++) {
            if (r0 + r >= rows) break;
            y[(size_t)(r0 + r) * out + o] = acc[r];
        }
    }
}

// One shared buffer for whichever instantiation runs: static shared arrays declared in each of them would all be
// allocated in the kernel.
template <int R>
__device__ void gptq_launch(float* y, const int* qweight, const int* qzeros, const uint16_t* scales,
                            const int* g_idx, const float* x, int in, int out, int bits, int group, int zeroPlusOne,
                            int bf16Scales, int rows) {
    __shared__ float partial[GPTQ_SPLIT * WARP * R];
    bool v1 = zeroPlusOne != 0, bf16 = bf16Scales != 0;
    // The backend binds 4 and 8 bits only (GptqParameters refuses the others when the checkpoint is opened).
    if (bits == 4) {
        if (g_idx) gptq_rows<4, true, R>(partial, y, qweight, qzeros, scales, g_idx, x, in, out, group, v1, bf16, rows);
        else gptq_rows<4, false, R>(partial, y, qweight, qzeros, scales, g_idx, x, in, out, group, v1, bf16, rows);
    } else {
        if (g_idx) gptq_rows<8, true, R>(partial, y, qweight, qzeros, scales, g_idx, x, in, out, group, v1, bf16, rows);
        else gptq_rows<8, false, R>(partial, y, qweight, qzeros, scales, g_idx, x, in, out, group, v1, bf16, rows);
    }
}

} // namespace canal

// Decode: one activation row per grid row (rows = gridDim.y).
CANAL_KERNEL void canal_gemv_gptq(float* y, const int* qweight, const int* qzeros, const uint16_t* scales,
                                  const int* g_idx, const float* x, int in, int out, int bits, int group,
                                  int zeroPlusOne, int bf16Scales) {
    canal::gptq_launch<1>(y, qweight, qzeros, scales, g_idx, x, in, out, bits, group, zeroPlusOne, bf16Scales,
                          gridDim.y);
}

// Prefill: GPTQ_GEMM_ROWS activation rows per grid row, each weight decoded once for all of them.
CANAL_KERNEL void canal_gemm_gptq(float* y, const int* qweight, const int* qzeros, const uint16_t* scales,
                                  const int* g_idx, const float* x, int in, int out, int bits, int group,
                                  int zeroPlusOne, int bf16Scales, int rows) {
    canal::gptq_launch<canal::GPTQ_GEMM_ROWS>(y, qweight, qzeros, scales, g_idx, x, in, out, bits, group,
                                              zeroPlusOne, bf16Scales, rows);
}
