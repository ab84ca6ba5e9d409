package dev.canal.engine.backend.cuda;

/**
 * One GPU as the driver describes it.
 *
 * @param integrated           {@code CU_DEVICE_ATTRIBUTE_INTEGRATED}: shares the host's memory (Jetson, GB10)
 * @param pageableMemoryAccess {@code CU_DEVICE_ATTRIBUTE_PAGEABLE_MEMORY_ACCESS}: reads ordinary host memory
 *                             coherently (Grace Hopper/Blackwell, HMM)
 */
public record CudaDevice(int ordinal, String name, int major, int minor, long totalMemory, int multiprocessors,
                         boolean integrated, boolean pageableMemoryAccess) {

    /** The GPU shares the host's memory or reads it coherently (DESIGN.md "Memory"). */
    public boolean unifiedMemory() {
        return integrated || pageableMemoryAccess;
    }

    /**
     * Whether kernels read the memory-mapped weight files in place: the GPU shares the host's physical memory
     * (integrated, GB10) and dereferences ordinary host pointers. Not where pageable access crosses a bus to memory
     * of its own (a discrete GPU with HMM, Grace Hopper's HBM): there a copy is read at the GPU's own bandwidth.
     */
    public boolean readsWeightsInPlace() {
        return integrated && pageableMemoryAccess;
    }

    /** "sm_121" */
    public String sm() {
        return "sm_" + (major * 10 + minor);
    }
}
