package dev.canal.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class KernelDispatchTest {

    private static void chooses(int major, int minor, DispatchRule rule, Integer rowSm) {
        KernelDispatch.Choice c = KernelDispatch.choose(major, minor);
        assertEquals(rule, c.rule(), c.reason());
        assertEquals(rowSm, c.row().map(KernelTable.Row::sm).orElse(null), c.reason());
        assertFalse(c.reason().isBlank());
    }

    @Test
    void exactRows() {
        chooses(7, 5, DispatchRule.EXACT, 75);
        chooses(9, 0, DispatchRule.EXACT, 90);
        chooses(10, 3, DispatchRule.EXACT, 103);
        chooses(12, 1, DispatchRule.EXACT, 121);
    }

    @Test
    void sameMajorTakesTheHighestRowAtOrBelowTheDevice() {
        chooses(8, 8, DispatchRule.SAME_MAJOR, 87); // sm_88: newer than 87, same major
        chooses(8, 2, DispatchRule.SAME_MAJOR, 80); // sm_86's cubin would not load on 8.2
        chooses(10, 7, DispatchRule.SAME_MAJOR, 103);
        chooses(12, 5, DispatchRule.SAME_MAJOR, 121);
        chooses(9, 1, DispatchRule.SAME_MAJOR, 90);
    }

    @Test
    void newMajorsJitThePtx() {
        KernelDispatch.Choice c = KernelDispatch.choose(13, 0);
        assertEquals(DispatchRule.PTX_JIT, c.rule());
        assertEquals(121, c.row().orElseThrow().sm());
        assertTrue(c.reason().contains("compute_121"), c.reason());
        assertTrue(c.gpu());
    }

    @Test
    void voltaAndOlderRunOnTheCpu() {
        KernelDispatch.Choice v100 = KernelDispatch.choose(7, 0);
        assertEquals(DispatchRule.CPU, v100.rule());
        assertEquals(70, v100.row().orElseThrow().sm());
        assertTrue(v100.reason().contains("CUDA 13 dropped sm_70"), v100.reason());
        assertFalse(v100.gpu());
        chooses(7, 2, DispatchRule.CPU, null); // Xavier: below sm_75, above no PTX
        chooses(6, 1, DispatchRule.CPU, null);
        assertTrue(KernelDispatch.choose(6, 1).reason().contains("sm_75 and newer"));
    }
}
