package dev.canal.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.canal.engine.backend.cpu.CpuBackend;
import dev.canal.engine.backend.cuda.bindings.CudaLibraries;
import dev.canal.engine.quant.fp8.E4m3;
import dev.canal.engine.quant.fp8.Fp8Matrix;
import dev.canal.engine.quant.nvfp4.E2m1;
import dev.canal.engine.quant.nvfp4.Nvfp4Matrix;
import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.testing.BackendProducts;
import dev.canal.engine.testing.GpuForTests;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * Prefill by FP8 E4M3 and NVFP4 weights goes to cuBLASLt where the GPU's kernel-table row has the tensor cores and
 * libcublasLt loads, from {@link CublasLtGemm#MIN_ROWS} rows: the product is exactly W · Q(x) for the activation
 * quantization reproduced here from its definition (quantize.cuh), and within the rounding of Q(x) of the CPU
 * backend's float product. Fewer rows, other rows of the table and shapes outside cuBLASLt's alignment rules keep
 * canal's kernels, which give the CPU's products. Needs a GPU: the build's emulated runs give it an sm_90 (FP8),
 * an sm_120 (FP8 and FP4) and an sm_86 (neither), with an emulated cuBLASLt; skipped with the reason elsewhere.
 */
class CublasLtPrefillTest {
    private static final int IN = 256, OUT = 48;
    /** Around the threshold, and more than one 32-row group of the tiled scale layout. */
    private static final int[] ROWS = {1, 15, 16, 17, 40};

    private final Random random = new Random(23);

    @ParameterizedTest
    @ValueSource(strings = {"per tensor", "per channel"})
    void fp8PrefillIsTheProductOfTheQuantizedActivations(String scaling) {
        CudaDevice d = GpuForTests.require();
        boolean perChannel = scaling.equals("per channel");
        byte[] codes = e4m3Codes(OUT * IN);
        float[] scales = perChannel ? positive(OUT, 0.002f, 0.02f) : new float[] {0.007f};
        Tensor fp8 = new Tensor("fp8.weight", DType.F8_E4M3, new long[] {OUT, IN}, MemorySegment.ofArray(codes));
        Tensor w = Tensor.packed("fp8.weight", new Fp8Matrix("FP8 E4M3 " + scaling, fp8, scales,
                perChannel ? 1 : OUT, IN, List.of(fp8)));
        try (CpuBackend cpu = new CpuBackend(1); CudaBackend gpu = CudaBackend.open(d.ordinal())) {
            boolean onLt = ltLoads() && CublasLtPrefill.fp8OnRow(gpu.choice().row().orElseThrow());
            for (int rows : ROWS) {
                float[] x = activations(rows, IN);
                long before = gpu.cublasLtGemms();
                float[] got = BackendProducts.multiply(gpu, w, x, rows);
                float[] cpuProduct = BackendProducts.multiply(cpu, w, x, rows);
                boolean lt = onLt && rows >= CublasLtGemm.MIN_ROWS;
                String what = scaling + ", " + rows + " rows (" + gpu.prefillMatmuls() + ")";
                assertEquals(lt ? 1 : 0, gpu.cublasLtGemms() - before, what + ": cuBLASLt GEMMs");
                if (!lt) {
                    assertClose(cpuProduct, got, 1e-4, what + ": canal's kernels vs cpu");
                    continue;
                }
                // Q(x): one scale for the tensor, amax / 448; each x / scale rounded to E4M3
                float amax = 0;
                for (float v : x) amax = Math.max(amax, Math.abs(v));
                float s = amax / E4m3.MAX;
                for (int r = 0; r < rows; r++) {
                    for (int o = 0; o < OUT; o++) {
                        double exact = 0, magnitude = 0, rounding = 0;
                        float ws = scales[perChannel ? o : 0];
                        for (int i = 0; i < IN; i++) {
                            float wv = E4m3.decode(codes[o * IN + i]) * ws, xv = x[r * IN + i];
                            double q = E4m3.decode(E4m3.encode(xv / s)) * (double) s;
                            exact += wv * q;
                            magnitude += Math.abs(wv * q);
                            // E4M3 keeps 3 mantissa bits: half an ulp is 2^-4 of the value, 2^-10 below 2^-6
                            rounding += Math.abs(wv) * (0x1p-4 * Math.abs(xv) + 0x1p-10 * s);
                        }
                        int at = r * OUT + o;
                        assertNear(exact, got[at], 1e-5 * magnitude + 1e-6, what + ": y[" + r + "][" + o + "] vs W·Q(x)");
                        assertNear(cpuProduct[at], got[at], rounding + 1e-5 * magnitude + 1e-6,
                                what + ": y[" + r + "][" + o + "] vs the cpu, within Q(x)'s rounding");
                    }
                }
            }
        }
    }

    @Test
    void nvfp4PrefillIsTheProductOfTheQuantizedActivations() {
        CudaDevice d = GpuForTests.require();
        Nvfp4Case nv = nvfp4(OUT, IN);
        try (CpuBackend cpu = new CpuBackend(1); CudaBackend gpu = CudaBackend.open(d.ordinal())) {
            boolean onLt = ltLoads() && CublasLtPrefill.nvfp4OnRow(gpu.choice().row().orElseThrow());
            for (int rows : ROWS) {
                float[] x = activations(rows, IN);
                long before = gpu.cublasLtGemms();
                float[] got = BackendProducts.multiply(gpu, nv.tensor(), x, rows);
                float[] cpuProduct = BackendProducts.multiply(cpu, nv.tensor(), x, rows);
                boolean lt = onLt && rows >= CublasLtGemm.MIN_ROWS;
                String what = "NVFP4, " + rows + " rows (" + gpu.prefillMatmuls() + ")";
                assertEquals(lt ? 1 : 0, gpu.cublasLtGemms() - before, what + ": cuBLASLt GEMMs");
                if (!lt) {
                    assertClose(cpuProduct, got, 1e-4, what + ": canal's kernels vs cpu");
                    continue;
                }
                // Q(x) as ModelOpt quantizes NVFP4 activations: tensor scale g = amax / (448 · 6); per 16 inputs an
                // E4M3 scale of blockAmax / 6 / g; elements x / (scale · g) rounded to E2M1
                float amax = 0;
                for (float v : x) amax = Math.max(amax, Math.abs(v));
                float g = amax / (E4m3.MAX * E2m1.MAX);
                float[] q = new float[x.length], unit = new float[x.length];
                for (int b = 0; b < x.length; b += 16) {
                    float m = 0;
                    for (int k = 0; k < 16; k++) m = Math.max(m, Math.abs(x[b + k]));
                    float u = E4m3.decode(E4m3.encode(m / E2m1.MAX / g)) * g;
                    for (int k = 0; k < 16; k++) {
                        unit[b + k] = u;
                        q[b + k] = u > 0 ? E2m1.decode(E2m1.encode(x[b + k] / u)) * u : 0;
                    }
                }
                for (int r = 0; r < rows; r++) {
                    for (int o = 0; o < OUT; o++) {
                        double exact = 0, magnitude = 0, rounding = 0;
                        for (int i = 0; i < IN; i++) {
                            double wv = nv.weight(o, i), xv = x[r * IN + i];
                            exact += wv * q[r * IN + i];
                            magnitude += Math.abs(wv * q[r * IN + i]);
                            // E2M1's half gaps are at most a quarter of the value above one unit and a quarter unit
                            // below it (a block scale rounded up saturates by less than that)
                            rounding += Math.abs(wv) * Math.max(0.25 * unit[r * IN + i], 0.25 * Math.abs(xv)) * 1.01;
                        }
                        int at = r * OUT + o;
                        assertNear(exact, got[at], 1e-5 * magnitude + 1e-6, what + ": y[" + r + "][" + o + "] vs W·Q(x)");
                        assertNear(cpuProduct[at], got[at], rounding + 1e-5 * magnitude + 1e-6,
                                what + ": y[" + r + "][" + o + "] vs the cpu, within Q(x)'s rounding");
                    }
                }
            }
        }
    }

    /**
     * in 88 is no multiple of 16 (FP8) and in 48 no multiple of 32 (packed NVFP4 rows of 16 bytes): the row's
     * cuBLASLt path cannot take them, canal's kernel runs, and the backend records why.
     */
    @Test
    void aShapeOutsideCublasLtsAlignmentFallsBackAndIsRecorded() {
        CudaDevice d = GpuForTests.require();
        int rows = 20;
        byte[] codes = e4m3Codes(OUT * 88);
        Tensor fp8 = new Tensor("odd.weight", DType.F8_E4M3, new long[] {OUT, 88}, MemorySegment.ofArray(codes));
        Tensor fp8Weight = Tensor.packed("odd.weight", new Fp8Matrix("FP8 E4M3", fp8, new float[] {0.01f}, OUT, 88,
                List.of(fp8)));
        Nvfp4Case nv = nvfp4(OUT, 48);
        try (CpuBackend cpu = new CpuBackend(1); CudaBackend gpu = CudaBackend.open(d.ordinal())) {
            KernelTable.Row row = gpu.choice().row().orElseThrow();
            for (Tensor w : List.of(fp8Weight, nv.tensor())) {
                boolean onLt = ltLoads() && (w == fp8Weight ? CublasLtPrefill.fp8OnRow(row) : CublasLtPrefill.nvfp4OnRow(row));
                float[] x = activations(rows, (int) w.dim(1));
                long gemms = gpu.cublasLtGemms(), fallbacks = gpu.cublasLtFallbacks();
                float[] got = BackendProducts.multiply(gpu, w, x, rows);
                assertClose(BackendProducts.multiply(cpu, w, x, rows), got, 1e-4, w.name() + ": canal's kernel vs cpu");
                assertEquals(0, gpu.cublasLtGemms() - gemms, w.name());
                assertEquals(onLt ? 1 : 0, gpu.cublasLtFallbacks() - fallbacks, w.name() + ": fallbacks recorded");
                if (onLt) {
                    String why = gpu.lastCublasLtFallback();
                    assertTrue(why.startsWith("tensor " + w.name() + ": in " + w.dim(1) + " × out " + OUT
                            + " is outside cuBLASLt's"), why);
                    assertTrue(why.endsWith("canal's GEMM kernel ran"), why);
                }
            }
        }
    }

    /** The prefill line (run --verbose) says what runs on cuBLASLt here, or why nothing does. */
    @Test
    void thePrefillLineSaysWhatRunsOnCublasLt() {
        CudaDevice d = GpuForTests.require();
        try (CudaBackend gpu = CudaBackend.open(d.ordinal())) {
            KernelTable.Row row = gpu.choice().row().orElseThrow();
            String line = gpu.prefillMatmuls();
            boolean fp8 = CublasLtPrefill.fp8OnRow(row), nvfp4 = CublasLtPrefill.nvfp4OnRow(row);
            if (!fp8 && !nvfp4) {
                assertTrue(line.endsWith("; FP8 E4M3 and NVFP4: canal's GEMM kernels (the " + row.smName()
                        + " row has no FP8 or FP4 tensor cores for cuBLASLt)"), line);
            } else if (ltLoads()) {
                assertTrue(line.contains("; cublasLtMatmul for " + (fp8 && nvfp4 ? "FP8 E4M3 and NVFP4" : "FP8 E4M3")
                        + " from 16 rows (cuBLASLt: loaded "), line);
                assertEquals(!nvfp4, line.contains("canal's GEMM kernels for NVFP4 (no FP4 tensor cores on "), line);
            } else {
                assertTrue(line.contains("; FP8 E4M3 and NVFP4: canal's GEMM kernels (cuBLASLt"), line);
            }
        }
        try (CudaBackend gpu = CudaBackend.open(d.ordinal(), false)) {
            assertTrue(gpu.prefillMatmuls().endsWith("canal's GEMM kernels (cuBLASLt: not used (GEMM kernels asked"
                    + " for))"), gpu.prefillMatmuls());
        }
    }

    /**
     * Where the tests point {@code CANAL_CUDA_LIB_DIR} at a directory with a cuBLASLt (the emulated runs), it loads:
     * the tests above must not pass by quietly keeping canal's kernels.
     */
    @Test
    void aCublasLtInTheLibraryDirectoryIsLoaded() {
        String dir = System.getenv(CudaLibraries.LIB_DIR_ENV);
        boolean there = dir != null && !dir.isBlank() && CudaLibraries.Library.CUBLAS_LT.files().stream()
                .anyMatch(f -> Files.exists(Path.of(dir, f)));
        if (!there) return;
        assertTrue(ltLoads(), CudaLibraries.status(CudaLibraries.Library.CUBLAS_LT).reason());
    }

    /** The table sends FP8 / NVFP4 prefill to cuBLASLt on exactly the rows whose SM has the tensor cores. */
    @Test
    void theTableNamesCublasLtWhereTheTensorCoresAre() {
        for (KernelTable.Row row : KernelTable.get().rows()) {
            if (!row.buildable()) {
                assertFalse(CublasLtPrefill.fp8OnRow(row) || CublasLtPrefill.nvfp4OnRow(row), row.smName());
                continue;
            }
            assertEquals(row.features().fp8Mma(), CublasLtPrefill.fp8OnRow(row), row.smName());
            assertEquals(row.features().fp4Mma(), CublasLtPrefill.nvfp4OnRow(row), row.smName());
            KernelTable.Op fp8 = row.op("gemm_fp8"), nvfp4 = row.op("gemm_nvfp4");
            assertEquals(row.features().fp8Mma() ? "canal_gemm_fp8_e4m3" : "cpu", fp8.fallback(), row.smName());
            assertEquals(row.features().fp4Mma() ? "canal_gemm_nvfp4" : "cpu", nvfp4.fallback(), row.smName());
        }
        assertEquals(List.of(89, 90, 100, 103, 110, 120, 121), KernelTable.get().rows().stream()
                .filter(CublasLtPrefill::fp8OnRow).map(KernelTable.Row::sm).toList());
        assertEquals(List.of(100, 103, 110, 120, 121), KernelTable.get().rows().stream()
                .filter(CublasLtPrefill::nvfp4OnRow).map(KernelTable.Row::sm).toList());
    }

    private static boolean ltLoads() {
        return CudaLibraries.status(CudaLibraries.Library.CUBLAS_LT).available();
    }

    /** An NVFP4 layer (ModelOpt: block scale × weight_scale_2) and its dequantized weights. */
    private record Nvfp4Case(Tensor tensor, byte[] packed, byte[] scales, float global, int in) {
        double weight(int o, int i) {
            int b = packed[(o * in + i) / 2] & 0xff;
            return E2m1.decode((i & 1) == 0 ? b : b >> 4) * (double) E4m3.decode(scales[o * (in / 16) + i / 16])
                    * global;
        }
    }

    private Nvfp4Case nvfp4(int out, int in) {
        byte[] packed = new byte[out * in / 2];
        random.nextBytes(packed);
        // positive block scales over two decades, so a scale read from another block shows in the product
        byte[] scales = new byte[out * in / 16];
        for (int i = 0; i < scales.length; i++) scales[i] = (byte) (0x18 + random.nextInt(0x38));
        Tensor p = new Tensor("nv.weight", DType.U8, new long[] {out, in / 2}, MemorySegment.ofArray(packed));
        Tensor s = new Tensor("nv.weight_scale", DType.F8_E4M3, new long[] {out, in / 16}, MemorySegment.ofArray(scales));
        float global = 0.02f;
        Tensor t = Tensor.packed("nv.weight", new Nvfp4Matrix("NVFP4", p, s, global, false, List.of(p, s)));
        return new Nvfp4Case(t, packed, scales, global, in);
    }

    private byte[] e4m3Codes(int n) {
        byte[] codes = new byte[n];
        for (int i = 0; i < n; i++) {
            int code = random.nextInt(256);
            if ((code & 0x7f) == 0x7f) code &= 0xf0; // 0x7f / 0xff are NaN
            codes[i] = (byte) code;
        }
        return codes;
    }

    private float[] positive(int n, float from, float to) {
        float[] s = new float[n];
        for (int i = 0; i < n; i++) s[i] = from + random.nextFloat() * (to - from);
        return s;
    }

    /** Gaussian activations with a row-dependent spread and a few outliers, as hidden states have. */
    private float[] activations(int rows, int in) {
        float[] x = new float[rows * in];
        for (int r = 0; r < rows; r++) {
            float spread = 0.5f + r % 5;
            for (int i = 0; i < in; i++) x[r * in + i] = (float) random.nextGaussian() * spread;
            x[r * in + random.nextInt(in)] *= 8;
        }
        return x;
    }

    private static void assertNear(double expected, float actual, double tolerance, String what) {
        assertTrue(Math.abs(expected - actual) <= tolerance, what + ": expected " + expected + ", got " + actual
                + " (tolerance " + tolerance + ")");
    }

    private static void assertClose(float[] expected, float[] actual, double relative, String what) {
        for (int i = 0; i < expected.length; i++) {
            double tol = relative * Math.max(1, Math.abs(expected[i]));
            assertNear(expected[i], actual[i], tol, what + " at " + i);
        }
    }
}
