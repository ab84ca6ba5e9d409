package dev.canal.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.canal.engine.backend.cpu.CpuBackend;
import dev.canal.engine.quant.fp8.Fp8Matrix;
import dev.canal.engine.quant.nvfp4.Nvfp4Matrix;
import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.PackedMatrix;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.testing.BackendProducts;
import dev.canal.engine.testing.GpuForTests;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Random;

/**
 * FP8 (scales per tensor, per channel, per tile and per group along the input) and NVFP4 layers bound by the CUDA
 * backend multiply like the CPU backend. The GPU case needs a GPU and is skipped with the reason; the CPU case checks
 * the harness against the dequantized weights here.
 */
class PackedFormatsOnCudaTest {
    private static final int ROWS = 3, IN = 256, OUT = 70;

    /** 1 row: the GEMV launch; more: the multi-row GEMM launch, with full and partial row groups. */
    @Test
    void onTheGpuTheyMatchTheCpuBackend() {
        CudaDevice d = GpuForTests.require();
        for (int rows : new int[] {1, ROWS, 8, 13}) {
            for (PackedMatrix m : matrices()) {
                float[] x = activations(rows);
                float[] a, b;
                try (CpuBackend cpu = new CpuBackend(1)) {
                    a = BackendProducts.multiply(cpu, Tensor.packed("l", m), x, rows);
                }
                try (CudaBackend gpu = CudaBackend.open(d.ordinal())) {
                    b = BackendProducts.multiply(gpu, Tensor.packed("l", m), x, rows);
                }
                assertClose(a, b, m.formatName() + " cpu vs cuda, " + rows + " rows");
            }
        }
    }

    @Test
    void onTheCpuTheyMatchTheDequantizedWeights() {
        for (PackedMatrix m : matrices()) {
            float[] x = activations(ROWS);
            float[] y;
            try (CpuBackend cpu = new CpuBackend(1)) {
                y = BackendProducts.multiply(cpu, Tensor.packed("l", m), x, ROWS);
            }
            float[] w = new float[IN];
            float[] reference = new float[ROWS * OUT];
            for (int o = 0; o < OUT; o++) {
                m.dequantizeRow(o, w, 0);
                for (int r = 0; r < ROWS; r++) {
                    double s = 0;
                    for (int i = 0; i < IN; i++) s += (double) x[r * IN + i] * w[i];
                    reference[r * OUT + o] = (float) s;
                }
            }
            assertClose(reference, y, m.formatName() + " cpu vs dequantized");
        }
    }

    private static List<PackedMatrix> matrices() {
        Random random = new Random(5);
        byte[] e4m3 = new byte[OUT * IN];
        for (int i = 0; i < e4m3.length; i++) {
            int code = random.nextInt(256);
            if ((code & 0x7F) == 0x7F) code &= 0xF0; // 0x7F / 0xFF are NaN in E4M3
            e4m3[i] = (byte) code;
        }
        Tensor fp8 = new Tensor("fp8.weight", DType.F8_E4M3, new long[] {OUT, IN}, MemorySegment.ofArray(e4m3));
        float[] channel = scales(random, OUT);

        byte[] packed = new byte[OUT * IN / 2];
        random.nextBytes(packed);
        byte[] blockScales = new byte[OUT * IN / 16];
        for (int i = 0; i < blockScales.length; i++) blockScales[i] = (byte) (0x20 + random.nextInt(0x30)); // positive
        Tensor nvPacked = new Tensor("nv.weight", DType.U8, new long[] {OUT, IN / 2}, MemorySegment.ofArray(packed));
        Tensor nvScales = new Tensor("nv.weight_scale", DType.F8_E4M3, new long[] {OUT, IN / 16},
                MemorySegment.ofArray(blockScales));
        return List.of(
                new Fp8Matrix("FP8 E4M3 tensor", fp8, new float[] {0.004f}, OUT, IN, List.of(fp8)),
                new Fp8Matrix("FP8 E4M3 channel", fp8, channel, 1, IN, List.of(fp8)),
                // DeepSeek / Qwen3's 128 × 128 tiles scaled to the test: the last of 5 row blocks has 6 rows
                fp8Blocks(fp8, random, 16, 64),
                // a partial last tile both ways: 70 = 2 · 24 + 22 rows, 256 = 5 · 48 + 16 columns
                fp8Blocks(fp8, random, 24, 48),
                // tiles of whole rows (one column block) that still need the tile kernel
                fp8Blocks(fp8, random, 32, IN),
                // compressed-tensors "group": a scale per output row and 32 inputs
                fp8Blocks(fp8, random, 1, 32),
                new Nvfp4Matrix("NVFP4", nvPacked, nvScales, 0.02f, false, List.of(nvPacked, nvScales)),
                new Nvfp4Matrix("NVFP4 (global divides)", nvPacked, nvScales, 50f, true, List.of(nvPacked, nvScales)));
    }

    /** An FP8 matrix over {@code fp8} with a random scale per blockRows × blockCols tile. */
    private static Fp8Matrix fp8Blocks(Tensor fp8, Random random, int blockRows, int blockCols) {
        int tiles = ((OUT + blockRows - 1) / blockRows) * ((IN + blockCols - 1) / blockCols);
        return new Fp8Matrix("FP8 E4M3 " + blockRows + "x" + blockCols + " blocks", fp8, scales(random, tiles),
                blockRows, blockCols, List.of(fp8));
    }

    /** Positive scales spread over a decade, so a scale taken from the wrong tile shows in the product. */
    private static float[] scales(Random random, int n) {
        float[] s = new float[n];
        for (int i = 0; i < n; i++) s[i] = 0.001f + random.nextFloat() * 0.01f;
        return s;
    }

    private static float[] activations(int rows) {
        Random random = new Random(6);
        float[] x = new float[rows * IN];
        for (int i = 0; i < x.length; i++) x[i] = (float) random.nextGaussian();
        return x;
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            float tol = 1e-4f * Math.max(1, Math.abs(expected[i]));
            assertTrue(Math.abs(expected[i] - actual[i]) <= tol,
                    what + " at " + i + ": " + expected[i] + " vs " + actual[i]);
        }
    }
}
