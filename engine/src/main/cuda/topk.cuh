// Top-k selection of a logits row for sampling, so that decode downloads k candidates instead of the vocabulary.
// Two launches: canal_topk_f32 (one block per chunk of the row) leaves each chunk's best k keys sorted in a
// scratch list; canal_topk_merge_f32 (one block) selects the best k of those lists and writes values and ids.
// No atomics and no inter-block signalling: the second launch sees the first's results by stream order.
#pragma once
#include "common.cuh"

namespace canal {

constexpr int TOPK_MAX = 256;    // the largest k (CudaTopK.MAX_K); llama.cpp's default top_k is 40
constexpr int TOPK_TILE = 2048;  // keys sorted at once in shared memory: 16 KiB, a power of two for bitonic sort

// The sampler's order as one unsigned key, larger = better (TopK.rank with its top bit flipped): high word the
// float mapped so that unsigned order is numeric order, NaN 0 (below -inf, whose word is 0x007fffff) and -0 as +0;
// low word ~id, so the lower id wins a tie. Keys of distinct ids differ, so "the best k" is one sorted list; a key
// of 0 (padding) is below every real one, since ~id ≥ 2³¹ for an id < 2³¹.
__device__ __forceinline__ unsigned long long topk_key(float v, int id) {
    unsigned int u;
    if (v != v) {
        u = 0u;
    } else if (v == 0.0f) {
        u = 0x80000000u;
    } else {
        u = __float_as_uint(v);
        u = (u & 0x80000000u) ? ~u : (u | 0x80000000u);
    }
    return ((unsigned long long)u << 32) | (unsigned int)(~id);
}

__device__ __forceinline__ int topk_id(unsigned long long key) {
    return ~(int)(unsigned int)key;
}

// Bitonic sort of s[0..TOPK_TILE) into descending order by the whole block (any blockDim.x). Each pass compares
// pairs (lo, lo + stride); subsequences whose bit `size` of lo is clear are sorted descending, the others
// ascending, so the last pass (size = TOPK_TILE) leaves one descending run.
__device__ __forceinline__ void topk_sort_tile(unsigned long long* s) {
    for (int size = 2; size <= TOPK_TILE; size <<= 1) {
        for (int stride = size >> 1; stride > 0; stride >>= 1) {
            __syncthreads();
            for (int i = threadIdx.x; i < TOPK_TILE / 2; i += blockDim.x) {
                int lo = 2 * i - (i & (stride - 1));
                int hi = lo + stride;
                unsigned long long a = s[lo], b = s[hi];
                bool descending = (lo & size) == 0;
                if ((a < b) == descending) {
                    s[lo] = b;
                    s[hi] = a;
                }
            }
        }
    }
    __syncthreads();
}

// Leaves in s[0..k) the best k of n keys, sorted descending: the key of x[i] (id first + i) where keys is null,
// else keys[i]. The first tile fills all of s; each later one fills s[k..) behind the k kept so far, and the sort
// brings the best k of both to the front.
__device__ __forceinline__ void topk_select(unsigned long long* s, const float* x, int first,
                                            const unsigned long long* keys, int n, int k) {
    int kept = 0, start = 0;
    do {
        int room = TOPK_TILE - kept;
        for (int i = threadIdx.x; i < room; i += blockDim.x) {
            int j = start + i;
            unsigned long long key = 0ull;
            if (j < n) key = keys ? keys[j] : topk_key(x[j], first + j);
            s[kept + i] = key;
        }
        topk_sort_tile(s);
        start += room;
        kept = k;
    } while (start < n);
}

} // namespace canal

// Block b selects the best k (≤ TOPK_MAX) of x[b·chunk, min((b + 1)·chunk, cols)) into partial[b·k, (b + 1)·k),
// sorted descending, padded with key 0 where the chunk has fewer than k. grid = ceil(cols / chunk), block = 256.
CANAL_KERNEL void canal_topk_f32(unsigned long long* partial, const float* x, int cols, int chunk, int k) {
    __shared__ unsigned long long s[canal::TOPK_TILE];
    int first = blockIdx.x * chunk;
    int n = min(chunk, cols - first);
    canal::topk_select(s, x + first, first, nullptr, n, k);
    for (int i = threadIdx.x; i < k; i += blockDim.x) partial[(size_t)blockIdx.x * k + i] = s[i];
}

// The best k of the count keys in partial (canal_topk_f32's lists): values[i] = x[id], ids[i] = id, best first.
// k ≤ the number of real keys (the host clamps k to cols), so no padding reaches the output. grid = 1, block = 256.
CANAL_KERNEL void canal_topk_merge_f32(float* values, int* ids, const unsigned long long* partial, int count, int k,
                                       const float* x) {
    __shared__ unsigned long long s[canal::TOPK_TILE];
    canal::topk_select(s, nullptr, 0, partial, count, k);
    for (int i = threadIdx.x; i < k; i += blockDim.x) {
        int id = canal::topk_id(s[i]);
        ids[i] = id;
        values[i] = x[id];
    }
}
