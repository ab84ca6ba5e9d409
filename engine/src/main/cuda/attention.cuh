// Causal grouped-query attention over the KV cache, for decode (rows = 1) and, untiled, for prefill.
// The cache of one layer is [capacity][kvHeads][headDim]; keys and values of the rows being attended are already
// in it at [startPos, startPos + rows). One block per (query row, head): grid = (rows, heads), block = 256,
// dynamic shared memory = (headDim + 256) floats. headDim ≤ 512.
// Keys are taken in tiles of blockDim: each thread scores one key, then an online softmax (running max m and sum
// l, earlier partial sums rescaled by e^(m_old − m_new)) folds the tile into the output, so no score buffer
// grows with the context.
#pragma once
#include "common.cuh"

namespace canal {

__device__ __forceinline__ float kv_load(const float* p) { return *p; }
__device__ __forceinline__ float kv_load(const __half* p) { return __half2float(*p); }

template <typename KV>
__device__ void attention(float* out, const float* q, const KV* keys, const KV* values, int heads, int kvHeads,
                          int headDim, float scale, int window, int startPos) {
    CANAL_DYNAMIC_SHARED(float, shared);
    float* qs = shared;            // headDim
    float* p = shared + headDim;   // blockDim.x
    int row = blockIdx.x, head = blockIdx.y;
    int kvHead = head / (heads / kvHeads);
    int cols = heads * headDim;
    int position = startPos + row;
    int first = window > 0 ? max(0, position - window + 1) : 0;
    int end = position + 1;
    size_t kvStride = (size_t)kvHeads * headDim;
    const float* qr = q + (size_t)row * cols + (size_t)head * headDim;
    for (int d = threadIdx.x; d < headDim; d += blockDim.x) qs[d] = qr[d];
    __syncthreads();

    float m = -INFINITY, l = 0.0f;
    float acc[2] = {0.0f, 0.0f}; // dimensions threadIdx.x and threadIdx.x + blockDim.x
    for (int t0 = first; t0 < end; t0 += blockDim.x) {
        int j = t0 + threadIdx.x;
        float s = -INFINITY;
        if (j < end) {
            const KV* k = keys + (size_t)j * kvStride + (size_t)kvHead * headDim;
            float dot = 0.0f;
            for (int d = 0; d < headDim; d++) dot += qs[d] * kv_load(k + d);
            s = dot * scale;
        }
        float mNew = fmaxf(m, block_max(s)); // finite: every tile has at least one visible key
        float e = j < end ? expf(s - mNew) : 0.0f;
        p[threadIdx.x] = e;
        float tileSum = block_sum(e); // its barriers also publish p
        float correction = expf(m - mNew); // 0 on the first tile (m = -inf)
        l = l * correction + tileSum;
        int tile = min((int)blockDim.x, end - t0);
#pragma unroll
        for (int half = 0; half < 2; half++) {
            int d = threadIdx.x + half * blockDim.x;
            if (d >= headDim) continue;
            float a = acc[half] * correction;
            const KV* v = values + (size_t)t0 * kvStride + (size_t)kvHead * headDim + d;
            for (int k = 0; k < tile; k++) a += p[k] * kv_load(v + (size_t)k * kvStride);
            acc[half] = a;
        }
        m = mNew;
        __syncthreads(); // p is rewritten by the next tile
    }
    float* o = out + (size_t)row * cols + (size_t)head * headDim;
    float inv = 1.0f / l;
    for (int half = 0; half < 2; half++) {
        int d = threadIdx.x + half * blockDim.x;
        if (d < headDim) o[d] = acc[half] * inv;
    }
}

} // namespace canal

CANAL_KERNEL void canal_attention_f32kv(float* out, const float* q, const float* keys, const float* values,
                                        int heads, int kvHeads, int headDim, float scale, int window, int startPos) {
    canal::attention<float>(out, q, keys, values, heads, kvHeads, headDim, scale, window, startPos);
}

CANAL_KERNEL void canal_attention_f16kv(float* out, const float* q, const __half* keys, const __half* values,
                                        int heads, int kvHeads, int headDim, float scale, int window, int startPos) {
    canal::attention<__half>(out, q, keys, values, heads, kvHeads, headDim, scale, window, startPos);
}
