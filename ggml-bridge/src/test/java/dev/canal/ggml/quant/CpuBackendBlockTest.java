package dev.canal.ggml.quant;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.backend.Weight;
import dev.canal.engine.backend.cpu.CpuActivations;
import dev.canal.engine.backend.cpu.CpuBackend;
import dev.canal.engine.tensor.BlockFormat;
import dev.canal.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine's CPU backend with ggml block-quantized weights (the engine knows them only as {@link BlockFormat}s),
 * against a double-precision product over the dequantized weights. Lives here because the engine must not depend on
 * ggml.
 *
 * <p>Tolerance: the quantization error of the weights is not the kernels' error, so the reference uses the
 * dequantized values. What remains is float32 summation in some order (the format's dot, or the F32 kernel over
 * dequantized rows from {@code MatMul.DECODE_ONCE_ROWS} rows on): as in DotKernelTest, within 1e-5 · Σ|wᵢ·xᵢ|.
 * A format with quantized activations ({@link BlockFormat#newQuantizedActivations()}) also rounds a single
 * activation row to int8 per block of 32: |x − x̂| ≤ amax/254 (rounding to the step amax/127) + amax/2048 (the step is
 * stored as fp16, 2⁻¹¹ relative, times |q| ≤ 127), so that path may further err by Σ|wᵢ|·amax_b(i)·(1/254 + 1/2048).
 */
class CpuBackendBlockTest {
    private static final int OUT_ROWS = 13; // not a multiple of 4: the last block of output rows is partial

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"})
    void matmulMatchesDoubleReferenceOnOneAndTwoThreads(GgmlType type) {
        QuantFormat f = QuantFormats.of(type);
        Random rnd = new Random(100 + type.id());
        try (Arena arena = Arena.ofShared(); CpuBackend one = new CpuBackend(1); CpuBackend two = new CpuBackend(2)) {
            for (int cols : new int[] {256, 512}) {
                float[] source = gaussian(rnd, OUT_ROWS * cols, 0.5f);
                Tensor w = quantize(arena, f, "blk.0.ffn_up.weight", source, OUT_ROWS, cols);
                float[] deq = dequantize(f, w.data(), OUT_ROWS, cols);
                // 5 rows: one 4-row tile and one single row on packed blocks; 17 and 70: weight rows dequantized
                // once per product (SkinnyGemm, PanelGemm)
                for (int rows : new int[] {1, 3, 5, 17, 70}) {
                    float[] x = gaussian(rnd, rows * cols, 1f);
                    float[] got1 = matmul(one, w, x, rows, cols);
                    float[] got2 = matmul(two, w, x, rows, cols);
                    assertArrayEquals(got1, got2, type + ": 1 and 2 threads differ, rows=" + rows + " cols=" + cols);
                    boolean int8 = rows == 1 && f.newQuantizedActivations() != null;
                    for (int r = 0; r < rows; r++) {
                        for (int o = 0; o < OUT_ROWS; o++) {
                            double sum = 0;
                            double abs = 0;
                            double activationRounding = 0;
                            for (int i = 0; i < cols; i++) {
                                double p = (double) x[r * cols + i] * deq[o * cols + i];
                                sum += p;
                                abs += Math.abs(p);
                                activationRounding += Math.abs(deq[o * cols + i])
                                        * blockAmax(x, r * cols, i) * (1.0 / 254 + 1.0 / 2048);
                            }
                            double tol = 1e-5 * abs + (int8 ? activationRounding : 0);
                            float g = got1[r * OUT_ROWS + o];
                            double want = sum;
                            int row = r;
                            int col = o;
                            assertTrue(Math.abs(g - want) <= tol, () -> type + " rows=" + rows + " cols=" + cols
                                    + " [" + row + "," + col + "]: got " + g + " want " + want + " tol " + tol);
                        }
                    }
                }
            }
        }
    }

    /** A quantized embedding table (GGUF files often have Q4_K/Q6_K token_embd): the looked-up rows dequantized. */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_K", "Q6_K"})
    void embeddingLookupDequantizesTheRow(GgmlType type) {
        QuantFormat f = QuantFormats.of(type);
        int vocab = 10;
        int cols = 256;
        try (Arena arena = Arena.ofShared(); CpuBackend backend = new CpuBackend(2)) {
            Tensor table = quantize(arena, f, "token_embd.weight", gaussian(new Random(3), vocab * cols, 1f), vocab,
                    cols);
            float[] deq = dequantize(f, table.data(), vocab, cols);
            int[] tokens = {7, 0, 9, 7};
            CpuActivations out = backend.allocate(tokens.length, cols);
            backend.embed(out, backend.weight(table), tokens, tokens.length);
            for (int r = 0; r < tokens.length; r++) {
                float[] want = new float[cols];
                System.arraycopy(deq, tokens[r] * cols, want, 0, cols);
                float[] got = new float[cols];
                backend.read(out, r, got);
                assertArrayEquals(want, got, type + " token " + tokens[r]);
            }
            CanalException e = assertThrows(CanalException.class,
                    () -> backend.embed(out, backend.weight(table), new int[] {vocab}, 1));
            assertTrue(e.getMessage().contains("token_embd.weight"), e.getMessage());
        }
    }

    /** A 1-D block-quantized tensor (a bias here) is decoded once, like a dense vector. */
    @Test
    void oneDimensionalBlockTensorIsDecodedOnce() {
        QuantFormat f = QuantFormats.of(GgmlType.Q8_0);
        int cols = 64;
        try (Arena arena = Arena.ofShared(); CpuBackend backend = new CpuBackend(1)) {
            float[] values = gaussian(new Random(5), cols, 1f);
            MemorySegment data = arena.allocate(f.rowBytes(cols), 1);
            f.quantizeRow(values, 0, data, 0, cols);
            Weight bias = backend.weight(Tensor.quantized("bias", f, new long[] {cols}, data));
            float[] deq = dequantize(f, data, 1, cols);
            CpuActivations x = backend.allocate(2, cols);
            float[] x0 = gaussian(new Random(6), 2 * cols, 1f);
            System.arraycopy(x0, 0, x.data(), 0, x0.length);
            backend.addBias(x, bias, 2);
            for (int i = 0; i < 2 * cols; i++) assertEquals(x0[i] + deq[i % cols], x.data()[i], "element " + i);
        }
    }

    @Test
    void rowLengthNotAMultipleOfTheBlockSizeIsRefused() {
        QuantFormat f = QuantFormats.of(GgmlType.Q4_K);
        try (CpuBackend backend = new CpuBackend(1)) {
            // 2 rows of 100 elements cannot be Q4_K (blocks of 256); give it the bytes of one block per row
            MemorySegment data = MemorySegment.ofArray(new byte[2 * f.blockBytes()]);
            CanalException e = assertThrows(CanalException.class,
                    () -> backend.weight(Tensor.quantized("blk.3.attn_q.weight", f, new long[] {2, 100}, data)));
            assertTrue(e.getMessage().contains("blk.3.attn_q.weight") && e.getMessage().contains("256"),
                    e.getMessage());
        }
    }

    @Test
    void wrongDataSizeIsRefused() {
        QuantFormat f = QuantFormats.of(GgmlType.Q8_0);
        try (CpuBackend backend = new CpuBackend(1)) {
            long expected = 4 * f.rowBytes(64);
            for (long size : new long[] {expected - 1, expected + f.blockBytes(), 4L * 64 * 4}) {
                MemorySegment data = MemorySegment.ofArray(new byte[(int) size]);
                CanalException e = assertThrows(CanalException.class,
                        () -> backend.weight(Tensor.quantized("output.weight", f, new long[] {4, 64}, data)));
                assertTrue(e.getMessage().contains("output.weight") && e.getMessage().contains("Q8_0")
                        && e.getMessage().contains(Long.toString(expected)), e.getMessage());
            }
        }
    }

    static Tensor quantize(Arena arena, QuantFormat f, String name, float[] values, int rows, int cols) {
        long rb = f.rowBytes(cols);
        MemorySegment data = arena.allocate(rb * rows, 8);
        for (int r = 0; r < rows; r++) f.quantizeRow(values, r * cols, data, r * rb, cols);
        return Tensor.quantized(name, f, new long[] {rows, cols}, data);
    }

    static float[] dequantize(QuantFormat f, MemorySegment data, int rows, int cols) {
        float[] out = new float[rows * cols];
        for (int r = 0; r < rows; r++) f.dequantizeRow(data, r * f.rowBytes(cols), out, r * cols, cols);
        return out;
    }

    private static float[] matmul(CpuBackend backend, Tensor w, float[] x, int rows, int cols) {
        CpuActivations in = backend.allocate(rows, cols);
        System.arraycopy(x, 0, in.data(), 0, x.length);
        CpuActivations out = backend.allocate(rows, OUT_ROWS);
        backend.matmul(out, in, backend.weight(w), rows);
        return out.data().clone();
    }

    /** The largest |x| in the block of 32 that holds element i of the row at x[off…]. */
    private static double blockAmax(float[] x, int off, int i) {
        int start = off + i / 32 * 32;
        double amax = 0;
        for (int j = start; j < start + 32; j++) amax = Math.max(amax, Math.abs(x[j]));
        return amax;
    }

    private static float[] gaussian(Random rnd, int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (rnd.nextGaussian() * scale);
        return a;
    }
}
