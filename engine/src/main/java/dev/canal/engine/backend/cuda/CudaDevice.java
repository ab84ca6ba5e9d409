package dev.canal.engine.backend.cuda;

/**
 * One GPU as the driver describes it.
 *
 * @param integrated           {@code CU_DEVICE_ATTRIBUTE_INTEGRATED}: shares the host's memory (Jetson, GB10)
 * @param pageableMemoryAccess {@code CU_DEVICE_ATTRIBUTE_PAGEABLE_MEMORY_ACCESS}: reads ordinary host memory
 *                             coherently (Grace Hopper/Blackwell, HMM)
 * @param memoryBandwidth      peak memory bandwidth in bytes per second from the memory clock and bus width (two
 *                             transfers a clock), 0 where the driver does not report them; what {@code bench}
 *                             measures decode against
 */
public record CudaDevice(int ordinal, String name, int major, int minor, long totalMemory, int multiprocessors,
                         boolean integrated, boolean pageableMemoryAccess, long memoryBandwidth) {

    /** A device whose memory bandwidth is not known. */
    public CudaDevice(int ordinal, String name, int major, int minor, long totalMemory, int multiprocessors,
                      boolean integrated, boolean pageableMemoryAccess) {
        this(ordinal, name, major, minor, totalMemory, multiprocessors, integrated, pageableMemoryAccess, 0);
    }

    /** Peak bytes per second of memory with {@code clockKhz} (the driver's memory clock) and {@code busBits}. */
    static long peakBandwidth(int clockKhz, int busBits) {
        return clockKhz <= 0 || busBits <= 0 ? 0 : 2L * clockKhz * 1000L * (busBits / 8);
    }

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
