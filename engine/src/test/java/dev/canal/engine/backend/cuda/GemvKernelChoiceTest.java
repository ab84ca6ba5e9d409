package dev.canal.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.canal.engine.tensor.DType;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The CUDA backend multiplies by each weight format with the kernel its GPU's kernel-table row names. */
class GemvKernelChoiceTest {
    private final KernelTable table = KernelTable.get();

    @Test
    void everyRowGivesEachFormatOneOfCanalsKernels() {
        for (KernelTable.Row row : table.rows()) {
            if (!row.buildable()) continue;
            for (String format : KernelTable.FORMAT_OPS.keySet()) {
                String kernel = CudaBackend.gemvKernel(row, format);
                assertTrue(kernel != null && kernel.startsWith("canal_gemv_"), row.smName() + " " + format + ": " + kernel);
            }
        }
    }

    @Test
    void decodeTakesCanalsKernelWherePrefillTakesALibraryCall() {
        // sm_100+ rows name cuBLASLt's FP4 matmul for NVFP4 prefill (gemm_nvfp4); decode keeps the GEMV kernel
        assertEquals("cublasLtMatmul", table.row(100).orElseThrow().op("gemm_nvfp4").kernels().getFirst());
        assertEquals("canal_gemv_nvfp4", CudaBackend.gemvKernel(table.row(100).orElseThrow(), "NVFP4"));
        assertEquals("canal_gemv_nvfp4", CudaBackend.gemvKernel(table.row(90).orElseThrow(), "NVFP4"));
        assertEquals("canal_gemv_bf16", CudaBackend.gemvKernel(table.row(75).orElseThrow(), "BF16")); // emulated
        assertEquals("canal_gemv_q4_0", CudaBackend.gemvKernel(table.row(86).orElseThrow(), "Q4_0"));
    }

    /** Both GPTQ widths share one op: the kernels take the width as an argument. */
    @Test
    void gptqOfEitherWidthRunsCanalsGptqKernelsEmulatedOnEveryRow() {
        for (KernelTable.Row row : table.rows()) {
            if (!row.buildable()) continue;
            for (String format : List.of("GPTQ int4", "GPTQ int8")) {
                String kernel = CudaBackend.gemvKernel(row, format);
                assertEquals("canal_gemv_gptq", kernel, row.smName() + " " + format);
                assertEquals("canal_gemm_gptq", CudaBackend.PREFILL_KERNELS.get(kernel), row.smName());
                assertEquals(KernelTable.Mode.EMULATED, CudaBackend.mode(row, format), row.smName() + " " + format);
            }
        }
    }

    @Test
    void aRowThatSendsAFormatToTheCpuGivesNoKernel() {
        KernelTable.Row sm90 = table.row(90).orElseThrow();
        Map<String, KernelTable.Op> ops = new HashMap<>(sm90.ops());
        ops.put("gemv_q8_0", new KernelTable.Op(List.of("cublasLtMatmul"), KernelTable.CPU, KernelTable.Mode.CPU));
        KernelTable.Row row = new KernelTable.Row(sm90.sm(), sm90.name(), true, sm90.archSpecific(), sm90.note(),
                sm90.features(), ops);
        assertNull(CudaBackend.gemvKernel(row, "Q8_0"));
        assertEquals(KernelTable.Mode.CPU, CudaBackend.mode(row, "Q8_0"));
        assertEquals("canal_gemv_q4_0", CudaBackend.gemvKernel(row, "Q4_0"));
    }

    /** FP8 scaled per tile takes the _blocks sibling of the row-scaled kernel, with its own prefill launch. */
    @Test
    void everyRowGivesBlockScaledFp8ItsTileKernel() {
        for (KernelTable.Row row : table.rows()) {
            if (!row.buildable()) continue;
            assertEquals("canal_gemv_fp8_e4m3", CudaBackend.gemvKernel(row, "FP8 E4M3"), row.smName());
            assertEquals("canal_gemv_fp8_e4m3_blocks", CudaBackend.fp8BlocksKernel(row), row.smName());
        }
        assertEquals("canal_gemm_fp8_e4m3_blocks", CudaBackend.PREFILL_KERNELS.get("canal_gemv_fp8_e4m3_blocks"));
        assertEquals("canal_gemm_fp8_e4m3", CudaBackend.PREFILL_KERNELS.get("canal_gemv_fp8_e4m3"));
    }

    @Test
    void aRowWhoseFp8OpNamesNoTileKernelGivesNone() {
        KernelTable.Row sm90 = table.row(90).orElseThrow();
        Map<String, KernelTable.Op> ops = new HashMap<>(sm90.ops());
        ops.put("gemv_fp8", new KernelTable.Op(List.of("canal_gemv_fp8_e4m3", "canal_gemm_fp8_e4m3"),
                KernelTable.CPU, KernelTable.Mode.NATIVE));
        KernelTable.Row row = new KernelTable.Row(sm90.sm(), sm90.name(), true, sm90.archSpecific(), sm90.note(),
                sm90.features(), ops);
        assertNull(CudaBackend.fp8BlocksKernel(row));
        assertNull(CudaBackend.fp8BlocksKernel(table.row(70).orElseThrow()), "sm_70 runs FP8 on the CPU");
    }

    @Test
    void prefillByDenseWeightsGoesToCublasWhereTheRowNamesIt() {
        for (KernelTable.Row row : table.rows()) {
            if (!row.buildable()) continue;
            assertTrue(CudaBackend.gemmOnCublas(row, DType.F32), row.smName());
            assertTrue(CudaBackend.gemmOnCublas(row, DType.F16), row.smName());
            // Turing has no bf16 tensor cores: its row keeps BF16 prefill on the GEMV kernel
            assertEquals(row.sm() != 75, CudaBackend.gemmOnCublas(row, DType.BF16), row.smName());
            assertFalse(CudaBackend.gemmOnCublas(row, DType.BLOCK), row.smName());
        }
        assertFalse(CudaBackend.gemmOnCublas(table.row(70).orElseThrow(), DType.F16), "sm_70 runs on the CPU");
    }

    @Test
    void aFallbackRunsEmulatedWhateverTheRowSaysOfTheLibraryPath() {
        KernelTable.Row sm100 = table.row(100).orElseThrow();
        assertEquals(KernelTable.Mode.NATIVE, sm100.op("gemm_nvfp4").mode()); // cuBLASLt's FP4 tensor cores
        assertEquals(KernelTable.Mode.EMULATED, CudaBackend.mode(sm100, "NVFP4")); // decode: the software kernel
        assertEquals(KernelTable.Mode.NATIVE, CudaBackend.mode(sm100, "FP8 E4M3"));
        assertEquals(KernelTable.Mode.EMULATED, CudaBackend.mode(table.row(75).orElseThrow(), "BF16"));
        // a row whose decode op names only a library call takes that op's fallback, emulated
        Map<String, KernelTable.Op> ops = new HashMap<>(sm100.ops());
        ops.put("nvfp4", new KernelTable.Op(List.of("cublasLtMatmul"), "canal_gemv_nvfp4", KernelTable.Mode.NATIVE));
        KernelTable.Row row = new KernelTable.Row(sm100.sm(), sm100.name(), true, sm100.archSpecific(), sm100.note(),
                sm100.features(), ops);
        assertEquals("canal_gemv_nvfp4", CudaBackend.gemvKernel(row, "NVFP4"));
        assertEquals(KernelTable.Mode.EMULATED, CudaBackend.mode(row, "NVFP4"));
    }
}
