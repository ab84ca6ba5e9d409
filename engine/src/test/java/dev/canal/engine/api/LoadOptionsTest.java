package dev.canal.engine.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LoadOptionsTest {

    @Test
    void theCpuIsTheDefaultDevice() {
        assertEquals("cpu", LoadOptions.defaults().device());
        assertEquals(-1, LoadOptions.defaults().cudaOrdinal());
        assertEquals("cpu", new LoadOptions(2, 0, 8).device());
    }

    @Test
    void cudaNamesAGpuNumber() {
        assertEquals(0, LoadOptions.defaults().withDevice("cuda").cudaOrdinal());
        assertEquals(3, LoadOptions.defaults().withDevice("cuda:3").cudaOrdinal());
        LoadOptions o = LoadOptions.defaults().withDevice("cuda:1").withThreads(4).withContextLength(64)
                .withBatchSize(2);
        assertEquals("cuda:1", o.device()); // the other withers keep the device
    }

    @Test
    void anythingElseIsRefusedWithWhatIsAccepted() {
        for (String bad : new String[] {"gpu", "CUDA", "cuda:", "cuda:-1", "cuda:x", "cpu:0", ""}) {
            CanalException e = assertThrows(CanalException.class, () -> LoadOptions.defaults().withDevice(bad));
            assertTrue(e.getMessage().contains("device must be cpu, cuda or cuda:N") && e.getMessage().contains(bad),
                    e.getMessage());
        }
        assertThrows(CanalException.class, () -> new LoadOptions(1, 0, 1, null));
    }

    @Test
    void gpuLayersAreForAGpuAndAtLeastOne() {
        assertEquals(3, LoadOptions.defaults().withDevice("cuda").withGpuLayers(3).gpuLayers());
        assertEquals(-1, LoadOptions.defaults().gpuLayers(), "as many as fit");
        CanalException cpu = assertThrows(CanalException.class, () -> LoadOptions.defaults().withGpuLayers(2));
        assertTrue(cpu.getMessage().contains("add --device cuda"), cpu.getMessage());
        assertThrows(CanalException.class, () -> LoadOptions.defaults().withDevice("cuda").withGpuLayers(0));
        assertThrows(CanalException.class, () -> LoadOptions.defaults().withProgress(null));
    }
}
