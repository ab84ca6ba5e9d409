package dev.canal.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.canal.engine.backend.cpu.CpuBackend;
import dev.canal.engine.backend.cuda.bindings.CudaLibraries;
import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.testing.BackendProducts;
import dev.canal.engine.testing.GpuForTests;
import dev.canal.engine.testing.RandomTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Prefill matmuls by dense weights go through cublasGemmEx where cuBLAS is there and the GPU's kernel-table row
 * names it, and give the CPU backend's products up to the rounding of the activations to the weights' 16-bit type;
 * decode (one row) stays on the GEMV kernels. Odd shapes (in not a multiple of 8, out not of 4) so that no
 * vectorised path or leading-dimension slip hides. Needs a GPU (the cuda-emulator run has an emulated one, and an
 * emulated cuBLAS); skipped with the reason elsewhere.
 */
class CublasPrefillTest {
    private static final int IN = 77;
    private static final int OUT = 45;
    private static final int[] ROWS = {1, 2, 7, 33};

    private final Random random = new Random(11);
    private final Arena arena = Arena.ofAuto();

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16"})
    void prefillMatchesTheCpuBackendAndTakesCublasWhereItIsThere(DType dtype) {
        CudaDevice d = GpuForTests.require();
        Tensor w = weight(dtype);
        try (CpuBackend cpu = new CpuBackend(1); CudaBackend gpu = CudaBackend.open(d.ordinal())) {
            KernelTable.Row row = gpu.choice().row().orElseThrow();
            boolean cublas = CudaLibraries.status(CudaLibraries.Library.CUBLAS).available()
                    && CudaBackend.gemmOnCublas(row, dtype);
            if (!cublas) {
                assertTrue(gpu.prefillMatmuls().contains("GEMV kernels"), gpu.prefillMatmuls());
            }
            for (int rows : ROWS) {
                float[] x = new float[rows * IN];
                for (int i = 0; i < x.length; i++) x[i] = (float) random.nextGaussian();
                long before = gpu.cublasGemms();
                float[] want = BackendProducts.multiply(cpu, w, x, rows);
                float[] got = BackendProducts.multiply(gpu, w, x, rows);
                boolean gemm = cublas && rows > 1;
                assertEquals(gemm ? 1 : 0, gpu.cublasGemms() - before,
                        dtype + ", " + rows + " rows: cuBLAS GEMMs run (" + gpu.prefillMatmuls() + ")");
                // cuBLAS rounds the activations to the weights' type: each product's error is at most the unit
                // roundoff times |x|·|w|; both sides accumulate in float, in different orders.
                double unit = !gemm ? 0 : dtype == DType.F16 ? 0x1p-11 : dtype == DType.BF16 ? 0x1p-8 : 0;
                for (int r = 0; r < rows; r++) {
                    for (int o = 0; o < OUT; o++) {
                        double magnitude = 0;
                        for (int i = 0; i < IN; i++) magnitude += Math.abs(x[r * IN + i] * value(w, (long) o * IN + i));
                        double tol = (unit + 1e-5) * magnitude + 1e-6;
                        float a = want[r * OUT + o], b = got[r * OUT + o];
                        assertTrue(Math.abs(a - b) <= tol, dtype + ", " + rows + " rows: y[" + r + "][" + o + "]: cpu "
                                + a + ", cuda " + b + " (tolerance " + tol + ")");
                    }
                }
            }
        }
    }

    /**
     * Where the tests point {@code CANAL_CUDA_LIB_DIR} at a directory with a cuBLAS (the cuda-emulator run), it
     * loads: the test above must not pass by quietly falling back to the GEMV kernels.
     */
    @Test
    void aCublasInTheLibraryDirectoryIsLoaded() {
        String dir = System.getenv(CudaLibraries.LIB_DIR_ENV);
        boolean there = dir != null && !dir.isBlank() && CudaLibraries.Library.CUBLAS.files().stream()
                .anyMatch(f -> Files.exists(Path.of(dir, f)));
        if (!there) return;
        CudaLibraries.Status status = CudaLibraries.status(CudaLibraries.Library.CUBLAS);
        assertTrue(status.available(), status.reason());
        CudaDevice d = GpuForTests.require();
        try (CudaBackend gpu = CudaBackend.open(d.ordinal())) {
            assertTrue(gpu.prefillMatmuls().startsWith("cublasGemmEx"), gpu.prefillMatmuls());
        }
    }

    private Tensor weight(DType dtype) {
        return RandomTensors.gaussian(random, arena, "w", dtype, 0.3f, OUT, IN);
    }

    private static float value(Tensor t, long i) {
        MemorySegment d = t.data();
        return switch (t.dtype()) {
            case F32 -> d.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i);
            case F16 -> Float.float16ToFloat(d.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i));
            case BF16 -> Float.intBitsToFloat(d.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i) << 16);
            default -> throw new IllegalArgumentException(t.dtype().toString());
        };
    }
}
