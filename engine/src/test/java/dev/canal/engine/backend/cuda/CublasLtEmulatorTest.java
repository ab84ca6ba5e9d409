package dev.canal.engine.backend.cuda;

import static dev.canal.engine.backend.cuda.bindings.CublasLt.CUBLAS_STATUS_NOT_SUPPORTED;
import static dev.canal.engine.backend.cuda.bindings.CublasLt.CUBLAS_STATUS_SUCCESS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.canal.engine.backend.cuda.bindings.CudaLibraries;
import dev.canal.engine.testing.GpuForTests;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * The emulated cuBLASLt (src/test/cuda-emulator/cuda_emu_cublaslt.cpp) multiplies what the docs define and refuses
 * the rest with a status instead of guessing, so the backend's tests cannot pass on a product the library would not
 * give. Runs only on the emulator: a GPU's cuBLASLt may take shapes the emulator turns down (e.g. a slower kernel
 * for an unaligned K), and CublasLtPrefillTest holds the backend to the products there.
 */
class CublasLtEmulatorTest {
    /** 0x38 is E4M3 1.0; 0x22 is E2M1 1.0 in both nibbles; 0x38 as a UE4M3 block scale is 1.0 too. */
    private static final byte FP8_ONE = 0x38, FP4_ONES = 0x22, SCALE_ONE = 0x38;

    @Test
    void fp8IsScaledByBothScalarsAndRefusedWhereTheRulesSayNo() {
        CudaDevice d = emulator();
        int sm = d.major() * 10 + d.minor();
        try (CudaContext context = CudaContext.open(d.ordinal()); Arena arena = Arena.ofConfined()) {
            CublasLtGemm gemm = CublasLtGemm.open().gemm().orElseThrow();
            try {
                int rows = 16, in = 32, out = 16;
                long w = filled(context, out * in, FP8_ONE), x = filled(context, rows * in, FP8_ONE);
                long y = context.alloc(4L * rows * out), ws = context.alloc(1 << 20);
                long wScale = floats(context, 0.5f), xScale = floats(context, 3f);
                int status = gemm.fp8(y, w, wScale, x, xScale, rows, in, out, ws, 1 << 20);
                if (sm < 89) {
                    assertEquals(CUBLAS_STATUS_NOT_SUPPORTED, status, "no FP8 tensor cores on sm_" + sm);
                    return;
                }
                assertEquals(CUBLAS_STATUS_SUCCESS, status);
                float[] got = download(context, arena, y, rows * out);
                float[] want = new float[rows * out];
                Arrays.fill(want, in * 0.5f * 3f); // Σ 1 · 1 over k, times both scales
                assertEquals(Arrays.toString(want), Arrays.toString(got));
                // K = 24: rows of 24 bytes are not 16-byte aligned
                assertEquals(CUBLAS_STATUS_NOT_SUPPORTED, gemm.fp8(y, w, wScale, x, xScale, rows, 24, out, ws, 1 << 20));
                // a scale pointer outside device memory fails as the GPU would fault
                MemorySegment host = arena.allocateFrom(ValueLayout.JAVA_FLOAT, 1f);
                assertEquals(13, gemm.fp8(y, w, host.address(), x, xScale, rows, in, out, ws, 1 << 20),
                        "CUBLAS_STATUS_EXECUTION_FAILED");
            } finally {
                gemm.close();
            }
        }
    }

    @Test
    void nvfp4RunsOnlyWhereTheSmHasFp4TensorCores() {
        CudaDevice d = emulator();
        int sm = d.major() * 10 + d.minor();
        try (CudaContext context = CudaContext.open(d.ordinal()); Arena arena = Arena.ofConfined()) {
            CublasLtGemm gemm = CublasLtGemm.open().gemm().orElseThrow();
            try {
                int rows = 16, in = 64, out = 16;
                // every block scale 1.0 wherever the layout puts it: the tiles are 128 × 4 slots
                long scales = filled(context, 128 * 4, SCALE_ONE);
                long w = filled(context, out * in / 2, FP4_ONES), x = filled(context, rows * in / 2, FP4_ONES);
                long y = context.alloc(4L * rows * out), ws = context.alloc(1 << 20);
                long alphaBeta = context.copyOf(MemorySegment.ofArray(new float[] {0.25f, 0f}));
                int status = gemm.nvfp4(y, w, scales, x, scales, alphaBeta, rows, in, out, ws, 1 << 20);
                if (sm < 100) {
                    assertEquals(CUBLAS_STATUS_NOT_SUPPORTED, status, "no FP4 tensor cores on sm_" + sm);
                    return;
                }
                assertEquals(CUBLAS_STATUS_SUCCESS, status);
                float[] want = new float[rows * out];
                Arrays.fill(want, in * 0.25f); // alpha read from device memory
                assertEquals(Arrays.toString(want), Arrays.toString(download(context, arena, y, rows * out)));
                // alpha and beta on the host while the descriptor says device pointer mode
                MemorySegment host = arena.allocateFrom(ValueLayout.JAVA_FLOAT, 1f, 0f);
                assertEquals(13, gemm.nvfp4(y, w, scales, x, scales, host.address(), rows, in, out, ws, 1 << 20),
                        "CUBLAS_STATUS_EXECUTION_FAILED");
            } finally {
                gemm.close();
            }
        }
    }

    private static CudaDevice emulator() {
        CudaDevice d = GpuForTests.require();
        assumeTrue(d.name().startsWith("canal CUDA emulator"), "checks the emulated cuBLASLt; " + d.name() + " is a GPU");
        assumeTrue(CudaLibraries.status(CudaLibraries.Library.CUBLAS_LT).available(),
                CudaLibraries.status(CudaLibraries.Library.CUBLAS_LT).reason());
        return d;
    }

    private static long filled(CudaContext context, int bytes, byte value) {
        byte[] b = new byte[bytes];
        Arrays.fill(b, value);
        return context.copyOf(MemorySegment.ofArray(b));
    }

    private static long floats(CudaContext context, float... v) {
        return context.copyOf(MemorySegment.ofArray(v));
    }

    private static float[] download(CudaContext context, Arena arena, long p, int n) {
        MemorySegment host = arena.allocate(ValueLayout.JAVA_FLOAT, n);
        context.download(host, p);
        return host.toArray(ValueLayout.JAVA_FLOAT);
    }
}
