// A CPU emulator of the CUDA driver API subset canal binds (bindings/CudaDriver.java), built as libcuda.so.1 for
// tests only: with CANAL_CUDA_LIB_DIR pointing at it, the CUDA backend's Java code, its argument packing and canal's
// kernels (compiled from the same sources by g++, see cuda_emu.h) run on a machine without a GPU. It says nothing
// about speed, memory coalescing or the GPU's memory model: a kernel that passes here still has to pass on a GPU.
//
// Device memory is host memory; launches run at once, one block at a time, each thread of the block a fiber
// (ucontext) that switches at __syncthreads and warp shuffles. Launch limits a GPU enforces (1024 threads a block,
// 48 KiB of dynamic shared memory without opt-in, grid y and z ≤ 65535) are enforced, and copies are checked to
// lie inside an allocation or a registered host range, so an offset bug on the Java side fails as it would there.
//
// Environment: CANAL_CUDA_EMU_SM (default 90: an H100's row), CANAL_CUDA_EMU_INTEGRATED=1 (a GB10-like device
// that reads host memory in place), CANAL_CUDA_EMU_MEMORY_MIB (default 16384).
#include <cuda.h>
#include <ucontext.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "cuda_emu.h"
#include "cuda_emu_kernels.h"
#include "cuda_emu_memory.h"

namespace canal_emu {

Fiber* current = nullptr;
unsigned char* dynamicShared = nullptr;

namespace {

enum class State { RUNNABLE, AT_BLOCK, AT_WARP, DONE };

struct Thread {
    Fiber fiber;
    ucontext_t context; // only to enter the fiber on its own stack the first time
    void* resume[5];    // where it waits: GCC's builtin setjmp/longjmp switch in a few instructions, without the
                        // signal-mask syscalls of swapcontext or glibc longjmp's unwinding
    bool started;
    State state;
    char* stack;
};

constexpr size_t STACK_BYTES = 256 * 1024;
constexpr int MAX_THREADS_PER_BLOCK = 1024;
constexpr unsigned MAX_DYNAMIC_SHARED = 48 * 1024;

std::vector<Thread> threads(MAX_THREADS_PER_BLOCK);
ucontext_t schedulerContext;
void* scheduler[5];
int running = -1;
const std::function<void()>* body = nullptr;
alignas(16) unsigned char sharedMemory[MAX_DYNAMIC_SHARED];

// The block being run: how many of its threads are live (not returned), how many wait at __syncthreads and, per
// warp, at a shuffle; the threads ready to run, in order. A barrier releases its waiters when the last live thread
// of its scope arrives, or returns.
int blockThreads = 0;
int live = 0;
int atBlock = 0;
int warpLive[MAX_THREADS_PER_BLOCK / 32];
int atWarp[MAX_THREADS_PER_BLOCK / 32];
int ready[MAX_THREADS_PER_BLOCK];
int readyHead = 0, readyCount = 0;

void makeReady(int i) {
    threads[i].state = State::RUNNABLE;
    ready[(readyHead + readyCount++) % MAX_THREADS_PER_BLOCK] = i;
}

void releaseIfComplete(int warp) {
    if (atWarp[warp] > 0 && atWarp[warp] == warpLive[warp]) {
        atWarp[warp] = 0;
        for (int i = warp * 32; i < blockThreads && i < warp * 32 + 32; i++) {
            if (threads[i].state == State::AT_WARP) makeReady(i);
        }
    }
    if (atBlock > 0 && atBlock == live) {
        atBlock = 0;
        for (int i = 0; i < blockThreads; i++) {
            if (threads[i].state == State::AT_BLOCK) makeReady(i);
        }
    }
}

// GCC requires __builtin_longjmp to be called from a different function than the matching __builtin_setjmp.
[[gnu::noinline]] void jump(void** buffer) { __builtin_longjmp(buffer, 1); }

void yieldAs(State s) {
    Thread& t = threads[running];
    int warp = running / 32;
    t.state = s;
    if (s == State::AT_WARP) atWarp[warp]++;
    if (s == State::AT_BLOCK) atBlock++;
    if (s == State::DONE) {
        live--;
        warpLive[warp]--;
    }
    releaseIfComplete(warp);
    if (__builtin_setjmp(t.resume) == 0) jump(scheduler);
}

// A fiber runs the kernel once per block it is resumed for: after each run it waits, DONE, for the next block (of
// this launch or a later one), so contexts are made once per thread index, not once per block.
void fiberMain() {
    while (true) {
        (*body)();
        yieldAs(State::DONE);
    }
}

void resume(int i) {
    running = i;
    current = &threads[i].fiber;
    if (__builtin_setjmp(scheduler) != 0) return;
    Thread& t = threads[i];
    if (!t.started) {
        t.started = true;
        swapcontext(&schedulerContext, &t.context);
    } else {
        jump(t.resume);
    }
}

// Runs one block of count threads to completion; false on a deadlock (a barrier some live thread never reaches).
bool runBlock(int count) {
    blockThreads = count;
    live = count;
    atBlock = 0;
    readyHead = 0;
    readyCount = 0;
    for (int w = 0; w * 32 < count; w++) {
        warpLive[w] = std::min(32, count - w * 32);
        atWarp[w] = 0;
    }
    for (int i = 0; i < count; i++) {
        Thread& t = threads[i];
        if (t.stack == nullptr) {
            t.stack = static_cast<char*>(std::malloc(STACK_BYTES));
            getcontext(&t.context);
            t.context.uc_stack.ss_sp = t.stack;
            t.context.uc_stack.ss_size = STACK_BYTES;
            t.context.uc_link = nullptr;
            makecontext(&t.context, fiberMain, 0);
            t.started = false;
        }
        makeReady(i);
    }
    while (readyCount > 0) {
        int i = ready[readyHead];
        readyHead = (readyHead + 1) % MAX_THREADS_PER_BLOCK;
        readyCount--;
        resume(i);
    }
    return live == 0;
}

} // namespace

void syncBlock() { yieldAs(State::AT_BLOCK); }
void syncWarp() { yieldAs(State::AT_WARP); }
uint64_t slots[2][1024];

} // namespace canal_emu

namespace {

using canal_emu::KernelEntry;

std::mutex lock; // the JVM may call from several threads; the emulator runs one call at a time
bool initialized = false;
std::map<uintptr_t, size_t> allocations; // device memory: start → bytes
std::map<uintptr_t, size_t> registered;  // host ranges registered with cuMemHostRegister
size_t allocatedBytes = 0;
int moduleToken, contextToken, streamToken;
std::string lastLaunchError;

struct Event {
    std::chrono::steady_clock::time_point at;
    bool recorded = false;
};

int envInt(const char* name, int fallback) {
    const char* v = std::getenv(name);
    return v != nullptr && *v != '\0' ? std::atoi(v) : fallback;
}

int sm() { return envInt("CANAL_CUDA_EMU_SM", 90); }
bool integrated() { return envInt("CANAL_CUDA_EMU_INTEGRATED", 0) != 0; }
size_t totalMemory() { return (size_t)envInt("CANAL_CUDA_EMU_MEMORY_MIB", 16384) << 20; }

bool inside(const std::map<uintptr_t, size_t>& ranges, uintptr_t p, size_t bytes) {
    auto it = ranges.upper_bound(p);
    if (it == ranges.begin()) return false;
    --it;
    return p >= it->first && p + bytes <= it->first + it->second;
}

// Whether [p, p + bytes) is memory a kernel or copy may touch: an allocation, a registered host range, or, on an
// integrated device that reads pageable memory, any host address.
bool deviceRange(CUdeviceptr p, size_t bytes) {
    if (bytes == 0) return true;
    return integrated() || inside(allocations, p, bytes) || inside(registered, p, bytes);
}

CUresult badRange(const char* what, CUdeviceptr p, size_t bytes) {
    std::fprintf(stderr, "canal cuda emulator: %s: [0x%llx, +%zu) is not device memory\n", what,
                 (unsigned long long)p, bytes);
    return CUDA_ERROR_INVALID_VALUE;
}

const KernelEntry* findKernel(const char* name) {
    int count = 0;
    const KernelEntry* all = canal_emu::kernels(&count);
    for (int i = 0; i < count; i++) {
        if (std::strcmp(all[i].name, name) == 0) return &all[i];
    }
    return nullptr;
}

} // namespace

#define READY()                                                   \
    std::lock_guard<std::mutex> guard(lock);                      \
    if (!initialized) return CUDA_ERROR_NOT_INITIALIZED

extern "C" {

int canal_emu_initialized(void) {
    std::lock_guard<std::mutex> guard(lock);
    return initialized ? 1 : 0;
}

int canal_emu_device_range(unsigned long long pointer, size_t bytes) {
    std::lock_guard<std::mutex> guard(lock);
    return deviceRange((CUdeviceptr)pointer, bytes) ? 1 : 0;
}

int canal_emu_sm(void) {
    return sm();
}

CUresult CUDAAPI cuInit(unsigned int) {
    std::lock_guard<std::mutex> guard(lock);
    initialized = true;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDriverGetVersion(int* version) {
    *version = CUDA_VERSION;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuGetErrorName(CUresult error, const char** name) {
    switch (error) {
        case CUDA_SUCCESS: *name = "CUDA_SUCCESS"; break;
        case CUDA_ERROR_INVALID_VALUE: *name = "CUDA_ERROR_INVALID_VALUE"; break;
        case CUDA_ERROR_OUT_OF_MEMORY: *name = "CUDA_ERROR_OUT_OF_MEMORY"; break;
        case CUDA_ERROR_NOT_INITIALIZED: *name = "CUDA_ERROR_NOT_INITIALIZED"; break;
        case CUDA_ERROR_INVALID_DEVICE: *name = "CUDA_ERROR_INVALID_DEVICE"; break;
        case CUDA_ERROR_INVALID_IMAGE: *name = "CUDA_ERROR_INVALID_IMAGE"; break;
        case CUDA_ERROR_NOT_FOUND: *name = "CUDA_ERROR_NOT_FOUND"; break;
        case CUDA_ERROR_LAUNCH_FAILED: *name = "CUDA_ERROR_LAUNCH_FAILED"; break;
        case CUDA_ERROR_INVALID_HANDLE: *name = "CUDA_ERROR_INVALID_HANDLE"; break;
        default: *name = nullptr; return CUDA_ERROR_INVALID_VALUE;
    }
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuGetErrorString(CUresult error, const char** text) {
    switch (error) {
        case CUDA_SUCCESS: *text = "no error"; break;
        case CUDA_ERROR_INVALID_VALUE: *text = "invalid argument"; break;
        case CUDA_ERROR_OUT_OF_MEMORY: *text = "out of memory"; break;
        case CUDA_ERROR_NOT_INITIALIZED: *text = "initialization error"; break;
        case CUDA_ERROR_INVALID_DEVICE: *text = "invalid device ordinal"; break;
        case CUDA_ERROR_INVALID_IMAGE: *text = "device kernel image is invalid"; break;
        case CUDA_ERROR_NOT_FOUND: *text = "named symbol not found"; break;
        case CUDA_ERROR_LAUNCH_FAILED:
            *text = lastLaunchError.empty() ? "unspecified launch failure" : lastLaunchError.c_str();
            break;
        case CUDA_ERROR_INVALID_HANDLE: *text = "invalid resource handle"; break;
        default: *text = nullptr; return CUDA_ERROR_INVALID_VALUE;
    }
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDeviceGetCount(int* count) {
    READY();
    *count = 1;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDeviceGet(CUdevice* device, int ordinal) {
    READY();
    if (ordinal != 0) return CUDA_ERROR_INVALID_DEVICE;
    *device = 0;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDeviceGetName(char* name, int len, CUdevice device) {
    READY();
    if (device != 0) return CUDA_ERROR_INVALID_DEVICE;
    std::snprintf(name, len, "canal CUDA emulator (CPU, sm_%d%s)", sm(), integrated() ? ", integrated" : "");
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDeviceTotalMem(size_t* bytes, CUdevice device) {
    READY();
    if (device != 0) return CUDA_ERROR_INVALID_DEVICE;
    *bytes = totalMemory();
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDeviceGetAttribute(int* value, CUdevice_attribute attribute, CUdevice device) {
    READY();
    if (device != 0) return CUDA_ERROR_INVALID_DEVICE;
    switch (attribute) {
        case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR: *value = sm() / 10; break;
        case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR: *value = sm() % 10; break;
        case CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT: *value = 132; break; // an H100 SXM's, so launch shapes are as there
        case CU_DEVICE_ATTRIBUTE_INTEGRATED:
        case CU_DEVICE_ATTRIBUTE_PAGEABLE_MEMORY_ACCESS:
        case CU_DEVICE_ATTRIBUTE_PAGEABLE_MEMORY_ACCESS_USES_HOST_PAGE_TABLES:
            *value = integrated() ? 1 : 0;
            break;
        case CU_DEVICE_ATTRIBUTE_CONCURRENT_MANAGED_ACCESS:
        case CU_DEVICE_ATTRIBUTE_CAN_USE_HOST_POINTER_FOR_REGISTERED_MEM:
            *value = 1;
            break;
        case CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE: *value = 2619000; break; // an H100 SXM's HBM3: 3.35 TB/s
        case CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH: *value = 5120; break;
        case CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK: *value = canal_emu::MAX_THREADS_PER_BLOCK; break;
        case CU_DEVICE_ATTRIBUTE_WARP_SIZE: *value = 32; break;
        default: return CUDA_ERROR_INVALID_VALUE;
    }
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDevicePrimaryCtxRetain(CUcontext* context, CUdevice device) {
    READY();
    if (device != 0) return CUDA_ERROR_INVALID_DEVICE;
    *context = reinterpret_cast<CUcontext>(&contextToken);
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDevicePrimaryCtxRelease(CUdevice device) {
    READY();
    return device == 0 ? CUDA_SUCCESS : CUDA_ERROR_INVALID_DEVICE;
}

CUresult CUDAAPI cuCtxSetCurrent(CUcontext) {
    READY();
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuCtxSynchronize() {
    READY();
    return CUDA_SUCCESS; // every call finishes before it returns
}

CUresult CUDAAPI cuMemGetInfo(size_t* free, size_t* total) {
    READY();
    *total = totalMemory();
    *free = *total - allocatedBytes;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemAlloc(CUdeviceptr* pointer, size_t bytes) {
    READY();
    if (bytes == 0) return CUDA_ERROR_INVALID_VALUE;
    if (allocatedBytes + bytes > totalMemory()) return CUDA_ERROR_OUT_OF_MEMORY;
    void* p = std::aligned_alloc(256, (bytes + 255) / 256 * 256);
    if (p == nullptr) return CUDA_ERROR_OUT_OF_MEMORY;
    std::memset(p, 0xA5, bytes); // cuMemAlloc does not clear: a kernel that reads before writing sees garbage
    allocations[(uintptr_t)p] = bytes;
    allocatedBytes += bytes;
    *pointer = (CUdeviceptr)p;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemFree(CUdeviceptr pointer) {
    READY();
    auto it = allocations.find((uintptr_t)pointer);
    if (it == allocations.end()) return CUDA_ERROR_INVALID_VALUE;
    allocatedBytes -= it->second;
    allocations.erase(it);
    std::free((void*)pointer);
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemcpyHtoD(CUdeviceptr dst, const void* src, size_t bytes) {
    READY();
    if (!deviceRange(dst, bytes)) return badRange("cuMemcpyHtoD destination", dst, bytes);
    std::memcpy((void*)dst, src, bytes);
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemcpyDtoH(void* dst, CUdeviceptr src, size_t bytes) {
    READY();
    if (!deviceRange(src, bytes)) return badRange("cuMemcpyDtoH source", src, bytes);
    std::memcpy(dst, (const void*)src, bytes);
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemcpyDtoD(CUdeviceptr dst, CUdeviceptr src, size_t bytes) {
    READY();
    if (!deviceRange(dst, bytes)) return badRange("cuMemcpyDtoD destination", dst, bytes);
    if (!deviceRange(src, bytes)) return badRange("cuMemcpyDtoD source", src, bytes);
    std::memmove((void*)dst, (const void*)src, bytes);
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemsetD8(CUdeviceptr dst, unsigned char value, size_t bytes) {
    READY();
    if (!deviceRange(dst, bytes)) return badRange("cuMemsetD8", dst, bytes);
    std::memset((void*)dst, value, bytes);
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemHostRegister(void* p, size_t bytes, unsigned int) {
    READY();
    if (p == nullptr || bytes == 0) return CUDA_ERROR_INVALID_VALUE;
    registered[(uintptr_t)p] = bytes;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemHostUnregister(void* p) {
    READY();
    return registered.erase((uintptr_t)p) == 1 ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

CUresult CUDAAPI cuMemHostGetDevicePointer(CUdeviceptr* device, void* host, unsigned int) {
    READY();
    if (!inside(registered, (uintptr_t)host, 1)) return CUDA_ERROR_INVALID_VALUE;
    *device = (CUdeviceptr)host; // one address space, as with a unified-addressing GPU
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuModuleLoadData(CUmodule* module, const void* image) {
    READY();
    // The kernels are compiled in; the image must still be the fatbin the build made (its container magic).
    uint32_t magic = 0;
    std::memcpy(&magic, image, 4);
    if (magic != 0xBA55ED50u) return CUDA_ERROR_INVALID_IMAGE;
    *module = reinterpret_cast<CUmodule>(&moduleToken);
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuModuleLoadFatBinary(CUmodule* module, const void* image) {
    return cuModuleLoadData(module, image);
}

CUresult CUDAAPI cuModuleUnload(CUmodule module) {
    READY();
    return module == reinterpret_cast<CUmodule>(&moduleToken) ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
}

CUresult CUDAAPI cuModuleGetFunction(CUfunction* function, CUmodule module, const char* name) {
    READY();
    if (module != reinterpret_cast<CUmodule>(&moduleToken)) return CUDA_ERROR_INVALID_HANDLE;
    const KernelEntry* k = findKernel(name);
    if (k == nullptr) return CUDA_ERROR_NOT_FOUND;
    *function = reinterpret_cast<CUfunction>(const_cast<KernelEntry*>(k));
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuLaunchKernel(CUfunction function, unsigned int gx, unsigned int gy, unsigned int gz,
                                unsigned int bx, unsigned int by, unsigned int bz, unsigned int sharedBytes,
                                CUstream, void** params, void** extra) {
    READY();
    const KernelEntry* k = reinterpret_cast<const KernelEntry*>(function);
    if (k == nullptr) return CUDA_ERROR_INVALID_HANDLE;
    unsigned long long threadsPerBlock = (unsigned long long)bx * by * bz;
    if (gx == 0 || gy == 0 || gz == 0 || gy > 65535 || gz > 65535 || threadsPerBlock == 0
            || threadsPerBlock > canal_emu::MAX_THREADS_PER_BLOCK || bz > 64 || sharedBytes > sizeof(canal_emu::sharedMemory)
            || extra != nullptr || (params == nullptr && k->arity > 0)) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    int count = (int)threadsPerBlock;
    std::function<void()> run = [&] { k->invoke(params); };
    canal_emu::body = &run;
    for (unsigned z = 0; z < gz; z++) {
        for (unsigned y = 0; y < gy; y++) {
            for (unsigned x = 0; x < gx; x++) {
                for (int i = 0; i < count; i++) {
                    canal_emu::Fiber& f = canal_emu::threads[i].fiber;
                    f.threadIndex = make_uint3(i % bx, (i / bx) % by, i / (bx * by));
                    f.blockIndex = make_uint3(x, y, z);
                    f.blockSize = dim3(bx, by, bz);
                    f.gridSize = dim3(gx, gy, gz);
                    f.linear = i;
                    f.shuffles = 0;
                }
                canal_emu::dynamicShared = canal_emu::sharedMemory;
                std::memset(canal_emu::sharedMemory, 0xA5, sharedBytes);
                if (!canal_emu::runBlock(count)) {
                    lastLaunchError = std::string(k->name) + ": threads of block (" + std::to_string(x) + ", "
                            + std::to_string(y) + ", " + std::to_string(z) + ") wait at different barriers";
                    std::fprintf(stderr, "canal cuda emulator: %s\n", lastLaunchError.c_str());
                    return CUDA_ERROR_LAUNCH_FAILED;
                }
            }
        }
    }
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuStreamCreate(CUstream* stream, unsigned int) {
    READY();
    *stream = reinterpret_cast<CUstream>(&streamToken);
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuStreamDestroy(CUstream) {
    READY();
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuStreamSynchronize(CUstream) {
    READY();
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuEventCreate(CUevent* event, unsigned int) {
    READY();
    *event = reinterpret_cast<CUevent>(new Event());
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuEventRecord(CUevent event, CUstream) {
    READY();
    Event* e = reinterpret_cast<Event*>(event);
    e->at = std::chrono::steady_clock::now();
    e->recorded = true;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuEventSynchronize(CUevent) {
    READY();
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuEventElapsedTime(float* ms, CUevent start, CUevent end) {
    READY();
    Event* a = reinterpret_cast<Event*>(start);
    Event* b = reinterpret_cast<Event*>(end);
    if (!a->recorded || !b->recorded) return CUDA_ERROR_INVALID_HANDLE;
    *ms = std::chrono::duration<float, std::milli>(b->at - a->at).count();
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuEventDestroy(CUevent event) {
    READY();
    delete reinterpret_cast<Event*>(event);
    return CUDA_SUCCESS;
}

} // extern "C"
