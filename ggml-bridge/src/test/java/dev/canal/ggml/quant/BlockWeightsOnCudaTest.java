package dev.canal.ggml.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.canal.engine.backend.Activations;
import dev.canal.engine.backend.Backend;
import dev.canal.engine.backend.cpu.CpuBackend;
import dev.canal.engine.backend.cuda.CudaBackend;
import dev.canal.engine.backend.cuda.CudaDevice;
import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.testing.GpuForTests;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

/**
 * Q8_0 and Q4_0 weights bound by the CUDA backend (GEMV kernels over the blocks as GGUF stores them; a quantized
 * embedding table gathered on the host) give what the CPU backend gives. Needs a GPU; skipped with the reason.
 */
class BlockWeightsOnCudaTest {
    private static final int ROWS = 3, IN = 256, OUT = 70, VOCAB = 10;

    @Test
    void q8_0AndQ4_0OnTheGpuMatchTheCpuBackend() {
        CudaDevice d = GpuForTests.require();
        for (QuantFormat format : new QuantFormat[] {new Q8_0Format(), new Q4_0Format()}) {
            try (Arena arena = Arena.ofConfined(); CpuBackend cpu = new CpuBackend(1);
                 CudaBackend gpu = CudaBackend.open(d.ordinal())) {
                Tensor w = random(arena, format, "w", OUT, IN, 1);
                Tensor table = random(arena, format, "table", VOCAB, IN, 2);
                float[][] a = run(cpu, w, table), b = run(gpu, w, table);
                assertArrayEquals(a[0], b[0], format.name() + " embedding rows"); // both dequantize on the host
                for (int i = 0; i < a[1].length; i++) {
                    float tol = 1e-4f * Math.max(1, Math.abs(a[1][i]));
                    assertTrue(Math.abs(a[1][i] - b[1][i]) <= tol,
                            format.name() + " output " + i + ": cpu " + a[1][i] + ", cuda " + b[1][i]);
                }
            }
        }
    }

    /** The same harness on the CPU backend alone: the products match the dequantized weights in double. */
    @Test
    void theHarnessOnTheCpuBackendMatchesDequantizedWeights() {
        for (QuantFormat format : new QuantFormat[] {new Q8_0Format(), new Q4_0Format()}) {
            try (Arena arena = Arena.ofConfined(); CpuBackend cpu = new CpuBackend(1)) {
                Tensor w = random(arena, format, "w", OUT, IN, 1);
                Tensor table = random(arena, format, "table", VOCAB, IN, 2);
                float[][] y = run(cpu, w, table);
                float[] wRow = new float[IN];
                for (int r = 0; r < ROWS; r++) {
                    for (int o = 0; o < OUT; o++) {
                        format.dequantizeRow(w.data(), o * format.rowBytes(IN), wRow, 0, IN);
                        double sum = 0, abs = 0;
                        for (int i = 0; i < IN; i++) {
                            sum += (double) y[0][r * IN + i] * wRow[i];
                            abs += Math.abs((double) y[0][r * IN + i] * wRow[i]);
                        }
                        assertTrue(Math.abs(sum - y[1][r * OUT + o]) <= 1e-5 * abs + 1e-6,
                                format.name() + " row " + r + " output " + o);
                    }
                }
            }
        }
    }

    /** Embeds tokens 7, 2, 9 from {@code table}, multiplies by {@code w}: {embedded rows, products}. */
    private static float[][] run(Backend be, Tensor w, Tensor table) {
        Activations x = be.allocate(ROWS, IN), y = be.allocate(ROWS, OUT);
        be.embed(x, be.weight(table), new int[] {7, 2, 9}, ROWS);
        be.matmul(y, x, be.weight(w), ROWS);
        float[] xs = new float[ROWS * IN], ys = new float[ROWS * OUT], xRow = new float[IN], yRow = new float[OUT];
        for (int r = 0; r < ROWS; r++) {
            be.read(x, r, xRow);
            System.arraycopy(xRow, 0, xs, r * IN, IN);
            be.read(y, r, yRow);
            System.arraycopy(yRow, 0, ys, r * OUT, OUT);
        }
        return new float[][] {xs, ys};
    }

    private static Tensor random(Arena arena, QuantFormat format, String name, int rows, int cols, long seed) {
        Random random = new Random(seed);
        long rowBytes = format.rowBytes(cols);
        MemorySegment data = arena.allocate(rows * rowBytes, 16);
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) row[c] = (float) random.nextGaussian() * 0.3f;
            format.quantizeRow(row, 0, data, r * rowBytes, cols);
        }
        return Tensor.quantized(name, format, new long[] {rows, cols}, data);
    }
}
