// canal's kernel sources compiled for the CPU emulator, and their table. kernel_names.inc (written by the build
// from the sources' CANAL_KERNEL declarations) holds one CANAL_EMU_KERNEL(name) line per kernel.
#include "cuda_emu.h"
#include "canal_kernels.cu"
#include "cuda_emu_kernels.h"

#include <type_traits>
#include <utility>

namespace canal_emu {
namespace {

template <typename... A, std::size_t... I>
void call(void (*f)(A...), void** params, std::index_sequence<I...>) {
    f(*static_cast<std::remove_cv_t<A>*>(params[I])...);
}

template <auto F>
struct Invoker;

template <typename... A, void (*F)(A...)>
struct Invoker<F> {
    static constexpr int arity = sizeof...(A);
    static void invoke(void** params) { call(F, params, std::index_sequence_for<A...>{}); }
};

#define CANAL_EMU_KERNEL(name) {#name, Invoker<&name>::arity, &Invoker<&name>::invoke},

const KernelEntry table[] = {
#include "kernel_names.inc"
};

} // namespace

const KernelEntry* kernels(int* count) {
    *count = (int)(sizeof(table) / sizeof(table[0]));
    return table;
}

} // namespace canal_emu
