package dev.canal.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.canal.engine.backend.cuda.CudaDevice;
import dev.canal.engine.backend.cuda.CudaProbe;
import dev.canal.engine.backend.cuda.bindings.CudaLibraries;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

class DoctorCommandTest {

    @Test
    void onAMachineWithoutADriverSaysSoAndShowsTheCpu() {
        CudaLibraries.Status driver = CudaLibraries.status(CudaLibraries.Library.DRIVER);
        assumeFalse(driver.available(), "this machine has a CUDA driver (" + driver.reason() + ")");
        Cli.Result r = Cli.run("doctor");
        assertEquals(0, r.exitCode(), r.stderr());
        String out = r.stdout();
        assertTrue(out.contains("  driver:   no CUDA driver found: libcuda.so.1 not found (searched"), out);
        assertTrue(out.contains("  GPUs:     none usable here — canal runs on the CPU"), out);
        assertTrue(out.contains("  cores:    " + Runtime.getRuntime().availableProcessors() + " ("), out);
        assertTrue(out.contains("jdk.incubator.vector present; preferred species "), out);
        assertTrue(out.contains("  - for NVIDIA GPUs: the NVIDIA driver (libcuda.so.1"), out);
        assertTrue(out.contains("  kernels:  "), out);
        assertFalse(out.contains("GPU 0"), out);
    }

    @Test
    void eachGpuGetsItsRowRuleAndFormats() {
        CudaProbe.Result probe = new CudaProbe.Result(13000, List.of(
                new CudaDevice(0, "NVIDIA H100 80GB HBM3", 9, 0, 80L << 30, 132, false, false),
                new CudaDevice(1, "NVIDIA GB10", 12, 1, 119L << 30, 48, true, true),
                new CudaDevice(2, "Tesla V100-SXM2-16GB", 7, 0, 16L << 30, 80, false, false)), Optional.empty());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DoctorCommand.report(new PrintStream(bytes, true, StandardCharsets.UTF_8), probe, CudaLibraries.status(),
                "kernels for sm_75 compute_121", new DoctorCommand.CpuInfo(8, Optional.of(256), "Linux", "amd64"));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("  driver:   13.0 (13000)"), out);
        assertTrue(out.contains("GPU 0: NVIDIA H100 80GB HBM3, sm_90, 80.0 GiB, 132 SMs, discrete memory"), out);
        String h100 = section(out, "GPU 0", "GPU 1");
        assertTrue(h100.contains("  rule:     EXACT: sm_90 has its own row"), h100);
        // each format as the backend runs it on the row
        assertTrue(h100.contains("  native:   F32, F16, BF16, FP8 E4M3\n"), h100);
        assertTrue(h100.contains("  emulated: Q8_0, Q4_0, AWQ int4, GPTQ int4, GPTQ int8, NVFP4\n"), h100);
        assertTrue(h100.contains("  on CPU:   -\n"), h100);
        assertTrue(h100.contains("  cuBLASLt: FP8 E4M3 prefill from 16 rows, activations quantized on the GPU (decode"
                + " keeps the GEMV kernels)\n"), h100);
        assertTrue(h100.contains("  use:      --device cuda ("), h100);
        String gb10 = section(out, "GPU 1", "GPU 2");
        assertTrue(gb10.contains("unified memory (weights are read in place from the mapped files)"), gb10);
        // NVFP4 decodes on canal's software kernel; its prefill goes to cuBLASLt's FP4 matmul (the cuBLASLt line)
        assertTrue(gb10.contains("  native:   F32, F16, BF16, FP8 E4M3\n"), gb10);
        assertTrue(gb10.contains("  emulated: Q8_0, Q4_0, AWQ int4, GPTQ int4, GPTQ int8, NVFP4\n"), gb10);
        assertTrue(gb10.contains("  cuBLASLt: FP8 E4M3 and NVFP4 prefill from 16 rows"), gb10);
        assertTrue(gb10.contains("  use:      --device cuda:1 ("), gb10);
        String v100 = section(out, "GPU 2", "CPU\n");
        assertTrue(v100.contains("  rule:     CPU: sm_70 (Volta (V100, Titan V)): toolkit cannot target"), v100);
        assertTrue(v100.contains("  formats:  none on this GPU: every op runs on the CPU backend"), v100);
        assertTrue(out.contains("preferred species 256 bits (8 floats per vector)"), out);
    }

    private static String section(String text, String from, String to) {
        int a = text.indexOf(from);
        int b = text.indexOf(to, a);
        assertTrue(a >= 0 && b > a, text);
        return text.substring(a, b);
    }
}
