package dev.canal.engine.backend.cuda.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.canal.engine.api.CanalException;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Library discovery: absent libraries give a reason, not a class-initialisation failure. */
class CudaLibrariesTest {

    @Test
    void everyLibraryReportsWhereItWasFoundOrWhereItWasSearched() {
        for (CudaLibraries.Status s : CudaLibraries.status()) {
            if (s.available()) {
                assertTrue(s.reason().contains("loaded"), s.reason());
            } else {
                assertTrue(s.reason().contains(s.library().files().getFirst()), s.reason());
                assertTrue(s.reason().contains("searched"), s.reason());
            }
        }
        assertEquals(3, CudaLibraries.status().size());
    }

    @Test
    void callingIntoAMissingDriverThrowsTheReason() {
        CudaLibraries.Status driver = CudaLibraries.status(CudaLibraries.Library.DRIVER);
        assumeFalse(driver.available(), "a CUDA driver is installed here (" + driver.reason() + ")");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment version = arena.allocate(ValueLayout.JAVA_INT);
            CanalException e = assertThrows(CanalException.class, () -> CudaDriver.cuDriverGetVersion(version));
            assertTrue(e.getMessage().contains("cuDriverGetVersion"), e.getMessage());
            assertTrue(e.getMessage().contains("libcuda.so.1"), e.getMessage());
        }
        CanalException e = assertThrows(CanalException.class, () -> CudaDriver.cuInit(0));
        assertTrue(e.getMessage().startsWith("cannot call cuInit: "), e.getMessage());
    }

    @Test
    void driverAnswersItsVersionWhenPresent() {
        CudaLibraries.Status driver = CudaLibraries.status(CudaLibraries.Library.DRIVER);
        assumeTrue(driver.available(), "needs a CUDA driver: " + driver.reason());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment version = arena.allocate(ValueLayout.JAVA_INT);
            assertEquals(CudaDriver.CUDA_SUCCESS, CudaDriver.cuDriverGetVersion(version));
            assertTrue(version.get(ValueLayout.JAVA_INT, 0) >= 12000, "driver version " + version.get(ValueLayout.JAVA_INT, 0));
        }
    }
}
