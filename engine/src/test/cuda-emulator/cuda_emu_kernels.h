// The emulator's table of canal's kernels, each with a trampoline that unpacks cuLaunchKernel's parameter array
// into the kernel's own parameter types.
#pragma once

namespace canal_emu {

struct KernelEntry {
    const char* name;
    int arity;
    void (*invoke)(void** params);
};

const KernelEntry* kernels(int* count);

} // namespace canal_emu
