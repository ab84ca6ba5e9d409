// f32 activations to the 16-bit type of a weight matrix: cublasGemmEx multiplies A and B of one type, so a prefill
// matmul by F16 or BF16 weights first rounds its activations to that type. 1-D grid-stride over n elements.
#pragma once
#include "common.cuh"

// Round to nearest even (__float2half_rn): beyond ±65504 an activation becomes ±inf. A model published in F16 is run
// by its authors with f16 activations, so its activations fit; decode keeps the GEMV kernels, which take floats.
CANAL_KERNEL void canal_convert_f32_f16(uint16_t* out, const float* x, long long n) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        out[i] = __half_as_ushort(__float2half_rn(x[i]));
    }
}

CANAL_KERNEL void canal_convert_f32_bf16(uint16_t* out, const float* x, long long n) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        out[i] = canal::float_to_bf16_bits(x[i]);
    }
}
