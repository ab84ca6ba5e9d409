package dev.canal.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.canal.engine.api.CanalException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

class KernelTableTest {
    private static final List<String> OPS = List.of("rmsnorm", "rope", "embed", "swiglu", "add", "softmax",
            "attention_decode", "attention_prefill", "argmax", "topk", "gemv_f32", "gemv_f16", "gemv_bf16", "gemm_f32",
            "gemm_f16", "gemm_bf16", "gemv_q8_0", "gemv_q4_0", "gemv_awq_int4", "gemv_gptq", "gemv_fp8", "nvfp4", "gemm_fp8",
            "gemm_nvfp4");

    @Test
    void hasTheDesignsRowsAndEveryOpOnEachRow() {
        KernelTable t = KernelTable.get();
        assertEquals(List.of(70, 75, 80, 86, 87, 89, 90, 100, 103, 110, 120, 121),
                t.rows().stream().map(KernelTable.Row::sm).toList());
        assertEquals(List.of(75, 80, 86, 87, 89, 90, 100, 103, 110, 120, 121), t.buildableSms());
        assertEquals(121, t.ptxSm());
        for (KernelTable.Row r : t.rows()) assertEquals(OPS, List.copyOf(r.ops().keySet()), r.smName());
    }

    @Test
    void volta_isMarkedUnbuildableAndRunsEverythingOnTheCpu() {
        KernelTable.Row v100 = KernelTable.get().row(70).orElseThrow();
        assertFalse(v100.buildable());
        assertTrue(v100.note().contains("CUDA 13 dropped sm_70"), v100.note());
        for (KernelTable.Op op : v100.ops().values()) assertEquals(KernelTable.Mode.CPU, op.mode());
    }

    @Test
    void featuresFollowTheHardware() {
        KernelTable t = KernelTable.get();
        assertFalse(t.row(75).orElseThrow().features().bf16Mma(), "Turing has no bf16 tensor cores");
        assertTrue(t.row(89).orElseThrow().features().fp8Mma(), "Ada has fp8");
        assertFalse(t.row(86).orElseThrow().features().fp8Mma());
        assertTrue(t.row(90).orElseThrow().features().wgmma(), "wgmma is Hopper's");
        assertFalse(t.row(100).orElseThrow().features().wgmma(), "Blackwell replaced wgmma (tcgen05)");
        for (int sm : List.of(100, 103, 110, 120, 121)) {
            KernelTable.Row r = t.row(sm).orElseThrow();
            assertTrue(r.features().fp4Mma(), r.smName());
            // prefill on cuBLASLt's block-scaled FP4 matmul, decode on canal's GEMV kernel
            assertEquals("cublasLtMatmul", r.op("gemm_nvfp4").kernels().getFirst(), r.smName());
            assertEquals(KernelTable.Mode.NATIVE, r.op("gemm_nvfp4").mode());
            assertEquals(KernelTable.Mode.EMULATED, r.op("nvfp4").mode());
        }
        for (int sm : List.of(89, 90, 100, 103, 110, 120, 121)) {
            assertEquals("cublasLtMatmul", t.row(sm).orElseThrow().op("gemm_fp8").kernels().getFirst(), "sm_" + sm);
        }
        for (int sm : List.of(75, 80, 86, 87, 89, 90)) {
            assertEquals(KernelTable.Mode.EMULATED, t.row(sm).orElseThrow().op("nvfp4").mode(), "sm_" + sm);
        }
        for (int sm : List.of(87, 110, 121)) assertTrue(t.row(sm).orElseThrow().features().unifiedMemoryTypical());
        assertEquals(KernelTable.Mode.EMULATED, t.row(75).orElseThrow().op("gemm_bf16").mode());
    }

    /** Every canal_* kernel the table names is defined, extern "C", in the CUDA sources. */
    @Test
    void everyNamedKernelIsDefinedInTheSources() throws IOException {
        Path dir = Path.of("src/main/cuda");
        StringBuilder all = new StringBuilder();
        try (var files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) all.append(Files.readString(f)).append('\n');
        }
        List<String> defined = new ArrayList<>();
        Matcher m = Pattern.compile("CANAL_KERNEL\\s+void\\s+(\\w+)\\s*\\(").matcher(all);
        while (m.find()) defined.add(m.group(1));
        assertTrue(all.toString().contains("#define CANAL_KERNEL extern \"C\" __global__"));
        List<String> missing = new ArrayList<>();
        for (String name : namedKernels(KernelTable.get())) if (!defined.contains(name)) missing.add(name);
        assertTrue(missing.isEmpty(), "named in the table, not defined: " + missing);
    }

    @Test
    void rejectsARowWithAnUnknownOpOrMode() throws IOException {
        ObjectNode root;
        try (InputStream in = KernelTable.class.getResourceAsStream(KernelTable.RESOURCE)) {
            root = (ObjectNode) new ObjectMapper().readTree(in);
        }
        ObjectNode bad = root.deepCopy();
        ((ObjectNode) bad.get("rows").get(2).get("ops")).putObject("matmul_int2")
                .put("kernel", "x").put("fallback", "cpu").put("mode", "native");
        CanalException e = assertThrows(CanalException.class, () -> KernelTable.parse(bad));
        assertTrue(e.getMessage().contains("row sm_80: op 'matmul_int2' is not in defaultOps"), e.getMessage());

        ObjectNode badMode = root.deepCopy();
        ((ObjectNode) badMode.get("defaultOps").get("add")).put("mode", "fast");
        e = assertThrows(CanalException.class, () -> KernelTable.parse(badMode));
        assertTrue(e.getMessage().contains("mode 'fast'"), e.getMessage());

        ObjectNode badPtx = root.deepCopy();
        badPtx.put("ptx", 70);
        e = assertThrows(CanalException.class, () -> KernelTable.parse(badPtx));
        assertTrue(e.getMessage().contains("'ptx': 70 is not a buildable row"), e.getMessage());
    }

    static List<String> namedKernels(KernelTable t) {
        List<String> names = new ArrayList<>();
        for (KernelTable.Row r : t.rows()) {
            for (KernelTable.Op op : r.ops().values()) {
                List<String> all = new ArrayList<>(op.kernels());
                all.add(op.fallback());
                for (String k : all) if (k.startsWith("canal_") && !names.contains(k)) names.add(k);
            }
        }
        return names;
    }
}
