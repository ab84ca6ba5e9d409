// What the emulated driver (libcuda.so.1) exports to the emulator's other libraries: the emulated cuBLAS links
// against it to refuse work before cuInit and to check that its operands lie in device memory, as the driver checks
// copies. Not part of any NVIDIA API.
#pragma once
#include <stddef.h>

extern "C" {

// 1 once cuInit has run, else 0.
int canal_emu_initialized(void);

// 1 when [pointer, pointer + bytes) lies inside one allocation or registered host range (any host address on an
// integrated device), else 0. An empty range is always device memory.
int canal_emu_device_range(unsigned long long pointer, size_t bytes);

} // extern "C"
