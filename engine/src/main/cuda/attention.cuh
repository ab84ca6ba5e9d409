// Causal grouped-query attention over the KV cache. The cache of one layer is [capacity][kvHeads][headDim]; keys
// and values of the rows being attended are already in it at [startPos, startPos + rows). Three ways to run it:
// - canal_attention_*kv: one block per (query row, head): grid = (rows, heads), block = 256, dynamic shared memory
//   = (headDim + 256) floats, headDim ≤ 512. The fallback of the other two, and short decode contexts.
// - canal_attention_split_f32kv + canal_attention_merge_f32: split-K flash-decoding for one decode row over a long
//   context, grid = (splits, heads) then (heads).
// - canal_attention_prefill_f32kv: tiled prefill, grid = (ceil(rows / 8), heads), block = 256, headDim ≤ 128.
// Keys are folded with an online softmax (running max m and sum l, earlier partial sums rescaled by
// e^(m_old − m_new)), so no score buffer grows with the context.
#pragma once
#include "common.cuh"

namespace canal {

__device__ __forceinline__ float kv_load(const float* p) { return *p; }
__device__ __forceinline__ float kv_load(const __half* p) { return __half2float(*p); }

// One query row against keys [first, end) of one kv head: the online softmax over tiles of blockDim keys, each
// thread scoring one key of a tile. Leaves the running max m, the sum l of e^(s − m) and, per thread, the
// unnormalised output of dimensions threadIdx.x and threadIdx.x + blockDim.x in acc. qs (headDim floats) and p
// (blockDim floats) are shared memory; every thread of the block must call it (it has barriers).
template <typename KV>
__device__ void attend_range(const float* qs, float* p, const KV* keys, const KV* values, size_t kvStride,
                             int kvHead, int headDim, float scale, int first, int end, float& m, float& l,
                             float acc[2]) {
    m = -INFINITY;
    l = 0.0f;
    acc[0] = acc[1] = 0.0f;
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
}

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
    const float* qr = q + (size_t)row * cols + (size_t)head * headDim;
    for (int d = threadIdx.x; d < headDim; d += blockDim.x) qs[d] = qr[d];
    __syncthreads();
    float m, l, acc[2];
    attend_range(qs, p, keys, values, (size_t)kvHeads * headDim, kvHead, headDim, scale, first, position + 1, m, l,
                 acc);
    float* o = out + (size_t)row * cols + (size_t)head * headDim;
    float inv = 1.0f / l;
    for (int half = 0; half < 2; half++) {
        int d = threadIdx.x + half * blockDim.x;
        if (d < headDim) o[d] = acc[half] * inv;
    }
}

// Split-K flash-decoding, pass 1: one decode row (position startPos), its keys cut into gridDim.x chunks of `chunk`
// keys; block (s, head) folds chunk s and writes its partial state to partials[head][s] = {acc[headDim], m, l}
// (unnormalised). A decode step of a long context thus spreads over heads × splits blocks instead of heads.
template <typename KV>
__device__ void attention_split(float* partials, const float* q, const KV* keys, const KV* values, int heads,
                                int kvHeads, int headDim, float scale, int window, int startPos, int chunk) {
    CANAL_DYNAMIC_SHARED(float, shared);
    float* qs = shared;
    float* p = shared + headDim;
    int split = blockIdx.x, splits = gridDim.x, head = blockIdx.y;
    int kvHead = head / (heads / kvHeads);
    int first = window > 0 ? max(0, startPos - window + 1) : 0;
    int begin = first + split * chunk;
    int end = min(startPos + 1, begin + chunk);
    const float* qr = q + (size_t)head * headDim;
    for (int d = threadIdx.x; d < headDim; d += blockDim.x) qs[d] = qr[d];
    __syncthreads();
    float m, l, acc[2];
    attend_range(qs, p, keys, values, (size_t)kvHeads * headDim, kvHead, headDim, scale, begin, end, m, l, acc);
    float* partial = partials + ((size_t)head * splits + split) * (headDim + 2);
    for (int half = 0; half < 2; half++) {
        int d = threadIdx.x + half * blockDim.x;
        if (d < headDim) partial[d] = acc[half]; // 0 for an empty chunk
    }
    if (threadIdx.x == 0) {
        partial[headDim] = m; // -inf for an empty chunk
        partial[headDim + 1] = l;
    }
}

// Tiled causal attention for prefill: a block takes PREFILL_WARPS consecutive query rows of one head, one warp per
// row, and walks their keys in tiles of 32 staged in shared memory, so each key and value is read from memory once
// per block instead of once per row. Lane j scores key j of a tile; each lane accumulates dimensions lane + 32·i.
// headDim ≤ 32 · PREFILL_DIMS_PER_LANE.
constexpr int PREFILL_WARPS = 8;
constexpr int PREFILL_TILE = 32;
constexpr int PREFILL_DIMS_PER_LANE = 4;

template <typename KV>
__device__ void attention_prefill(float* out, const float* q, const KV* keys, const KV* values, int heads,
                                  int kvHeads, int headDim, float scale, int window, int startPos, int rows) {
    CANAL_DYNAMIC_SHARED(float, shared);
    int kStride = headDim + 1; // odd: lane j reading key j's dimension d hits bank (j·kStride + d) mod 32, all apart
    float* ks = shared;                                  // PREFILL_TILE × kStride
    float* vs = ks + PREFILL_TILE * kStride;             // PREFILL_TILE × headDim
    float* qs = vs + PREFILL_TILE * headDim;             // PREFILL_WARPS × headDim
    float* ps = qs + PREFILL_WARPS * headDim;            // PREFILL_WARPS × PREFILL_TILE
    int warp = threadIdx.x / WARP, lane = threadIdx.x % WARP;
    int head = blockIdx.y, kvHead = head / (heads / kvHeads);
    int row0 = blockIdx.x * PREFILL_WARPS;
    int row = row0 + warp;
    bool active = row < rows;
    int cols = heads * headDim;
    size_t kvStride = (size_t)kvHeads * headDim;
    int position = startPos + row;
    int first = window > 0 ? max(0, position - window + 1) : 0;
    int blockFirst = window > 0 ? max(0, startPos + row0 - window + 1) : 0;
    int blockEnd = startPos + min(row0 + PREFILL_WARPS, rows); // one past the last row's position

    if (active) {
        const float* qr = q + (size_t)row * cols + (size_t)head * headDim;
        for (int d = lane; d < headDim; d += WARP) qs[warp * headDim + d] = qr[d];
    }
    float m = -INFINITY, l = 0.0f;
    float acc[PREFILL_DIMS_PER_LANE];
#pragma unroll
    for (int i = 0; i < PREFILL_DIMS_PER_LANE; i++) acc[i] = 0.0f;

    for (int t0 = blockFirst; t0 < blockEnd; t0 += PREFILL_TILE) {
        int tile = min(PREFILL_TILE, blockEnd - t0);
        __syncthreads(); // the previous tile is no longer read (and, the first time, qs is written)
        for (int e = threadIdx.x; e < tile * headDim; e += blockDim.x) {
            int j = e / headDim, d = e % headDim;
            size_t at = (size_t)(t0 + j) * kvStride + (size_t)kvHead * headDim + d;
            ks[j * kStride + d] = kv_load(keys + at);
            vs[j * headDim + d] = kv_load(values + at);
        }
        __syncthreads();
        if (!active) continue;
        int key = t0 + lane;
        bool visible = lane < tile && key >= first && key <= position;
        float s = -INFINITY;
        if (visible) {
            float dot = 0.0f;
            for (int d = 0; d < headDim; d++) dot += qs[warp * headDim + d] * ks[lane * kStride + d];
            s = dot * scale;
        }
        float tileMax = warp_max(s);
        if (tileMax == -INFINITY) continue; // no key of this tile is visible to this row (the whole warp agrees)
        float mNew = fmaxf(m, tileMax);
        float e = visible ? expf(s - mNew) : 0.0f;
        float correction = expf(m - mNew);
        l = l * correction + warp_sum(e);
        ps[warp * PREFILL_TILE + lane] = e;
        __syncwarp();
#pragma unroll
        for (int i = 0; i < PREFILL_DIMS_PER_LANE; i++) {
            int d = lane + i * WARP;
            if (d >= headDim) break;
            float a = acc[i] * correction;
            for (int j = 0; j < tile; j++) a += ps[warp * PREFILL_TILE + j] * vs[j * headDim + d];
            acc[i] = a;
        }
        __syncwarp(); // ps is rewritten by the next tile
        m = mNew;
    }
    if (!active) return;
    float* o = out + (size_t)row * cols + (size_t)head * headDim;
    float inv = 1.0f / l;
#pragma unroll
    for (int i = 0; i < PREFILL_DIMS_PER_LANE; i++) {
        int d = lane + i * WARP;
        if (d < headDim) o[d] = acc[i] * inv;
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

CANAL_KERNEL void canal_attention_split_f32kv(float* partials, const float* q, const float* keys,
                                              const float* values, int heads, int kvHeads, int headDim, float scale,
                                              int window, int startPos, int chunk) {
    canal::attention_split<float>(partials, q, keys, values, heads, kvHeads, headDim, scale, window, startPos, chunk);
}

// Split-K flash-decoding, pass 2: block `head` merges the splits' partial states into the output row:
// M = max m_s, out = Σ acc_s · e^(m_s − M) / Σ l_s · e^(m_s − M). Empty chunks (m = -inf) weigh 0.
CANAL_KERNEL void canal_attention_merge_f32(float* out, const float* partials, int splits, int headDim) {
    int head = blockIdx.x;
    const float* base = partials + (size_t)head * splits * (headDim + 2);
    float mMax = -INFINITY;
    for (int s = 0; s < splits; s++) mMax = fmaxf(mMax, base[(size_t)s * (headDim + 2) + headDim]);
    float sum = 0.0f;
    for (int s = 0; s < splits; s++) {
        const float* partial = base + (size_t)s * (headDim + 2);
        if (partial[headDim] != -INFINITY) sum += partial[headDim + 1] * expf(partial[headDim] - mMax);
    }
    float inv = 1.0f / sum;
    for (int d = threadIdx.x; d < headDim; d += blockDim.x) {
        float a = 0.0f;
        for (int s = 0; s < splits; s++) {
            const float* partial = base + (size_t)s * (headDim + 2);
            if (partial[headDim] != -INFINITY) a += partial[d] * expf(partial[headDim] - mMax);
        }
        out[(size_t)head * headDim + d] = a * inv;
    }
}

CANAL_KERNEL void canal_attention_prefill_f32kv(float* out, const float* q, const float* keys, const float* values,
                                                int heads, int kvHeads, int headDim, float scale, int window,
                                                int startPos, int rows) {
    canal::attention_prefill<float>(out, q, keys, values, heads, kvHeads, headDim, scale, window, startPos, rows);
}
