package dev.canal.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

class CudaDeviceTest {

    private static CudaDevice device(boolean integrated, boolean pageable) {
        return new CudaDevice(0, "gpu", 12, 1, 1L << 30, 48, integrated, pageable);
    }

    /** Only a GPU on the host's own memory that reads host pointers reads the mapped weights where they are. */
    @Test
    void weightsAreReadInPlaceOnlyWhereTheGpuSharesTheHostsMemory() {
        assertTrue(device(true, true).readsWeightsInPlace()); // GB10
        assertFalse(device(false, true).readsWeightsInPlace()); // Grace Hopper's HBM, or HMM over PCIe
        assertFalse(device(true, false).readsWeightsInPlace()); // an integrated GPU without pageable access
        assertFalse(device(false, false).readsWeightsInPlace()); // a discrete card
        assertTrue(device(false, true).unifiedMemory());
    }

    /**
     * A tensor read in place must start on a 16-byte boundary, the widest kernel load: a safetensors tensor may start
     * anywhere its header says, and a misaligned one is copied instead of faulting the kernel.
     */
    @Test
    void onlyAlignedMappedTensorsAreReadInPlace() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mapped = arena.allocate(1024, 256);
            assertTrue(CudaBackend.readInPlace(device(true, true), mapped));
            assertTrue(CudaBackend.readInPlace(device(true, true), mapped.asSlice(16)));
            assertFalse(CudaBackend.readInPlace(device(true, true), mapped.asSlice(8)), "8-byte aligned only");
            assertFalse(CudaBackend.readInPlace(device(true, true), mapped.asSlice(2)));
            assertFalse(CudaBackend.readInPlace(device(false, false), mapped), "a discrete GPU copies");
            assertFalse(CudaBackend.readInPlace(device(true, true), MemorySegment.ofArray(new byte[64])), "heap");
        }
    }

    /** Two transfers a memory clock over the bus: an H100 SXM reports 2619 MHz and 5120 bits, 3.35 TB/s. */
    @Test
    void peakBandwidthFromTheMemoryClockAndBusWidth() {
        assertEquals(3_352_320_000_000L, CudaDevice.peakBandwidth(2_619_000, 5120));
        assertEquals(1_008_096_000_000L, CudaDevice.peakBandwidth(10_501_000, 384)); // an RTX 4090's GDDR6X
        assertEquals(0, CudaDevice.peakBandwidth(0, 5120), "not reported: unknown");
        assertEquals(0, device(false, false).memoryBandwidth());
    }
}
