package dev.canal.engine.quant.awq;

import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The AWQ kernel against a scalar dequantize-then-dot reference written here from AutoAWQ's GEMM layout (nibble at
 * bits 4k of a packed int32 is output column 8·word + [0, 2, 4, 6, 1, 3, 5, 7][k]), on random codes, zeros and
 * scales, for decode and prefill row counts, output sizes with partial vector chunks and split calls.
 */
class AwqMatrixTest {
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int[] COLUMN_OF_NIBBLE = {0, 2, 4, 6, 1, 3, 5, 7};

    /** A random AWQ layer: raw tensors plus the reference weights [out][in] decoded from them independently. */
    record Layer(AwqMatrix matrix, double[][] w, int in, int out) {
    }

    static Layer randomLayer(int out, int in, int group, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int words = out / 8;
        int groups = in / group;
        MemorySegment qweight = MemorySegment.ofArray(new byte[in * words * 4]);
        MemorySegment qzeros = MemorySegment.ofArray(new byte[groups * words * 4]);
        MemorySegment scales = MemorySegment.ofArray(new byte[groups * out * 2]);
        for (int i = 0; i < in * words; i++) qweight.setAtIndex(I32, i, random.nextInt());
        for (int i = 0; i < groups * words; i++) qzeros.setAtIndex(I32, i, random.nextInt());
        for (int i = 0; i < groups * out; i++) {
            // Mostly normal F16 scales, some subnormal ones and some negative ones (the kernel must not care).
            float s = (float) (random.nextDouble(0.001, 0.05) * (random.nextInt(8) == 0 ? -1 : 1));
            if (random.nextInt(16) == 0) s = (float) random.nextDouble(1e-7, 5e-5);
            scales.setAtIndex(I16, i, Float.floatToFloat16(s));
        }
        double[][] w = new double[out][in];
        for (int i = 0; i < in; i++) {
            for (int word = 0; word < words; word++) {
                int q = qweight.getAtIndex(I32, (long) i * words + word);
                int z = qzeros.getAtIndex(I32, (long) (i / group) * words + word);
                for (int k = 0; k < 8; k++) {
                    int o = 8 * word + COLUMN_OF_NIBBLE[k];
                    int code = (q >> (4 * k)) & 15;
                    int zero = (z >> (4 * k)) & 15;
                    float scale = Float.float16ToFloat(scales.getAtIndex(I16, (long) (i / group) * out + o));
                    w[o][i] = (code - zero) * scale;
                }
            }
        }
        AwqMatrix m = new AwqMatrix(new Tensor("l.qweight", DType.I32, new long[] {in, words}, qweight),
                new Tensor("l.qzeros", DType.I32, new long[] {groups, words}, qzeros),
                new Tensor("l.scales", DType.F16, new long[] {groups, out}, scales), group);
        return new Layer(m, w, in, out);
    }

    static float[] randomX(int rows, int in, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[rows * in];
        for (int i = 0; i < x.length; i++) x[i] = (float) random.nextDouble(-1, 1);
        return x;
    }

    /** y[r][o] vs Σ x·w in double; tolerance scaled by Σ |x·w| (float accumulation of `in` terms). */
    static void assertMatchesReference(Layer l, float[] x, int rows, float[] y, int stride) {
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < l.out; o++) {
                double sum = 0, abs = 0;
                for (int i = 0; i < l.in; i++) {
                    sum += x[r * l.in + i] * l.w[o][i];
                    abs += Math.abs(x[r * l.in + i] * l.w[o][i]);
                }
                double tol = 1e-5 * abs + 1e-6;
                assertEquals(sum, y[r * stride + o], tol, "row " + r + " column " + o);
            }
        }
    }

    @ParameterizedTest(name = "out {0}, in {1}, group {2}, rows {3}")
    @CsvSource({
            "8, 32, 32, 1", "8, 32, 32, 3", "8, 32, 32, 17",
            "72, 64, 32, 1", "72, 64, 32, 4", "72, 64, 32, 17",
            "256, 256, 128, 1", "256, 256, 128, 3", "256, 256, 128, 17",
            "264, 192, 64, 1", "264, 192, 64, 5", "264, 192, 64, 17",
            "136, 96, 96, 1", "136, 96, 96, 9", "16, 100, 100, 1", "16, 100, 100, 6"})
    void multiplyMatchesTheScalarReference(int out, int in, int group, int rows) {
        Layer l = randomLayer(out, in, group, 31L * out + in + rows);
        float[] x = randomX(rows, in, 7L * rows + out);
        int stride = out + 3;
        float[] y = new float[rows * stride];
        l.matrix.multiply(x, rows, y, stride, 0, out);
        assertMatchesReference(l, x, rows, y, stride);
    }

    /** Ranges start at multiples of rowGrain and may end anywhere; every split gives bit-identical columns. */
    @ParameterizedTest(name = "out {0}, rows {1}")
    @CsvSource({"520, 1", "520, 3", "520, 6", "1032, 1", "1032, 17"})
    void splitsGiveTheSameResultAsOneCall(int out, int rows) {
        int in = 64;
        Layer l = randomLayer(out, in, 32, out + rows);
        int grain = l.matrix.rowGrain();
        assertEquals(0, grain % 8, "grain covers whole packed words");
        float[] x = randomX(rows, in, rows);
        float[] whole = new float[rows * out];
        l.matrix.multiply(x, rows, whole, out, 0, out);
        assertMatchesReference(l, x, rows, whole, out);

        SplittableRandom random = new SplittableRandom(out);
        for (int trial = 0; trial < 4; trial++) {
            float[] split = new float[rows * out];
            int start = 0;
            while (start < out) {
                int end = Math.min(out, start + grain * (1 + random.nextInt(3)));
                l.matrix.multiply(x, rows, split, out, start, end);
                start = end;
            }
            assertArrayEquals(whole, split, "split " + trial);
        }
        // A range that ends inside a packed word and inside a vector chunk writes exactly its columns.
        float[] partial = new float[rows * out];
        java.util.Arrays.fill(partial, Float.NaN);
        int end = Math.min(out, grain + 13);
        l.matrix.multiply(x, rows, partial, out, grain, end);
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                if (o >= grain && o < end) assertEquals(whole[r * out + o], partial[r * out + o], "column " + o);
                else assertTrue(Float.isNaN(partial[r * out + o]), "column " + o + " outside the range was written");
            }
        }
    }

    @Test
    void dequantizeRowMatchesTheReference() {
        Layer l = randomLayer(40, 96, 32, 5);
        float[] row = new float[l.in + 2];
        for (int o = 0; o < l.out; o++) {
            l.matrix.dequantizeRow(o, row, 2);
            for (int i = 0; i < l.in; i++) assertEquals((float) l.w[o][i], row[2 + i], "W[" + o + ", " + i + "]");
        }
    }

    @Test
    void describesItself() {
        Layer l = randomLayer(16, 64, 32, 1);
        assertEquals("AWQ int4 g32", l.matrix.formatName());
        assertEquals(16, l.matrix.rows());
        assertEquals(64, l.matrix.cols());
        assertEquals(3, l.matrix.parts().size());
        assertEquals("l.qweight", l.matrix.parts().getFirst().name());
    }
}
