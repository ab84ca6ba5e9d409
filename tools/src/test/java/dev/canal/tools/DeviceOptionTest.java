package dev.canal.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.canal.engine.backend.cuda.CudaBackend;
import dev.canal.engine.backend.cuda.CudaDevice;
import dev.canal.engine.backend.cuda.CudaProbe;
import dev.canal.engine.testing.Fixtures;
import dev.canal.engine.testing.GpuForTests;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code --device} of run and bench: the CUDA backend runs only when asked for, and where it cannot run the user
 * gets one line saying why, not a stack trace and not a silent CPU run.
 */
class DeviceOptionTest {

    @Test
    void runOnCudaWithoutAGpuSaysWhy() {
        assumeFalse(CudaProbe.probe().available(), "a CUDA GPU is usable here; this checks the machine without one");
        Cli.Result r = Cli.run("run", Fixtures.stories().toString(), "--raw", "--prompt", "", "--max-tokens", "4",
                "--device", "cuda");
        assertEquals(1, r.exitCode(), r.stderr());
        assertEquals("", r.stdout());
        assertTrue(r.stderr().startsWith("error: cuda:0: " + CudaProbe.probe().unavailable().orElseThrow()),
                r.stderr());
        assertEquals(1, r.stderr().strip().lines().count(), r.stderr());
    }

    @Test
    void benchOnCudaWithoutAGpuPrintsOnlyTheReason() {
        assumeFalse(CudaProbe.probe().available(), "a CUDA GPU is usable here; this checks the machine without one");
        Cli.Result r = Cli.run("bench", Fixtures.stories().toString(), "-p", "8", "-n", "4", "-r", "1",
                "--device", "cuda:1");
        assertEquals(1, r.exitCode(), r.stderr());
        assertEquals("", r.stdout()); // no table header before the error
        assertTrue(r.stderr().startsWith("error: cuda:1: "), r.stderr());
    }

    /**
     * Issue 5's AWQ must-show and issue 6's "greedy output equals the CPU backend's" (the fixtures' expected texts are
     * the CPU's), for AWQ int4, F32 safetensors and a GGUF file, on a GPU where there is one; the build's cuda-emulator
     * test run runs them on the CUDA emulator.
     */
    @ParameterizedTest
    @ValueSource(strings = {"stories260K-awq-derived", "stories260K-hf-derived", "stories260K-gguf/stories260K.gguf"})
    void onAGpuTheFixturesGiveTheirExpectedGreedyText(String fixture) throws Exception {
        GpuForTests.require();
        Path model = Fixtures.model(fixture);
        Path expected = (Files.isDirectory(model) ? model : model.getParent()).resolve("expected_greedy_200.txt");
        long before = CudaBackend.topKSelections();
        Cli.Result r = Cli.run("run", model.toString(), "--raw", "--prompt", "", "--temperature", "0",
                "--max-tokens", "200", "--device", "cuda", "--verbose");
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals(Files.readString(expected), r.stdout());
        assertTrue(r.stderr().contains("backend: cuda:0; "), r.stderr());
        // Greedy takes the best candidate of each forward pass from canal_argmax_f32: 200 of them, no logits rows.
        assertEquals(200, CudaBackend.topKSelections() - before);
    }

    /**
     * Sampling on the GPU: temperature 0.8, top-k 40 (top-p 0.95 and min-p 0.05 as by default) and one seed give the
     * CPU's text, from candidates the top-k kernels selected (a selection per forward pass: at least one per token
     * generated) instead of logits rows.
     */
    @Test
    void onAGpuSeededTopKSamplingGivesTheCpusTextFromCandidatesSelectedThere() {
        GpuForTests.require();
        String[] run = {"run", Fixtures.stories().toString(), "--raw", "--prompt", "Once upon a time",
                "--temperature", "0.8", "--top-k", "40", "--seed", "20261123", "--max-tokens", "64", "--device", "cpu"};
        Cli.Result cpu = Cli.run(run);
        assertEquals(0, cpu.exitCode(), cpu.stderr());
        run[run.length - 1] = "cuda";
        long before = CudaBackend.topKSelections();
        Cli.Result gpu = Cli.run(run);
        long selections = CudaBackend.topKSelections() - before;
        assertEquals(0, gpu.exitCode(), gpu.stderr());
        assertTrue(cpu.stdout().length() > 100, cpu.stdout());
        assertEquals(cpu.stdout(), gpu.stdout());
        Matcher generated = Pattern.compile("generated: (\\d+) tokens").matcher(gpu.stderr());
        assertTrue(generated.find(), gpu.stderr());
        int tokens = Integer.parseInt(generated.group(1));
        assertTrue(tokens > 20 && selections >= tokens, tokens + " tokens, " + selections + " selections");
    }

    /**
     * GPTQ on the GPU: stories260K quantized by the quantize command (int4 and int8, group 32: its attention
     * projections; the MLP's 172 features stay F32) gives the CPU backend's greedy text with every layer on the GPU.
     */
    @ParameterizedTest
    @ValueSource(strings = {"4", "8"})
    void onAGpuAGptqModelGivesTheCpusGreedyText(String bits, @TempDir Path tmp) {
        GpuForTests.require();
        Path model = tmp.resolve("gptq-int" + bits);
        Cli.Result q = Cli.run("quantize", Fixtures.stories().toString(), "--to", "gptq", "--bits", bits,
                "--group-size", "32", "-o", model.toString());
        assertEquals(0, q.exitCode(), q.stderr());
        Cli.Result cpu = Cli.run("run", model.toString(), "--raw", "--prompt", "", "--temperature", "0",
                "--max-tokens", "200", "--device", "cpu");
        Cli.Result gpu = Cli.run("run", model.toString(), "--raw", "--prompt", "", "--temperature", "0",
                "--max-tokens", "200", "--device", "cuda", "--verbose");
        assertEquals(0, cpu.exitCode(), cpu.stderr());
        assertEquals(0, gpu.exitCode(), gpu.stderr());
        assertTrue(gpu.stderr().contains("backend: cuda:0; "), gpu.stderr());
        assertEquals(cpu.stdout(), gpu.stdout());
    }

    /**
     * stories260K quantized to FP8 with 128 × 128 scale blocks (Qwen3-FP8's layout) runs on the GPU and generates
     * the CPU's greedy text. Its MLP matrices ([172, 64] and [64, 172]) span two blocks, so they take the tile-scaled
     * kernels: after a prompt (the multi-row launch) and token by token (the one-row launch).
     */
    @Test
    void aBlockScaledFp8ModelGivesTheCpusGreedyText(@TempDir Path dir) {
        GpuForTests.require();
        Path model = dir.resolve("fp8-block");
        Cli.Result q = Cli.run("quantize", Fixtures.stories().toString(), "--to", "fp8", "--fp8-scaling", "block",
                "-o", model.toString());
        assertEquals(0, q.exitCode(), q.stderr());
        String[] run = {"run", model.toString(), "--raw", "--prompt", "Once upon a time, there was a little girl",
                "--temperature", "0", "--max-tokens", "40", "--device", "cpu"};
        Cli.Result cpu = Cli.run(run);
        assertEquals(0, cpu.exitCode(), cpu.stderr());
        run[run.length - 1] = "cuda";
        Cli.Result gpu = Cli.run(run);
        assertEquals(0, gpu.exitCode(), gpu.stderr());
        assertTrue(cpu.stdout().length() > 40, cpu.stdout());
        assertEquals(cpu.stdout(), gpu.stdout());
    }

    /** Issue 6's GPU/CPU split: the last 2 of the 5 layers and the head on the GPU, the rest on the CPU. */
    @Test
    void aModelSplitBetweenTheGpuAndTheCpuGivesTheCpusText() throws Exception {
        GpuForTests.require();
        Path model = Fixtures.stories();
        Cli.Result r = Cli.run("run", model.toString(), "--raw", "--prompt", "", "--temperature", "0",
                "--max-tokens", "200", "--device", "cuda", "--gpu-layers", "2", "--verbose");
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals(Files.readString(model.resolve("expected_greedy_200.txt")), r.stdout());
        assertTrue(r.stderr().contains("backend: cuda:0 (layers 3-4 and the output head, "), r.stderr());
        assertTrue(r.stderr().contains(" threads: the embedding and layers 0-2)"), r.stderr());
    }

    /** Issue 6's bench must-show: decode tokens/s and the fraction of the GPU's memory bandwidth it reaches. */
    @Test
    void benchOnAGpuReportsTheShareOfPeakMemoryBandwidth() {
        CudaDevice d = GpuForTests.require();
        Cli.Result r = Cli.run("bench", Fixtures.stories().toString(), "-p", "4", "-n", "4", "-r", "1",
                "--device", "cuda");
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.stdout().contains("| CUDA    |"), r.stdout());
        if (d.memoryBandwidth() > 0) {
            assertTrue(r.stdout().contains("cuda:0 (" + d.name() + "): tg4 reads the weights at "), r.stdout());
            assertTrue(r.stdout().contains(String.format(java.util.Locale.ROOT, "of its %.0f GB/s peak memory"
                    + " bandwidth", d.memoryBandwidth() / 1e9)), r.stdout());
        }
        Cli.Result json = Cli.run("bench", Fixtures.stories().toString(), "-p", "0", "-n", "4", "-r", "1",
                "--device", "cuda", "--json");
        assertEquals(0, json.exitCode(), json.stderr());
        assertEquals(d.memoryBandwidth() > 0, json.stdout().contains("\"memory_bandwidth_fraction\":"), json.stdout());
    }

    @Test
    void gpuLayersWithoutAGpuDeviceIsRefused() {
        Cli.Result r = Cli.run("run", Fixtures.stories().toString(), "--prompt", "", "--gpu-layers", "2");
        assertEquals(2, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("gpu layers are for a GPU: add --device cuda"), r.stderr());
    }

    @Test
    void aDeviceNameThatIsNeitherIsRefused() {
        Cli.Result run = Cli.run("run", Fixtures.stories().toString(), "--prompt", "", "--device", "gpu");
        assertEquals(2, run.exitCode(), run.stderr());
        assertTrue(run.stderr().contains("device must be cpu, cuda or cuda:N (N a GPU number), got gpu"),
                run.stderr());
        Cli.Result bench = Cli.run("bench", Fixtures.stories().toString(), "--device", "tpu");
        assertEquals(1, bench.exitCode(), bench.stderr());
        assertTrue(bench.stderr().contains("got tpu"), bench.stderr());
    }

    @Test
    void theCpuStaysTheDefaultAndSaysWhyNoGpuIsUsed() {
        Cli.Result r = Cli.run("run", Fixtures.stories().toString(), "--raw", "--prompt", "", "--max-tokens", "4",
                "--temperature", "0", "--verbose");
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("backend: cpu ("), r.stderr());
        assertTrue(r.stderr().contains("GPU not used: "), r.stderr());
    }
}
