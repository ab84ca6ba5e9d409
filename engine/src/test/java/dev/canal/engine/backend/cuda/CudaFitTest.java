package dev.canal.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** The check that a model fits a GPU before its weights are uploaded (the arithmetic; the query needs a GPU). */
class CudaFitTest {
    private static final long GIB = 1L << 30;

    @Test
    void weightsAndHeadroomWithinFreeMemoryFit() {
        assertNull(CudaBackend.shortfall("cuda:0 (H100)", "m", 2 * GIB, 2 * GIB + CudaBackend.HEADROOM, 80 * GIB));
    }

    @Test
    void aModelThatDoesNotFitIsRefusedWithTheFigures() {
        String why = CudaBackend.shortfall("cuda:0 (RTX 4060)", "/models/llama-8b", 15 * GIB, 7 * GIB, 8 * GIB);
        assertEquals("/models/llama-8b: the weights need 15.00 GiB and about 0.50 GiB more for the KV cache and"
                + " activations, but cuda:0 (RTX 4060) has 7.00 GiB free of 8.00 GiB; run it with --device cpu"
                + " (splitting layers between the GPU and the CPU is not implemented yet)", why);
        // the headroom counts: weights alone that fit, but not with it, are refused too
        assertNotNull(CudaBackend.shortfall("g", "m", 7 * GIB, 7 * GIB, 8 * GIB));
    }
}
