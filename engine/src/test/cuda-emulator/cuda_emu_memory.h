// What the emulated driver (libcuda.so.1) exports to the emulator's other libraries: the emulated cuBLAS and cuBLASLt
// link against it to refuse work before cuInit, to check that their operands lie in device memory, as the driver
// checks copies, and (cuBLASLt) to refuse types the emulated SM has no tensor cores for. Not part of any NVIDIA API.
#pragma once
#include <stddef.h>

extern "C" {

// 1 once cuInit has run, else 0.
int canal_emu_initialized(void);

// 1 when [pointer, pointer + bytes) lies inside one allocation or registered host range (any host address on an
// integrated device), else 0. An empty range is always device memory.
int canal_emu_device_range(unsigned long long pointer, size_t bytes);

// The emulated device's SM as major · 10 + minor (CANAL_CUDA_EMU_SM, default 90).
int canal_emu_sm(void);

} // extern "C"
