// Host definitions of the CUDA built-ins canal's kernels use, so that g++ compiles the same kernel sources into a
// CPU emulator (see cuda_emu_driver.cpp). Every thread of a block is a fiber on one OS thread: __syncthreads and
// warp shuffles switch fibers, and __shared__ variables are statics, shared by the block that runs at that time
// (the emulator runs one block at a time).
#pragma once
#include <cuda_fp16.h>
#include <cuda_bf16.h>
#include <cuda_fp8.h>
#include <stdint.h>
#include <cmath>
#include <algorithm>
#include <cstring>
#include <math.h>

namespace canal_emu {

struct Fiber {
    uint3 threadIndex;
    uint3 blockIndex;
    dim3 blockSize;
    dim3 gridSize;
    int linear;   // thread index within the block: x + y·Dx + z·Dx·Dy
    int shuffles; // shuffles this thread has made in the block: their parity picks the slot buffer
};

extern Fiber* current;
extern unsigned char* dynamicShared;

extern uint64_t slots[2][1024]; // the values of a warp shuffle, by thread; two buffers used in turn

void syncBlock(); // __syncthreads
void syncWarp();  // the lanes of the caller's warp

// Each lane publishes its value, waits for its warp, reads its source lane's. Consecutive shuffles use alternate
// buffers, so no second wait is needed before the next write: a lane can only reach the shuffle after next, which
// reuses this buffer, once every lane has passed the next one's wait, and so has read this one.
template <typename T>
T shuffle(T v, int srcLane) {
    uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof(T));
    uint64_t* buffer = slots[current->shuffles++ & 1];
    buffer[current->linear] = bits;
    syncWarp();
    uint64_t got = buffer[(current->linear & ~31) + (srcLane & 31)];
    T r;
    std::memcpy(&r, &got, sizeof(T));
    return r;
}

} // namespace canal_emu

#undef __global__
#undef __device__
#undef __host__
#undef __forceinline__
#undef __shared__
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __shared__ static
#define CANAL_DYNAMIC_SHARED(T, name) T* name = reinterpret_cast<T*>(canal_emu::dynamicShared)

#define threadIdx (canal_emu::current->threadIndex)
#define blockIdx (canal_emu::current->blockIndex)
#define blockDim (canal_emu::current->blockSize)
#define gridDim (canal_emu::current->gridSize)

inline void __syncthreads() { canal_emu::syncBlock(); }
inline void __syncwarp(unsigned = 0xffffffffu) { canal_emu::syncWarp(); }

template <typename T>
inline T __shfl_xor_sync(unsigned, T v, int laneMask, int = 32) {
    return canal_emu::shuffle(v, (canal_emu::current->linear & 31) ^ laneMask);
}

template <typename T>
inline T __shfl_sync(unsigned, T v, int srcLane, int = 32) {
    return canal_emu::shuffle(v, srcLane);
}

template <typename T>
inline T __shfl_down_sync(unsigned, T v, unsigned delta, int = 32) {
    int lane = canal_emu::current->linear & 31;
    int src = lane + (int)delta;
    T r = canal_emu::shuffle(v, src < 32 ? src : lane);
    return r;
}

// Single-precision intrinsics: exact IEEE operations (the emulator is built with -ffp-contract=off, so a * b + c
// is not fused behind the kernels' back).
inline float __uint_as_float(unsigned u) { float f; std::memcpy(&f, &u, 4); return f; }
inline unsigned __float_as_uint(float f) { unsigned u; std::memcpy(&u, &f, 4); return u; }
inline int __float_as_int(float f) { int u; std::memcpy(&u, &f, 4); return u; }
inline float __int_as_float(int u) { float f; std::memcpy(&f, &u, 4); return f; }
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fdividef(float a, float b) { return a / b; }
inline float __expf(float x) { return std::exp(x); }
inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }
using std::max; // CUDA's integer min and max
using std::min;
