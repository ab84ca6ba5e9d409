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

    /** Weights can be read in place from the mapped files (registered, not copied): see DESIGN.md "Memory". */
    public boolean unifiedMemory() {
        return integrated || pageableMemoryAccess;
    }

    /** "sm_121" */
    public String sm() {
        return "sm_" + (major * 10 + minor);
    }
}
