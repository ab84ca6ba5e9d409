package dev.canal.engine.quant.awq;

import dev.canal.engine.backend.cpu.CpuBackend;
import dev.canal.engine.backend.cuda.CudaBackend;
import dev.canal.engine.backend.cuda.CudaDevice;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.testing.BackendProducts;
import dev.canal.engine.testing.GpuForTests;
import org.junit.jupiter.api.Test;

/** An AWQ layer bound by the CUDA backend multiplies like the reference. Needs a GPU; skipped with the reason. */
class AwqOnCudaTest {
    private static final int ROWS = 3, IN = 256, OUT = 264; // 264: one full block of 256 output columns and a partial
    private static final AwqMatrixTest.Layer LAYER = AwqMatrixTest.randomLayer(OUT, IN, 128, 11);
    private static final Tensor WEIGHT = Tensor.packed("l", LAYER.matrix());
    private static final float[] X = AwqMatrixTest.randomX(ROWS, IN, 12);

    @Test
    void awqMatmulOnTheGpuMatchesTheReference() {
        CudaDevice d = GpuForTests.require();
        try (CudaBackend gpu = CudaBackend.open(d.ordinal())) {
            AwqMatrixTest.assertMatchesReference(LAYER, X, ROWS, BackendProducts.multiply(gpu, WEIGHT, X, ROWS), OUT);
        }
    }

    /** The same harness on the CPU backend, so that the GPU test's scaffolding is itself checked here. */
    @Test
    void theHarnessOnTheCpuBackendMatchesTheReference() {
        try (CpuBackend cpu = new CpuBackend(1)) {
            AwqMatrixTest.assertMatchesReference(LAYER, X, ROWS, BackendProducts.multiply(cpu, WEIGHT, X, ROWS), OUT);
        }
    }
}
