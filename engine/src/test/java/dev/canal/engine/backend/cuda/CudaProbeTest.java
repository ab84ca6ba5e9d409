package dev.canal.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.canal.engine.backend.cuda.bindings.CudaLibraries;
import org.junit.jupiter.api.Test;

class CudaProbeTest {

    @Test
    void withoutADriverTheProbeAnswersWithTheReason() {
        CudaLibraries.Status driver = CudaLibraries.status(CudaLibraries.Library.DRIVER);
        assumeFalse(driver.available(), "a CUDA driver is installed here (" + driver.reason() + ")");
        CudaProbe.Result r = CudaProbe.probe();
        assertFalse(r.available());
        assertTrue(r.devices().isEmpty());
        String why = r.unavailable().orElseThrow();
        assertTrue(why.startsWith("no CUDA driver found: libcuda.so.1 not found (searched"), why);
        assertFalse(why.contains("\n"), "one line: " + why);
    }

    @Test
    void withADriverEveryDeviceHasANameAnSmAndMemory() {
        CudaLibraries.Status driver = CudaLibraries.status(CudaLibraries.Library.DRIVER);
        assumeTrue(driver.available(), "needs a CUDA driver: " + driver.reason());
        CudaProbe.Result r = CudaProbe.probe();
        assumeTrue(r.available(), "the driver has no usable GPU: " + r.unavailable().orElse(""));
        assertTrue(r.driverVersion() >= 12000, "driver " + r.driverVersion());
        for (CudaDevice d : r.devices()) {
            assertFalse(d.name().isBlank());
            assertTrue(d.major() >= 3 && d.minor() >= 0, d.sm());
            assertTrue(d.totalMemory() > 0, d.name());
            assertTrue(d.multiprocessors() > 0, d.name());
        }
    }

    @Test
    void driverVersionText() {
        assertEquals("13.0", new CudaProbe.Result(13000, java.util.List.of(), java.util.Optional.empty()).driverVersionText());
        assertEquals("12.8", new CudaProbe.Result(12080, java.util.List.of(), java.util.Optional.empty()).driverVersionText());
    }
}
