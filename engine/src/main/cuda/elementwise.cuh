// Row-wise and element-wise decoder ops. Launch shapes are in each kernel's comment.
#pragma once
#include "common.cuh"

// out[r] = x[r] / sqrt(mean(x[r]²) + eps) · weight. grid = rows, block = 256 (a multiple of 32). out may be x.
CANAL_KERNEL void canal_rmsnorm_f32(float* out, const float* x, const float* weight, float eps, int cols) {
    const float* in = x + (size_t)blockIdx.x * cols;
    float* o = out + (size_t)blockIdx.x * cols;
    float ss = 0.0f;
    for (int i = threadIdx.x; i < cols; i += blockDim.x) ss += in[i] * in[i];
    ss = canal::block_sum(ss);
    float inv = rsqrtf(ss / cols + eps);
    for (int i = threadIdx.x; i < cols; i += blockDim.x) o[i] = in[i] * inv * weight[i];
}

// In-place rotary embedding of rows of heads × headDim; row r is at position startPos + r. Pair i rotates by
// angle (startPos + r) · invFreq[i] with cos/sin times attnScale. neox != 0 pairs (i, i + rotaryDim/2) as Hugging
// Face's rotate_half; neox == 0 pairs (2i, 2i + 1) as GGUF. Float math as the CPU backend: angle rounded to float,
// accurate sinf/cosf (large positions need their range reduction), no fused multiply-add in the rotation.
// grid = (rows, heads), block = min(rotaryDim / 2, 256).
CANAL_KERNEL void canal_rope_f32(float* x, const float* invFreq, int heads, int headDim, int rotaryDim,
                                 int startPos, float attnScale, int neox) {
    int half = rotaryDim / 2;
    float* head = x + ((size_t)blockIdx.x * heads + blockIdx.y) * headDim;
    float position = (float)(startPos + (int)blockIdx.x);
    for (int i = threadIdx.x; i < half; i += blockDim.x) {
        float angle = __fmul_rn(position, invFreq[i]);
        float c = __fmul_rn(cosf(angle), attnScale);
        float s = __fmul_rn(sinf(angle), attnScale);
        int a = neox ? i : 2 * i;
        int b = neox ? i + half : 2 * i + 1;
        float x0 = head[a], x1 = head[b];
        head[a] = __fsub_rn(__fmul_rn(x0, c), __fmul_rn(x1, s));
        head[b] = __fadd_rn(__fmul_rn(x1, c), __fmul_rn(x0, s));
    }
}

// out[r] = table[tokens[r]] converted to f32. grid = rows, block = 256. Token ids are checked on the host.
CANAL_KERNEL void canal_embed_f32(float* out, const float* table, const int* tokens, int cols) {
    const float* src = table + (size_t)tokens[blockIdx.x] * cols;
    float* o = out + (size_t)blockIdx.x * cols;
    for (int i = threadIdx.x; i < cols; i += blockDim.x) o[i] = src[i];
}

CANAL_KERNEL void canal_embed_f16(float* out, const uint16_t* table, const int* tokens, int cols) {
    const uint16_t* src = table + (size_t)tokens[blockIdx.x] * cols;
    float* o = out + (size_t)blockIdx.x * cols;
    for (int i = threadIdx.x; i < cols; i += blockDim.x) o[i] = canal::f16_bits_to_float(src[i]);
}

CANAL_KERNEL void canal_embed_bf16(float* out, const uint16_t* table, const int* tokens, int cols) {
    const uint16_t* src = table + (size_t)tokens[blockIdx.x] * cols;
    float* o = out + (size_t)blockIdx.x * cols;
    for (int i = threadIdx.x; i < cols; i += blockDim.x) o[i] = canal::bf16_bits_to_float(src[i]);
}

// gate[i] = silu(gate[i]) · up[i], silu(g) = g / (1 + e^-g), over n = rows × cols elements. 1-D grid.
CANAL_KERNEL void canal_swiglu_f32(float* gate, const float* up, long long n) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        float g = gate[i];
        gate[i] = g / (1.0f + expf(-g)) * up[i];
    }
}

// x[i] += y[i] over n elements (the residual add). 1-D grid.
CANAL_KERNEL void canal_add_f32(float* x, const float* y, long long n) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        x[i] += y[i];
    }
}

// x[r][c] += bias[c] over n = rows × cols elements (a linear layer's bias). 1-D grid.
CANAL_KERNEL void canal_add_bias_f32(float* x, const float* bias, int cols, long long n) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        x[i] += bias[i % cols];
    }
}

// In-place max-subtracted softmax of each row, scaled by 1/temperature first (pass 1 for plain softmax).
// grid = rows, block = 256.
CANAL_KERNEL void canal_softmax_f32(float* x, int cols, float invTemperature) {
    float* row = x + (size_t)blockIdx.x * cols;
    float m = -INFINITY;
    for (int i = threadIdx.x; i < cols; i += blockDim.x) m = fmaxf(m, row[i] * invTemperature);
    m = canal::block_max(m);
    float s = 0.0f;
    for (int i = threadIdx.x; i < cols; i += blockDim.x) {
        float e = expf(row[i] * invTemperature - m);
        row[i] = e;
        s += e;
    }
    s = canal::block_sum(s);
    float inv = 1.0f / s;
    for (int i = threadIdx.x; i < cols; i += blockDim.x) row[i] *= inv;
}

// out[r] = index of the largest value of row r, the lowest index on ties, NaN below every number (TopK's order,
// as the sampler ranks); values[r] = that value where values is not null (sampling's k = 1 needs both).
// grid = rows, block = 256.
CANAL_KERNEL void canal_argmax_f32(int* out, float* values, const float* x, int cols) {
    const float* row = x + (size_t)blockIdx.x * cols;
    float best = -INFINITY;
    int index = 0x7fffffff;
    for (int i = threadIdx.x; i < cols; i += blockDim.x) {
        float v = row[i];
        if (v > best || (v == best && i < index)) { best = v; index = i; }
    }
    for (int o = canal::WARP / 2; o > 0; o >>= 1) {
        float ov = __shfl_xor_sync(0xffffffffu, best, o);
        int oi = __shfl_xor_sync(0xffffffffu, index, o);
        if (ov > best || (ov == best && oi < index)) { best = ov; index = oi; }
    }
    __shared__ float bestOf[32];
    __shared__ int indexOf[32];
    int lane = threadIdx.x % canal::WARP, warp = threadIdx.x / canal::WARP;
    if (lane == 0) { bestOf[warp] = best; indexOf[warp] = index; }
    __syncthreads();
    if (threadIdx.x == 0) {
        for (int w = 1; w < (int)(blockDim.x / canal::WARP); w++) {
            if (bestOf[w] > best || (bestOf[w] == best && indexOf[w] < index)) { best = bestOf[w]; index = indexOf[w]; }
        }
        if (index == 0x7fffffff) index = 0; // only NaN in the row: all tie, the lowest index wins
        out[blockIdx.x] = index;
        if (values) values[blockIdx.x] = row[index];
    }
}
