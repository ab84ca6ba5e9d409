package dev.canal.engine.quant.gptq;

import dev.canal.engine.tensor.PackedMatrix;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GPTQ's kernel against a scalar dequantize-then-dot reference built from the layout's description. */
class GptqMatrixTest {

    /**
     * out 104 leaves a partial vector at the end (scalar tails), in 320 spans two prefill input tiles; act-order
     * shuffles g_idx so runs are not word-aligned.
     */
    @ParameterizedTest(name = "int{0} group {1} sym={2} actOrder={3} v1={4}")
    @CsvSource({
            "4, 32, false, false, true",
            "4, 32, true, false, true",
            "4, 64, false, true, true",
            "4, 32, true, true, false",
            "4, -1, false, false, true",
            "4, -1, true, false, false",
            "8, 32, false, false, true",
            "8, 64, true, false, true",
            "8, 32, false, true, true",
            "8, -1, false, false, false",
    })
    void multiplyMatchesTheReference(int bits, int group, boolean sym, boolean actOrder, boolean v1) {
        Random rnd = new Random(bits * 1000 + group * 10 + (sym ? 1 : 0) + (actOrder ? 2 : 0) + (v1 ? 4 : 0));
        int out = 104;
        int in = 320;
        GptqTestLayer layer = new GptqTestLayer(rnd, bits, out, in, group, sym, actOrder, v1);
        PackedMatrix m = open(layer, group);
        assertEquals(out, m.rows());
        assertEquals(in, m.cols());
        assertEquals(actOrder, m.formatName().contains("act-order"), m.formatName());

        float[] row = new float[in + 3];
        for (int o = 0; o < out; o++) {
            m.dequantizeRow(o, row, 3);
            for (int i = 0; i < in; i++) {
                assertEquals(layer.weight(o, i), row[3 + i], "W[" + o + ", " + i + "]");
            }
        }

        for (int rows : new int[] {1, 3, 4, 17}) {
            float[] x = new float[rows * in];
            for (int k = 0; k < x.length; k++) x[k] = (float) rnd.nextGaussian();
            int stride = out + 5;
            float[] whole = new float[rows * stride];
            m.multiply(x, rows, whole, stride, 0, out);
            for (int r = 0; r < rows; r++) {
                for (int o = 0; o < out; o++) {
                    double ref = 0;
                    double mag = 0;
                    for (int i = 0; i < in; i++) {
                        double p = (double) layer.weight(o, i) * x[r * in + i];
                        ref += p;
                        mag += Math.abs(p);
                    }
                    assertEquals(ref, whole[r * stride + o], 1e-5 * mag + 1e-6,
                            "rows " + rows + ", out[" + r + ", " + o + "]");
                }
                assertEquals(0f, whole[r * stride + out], "columns past rowEnd stay untouched");
            }
            // Ranges start at multiples of rowGrain; the last may end anywhere. Each row's result must not change.
            int grain = m.rowGrain();
            float[] split = new float[rows * stride];
            for (int start = 0; start < out; start += grain) {
                m.multiply(x, rows, split, stride, start, Math.min(out, start + grain));
            }
            assertArrayEquals(whole, split, "rows " + rows + " split in ranges of " + grain);
            // Stronger than promised: any split, even ranges starting off the grain, gives the same columns.
            float[] odd = new float[rows * stride];
            m.multiply(x, rows, odd, stride, 0, 13);
            m.multiply(x, rows, odd, stride, 13, 56);
            m.multiply(x, rows, odd, stride, 56, out);
            assertArrayEquals(whole, odd, "rows " + rows + " split at 13 and 56");
        }
    }

    static PackedMatrix open(GptqTestLayer layer, int configGroup) {
        Map<String, PackedMatrix> layers = new GptqFormat().open(layer.store("l"), layer.config(configGroup));
        assertEquals(1, layers.size());
        PackedMatrix m = layers.get("l");
        assertTrue(m instanceof GptqMatrix);
        return m;
    }
}
