package dev.canal.engine.quant.awq;

import dev.canal.engine.backend.Activations;
import dev.canal.engine.backend.Backend;
import dev.canal.engine.backend.cpu.CpuBackend;
import dev.canal.engine.backend.cuda.CudaBackend;
import dev.canal.engine.backend.cuda.CudaDevice;
import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.testing.GpuForTests;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

/** An AWQ layer bound by the CUDA backend multiplies like the reference. Needs a GPU; skipped with the reason. */
class AwqOnCudaTest {
    private static final int ROWS = 3, IN = 256, OUT = 264; // 264: one full block of 256 output columns and a partial
    private static final AwqMatrixTest.Layer LAYER = AwqMatrixTest.randomLayer(OUT, IN, 128, 11);
    private static final float[] X = AwqMatrixTest.randomX(ROWS, IN, 12);

    @Test
    void awqMatmulOnTheGpuMatchesTheReference() {
        CudaDevice d = GpuForTests.require();

        try (CudaBackend gpu = CudaBackend.open(d.ordinal())) {
            AwqMatrixTest.assertMatchesReference(LAYER, X, ROWS, multiply(gpu, LAYER, X, ROWS), OUT);
        }
    }

    /** The same harness on the CPU backend, so that the GPU test's scaffolding is itself checked here. */
    @Test
    void theHarnessOnTheCpuBackendMatchesTheReference() {
        try (CpuBackend cpu = new CpuBackend(1)) {
            AwqMatrixTest.assertMatchesReference(LAYER, X, ROWS, multiply(cpu, LAYER, X, ROWS), OUT);
        }
    }

    /** x (rows × in, put on the backend through an F32 embedding table) times the layer, read back row by row. */
    private static float[] multiply(Backend be, AwqMatrixTest.Layer layer, float[] x, int rows) {
        Tensor table = new Tensor("x", DType.F32, new long[] {rows, layer.in()}, MemorySegment.ofArray(x.clone()));
        Activations xa = be.allocate(rows, layer.in()), ya = be.allocate(rows, layer.out());
        int[] ids = new int[rows];
        for (int r = 0; r < rows; r++) ids[r] = r;
        be.embed(xa, be.weight(table), ids, rows);
        be.matmul(ya, xa, be.weight(Tensor.packed("l", layer.matrix())), rows);
        float[] y = new float[rows * layer.out()];
        float[] row = new float[layer.out()];
        for (int r = 0; r < rows; r++) {
            be.read(ya, r, row);
            System.arraycopy(row, 0, y, r * layer.out(), layer.out());
        }
        return y;
    }
}
