package dev.canal.engine.quant.compressed;

import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.PackedMatrix;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The pack-quantized kernel against a scalar dequantize-then-dot reference built from compressed-tensors' layout. */
class PackQuantizedMatrixTest {

    /**
     * g128 int4 and g64 int8 fill whole vectors of words per group; g32 int4 does not (per-word scales); channel
     * int4 with 100 inputs pads the last word; out 37 pads the packed zero points.
     */
    @ParameterizedTest(name = "int{0} group {1} sym={2} in={3} scales {4} actOrder={5}")
    @CsvSource({
            "4, 128, true, 256, F16, false",
            "4, 128, false, 256, BF16, false",
            "4, 32, false, 256, F16, false",
            "4, 32, true, 96, BF16, false",
            "8, 64, false, 256, F16, false",
            "8, -1, true, 200, F16, false",
            "4, -1, false, 100, BF16, false",
            "4, 32, false, 256, F16, true",
            "8, 40, true, 200, BF16, true",
    })
    void multiplyMatchesTheReference(int bits, int group, boolean sym, int in, DType scaleType, boolean actOrder) {
        Random rnd = new Random(bits * 1000 + group + in + (sym ? 7 : 0));
        int out = 37;
        PackQuantizedTestLayer layer = new PackQuantizedTestLayer(rnd, bits, out, in, group, sym, scaleType,
                actOrder);
        Map<String, PackedMatrix> layers = new CompressedPackQuantizedFormat().open(layer.store("l"), layer.config());
        PackedMatrix m = layers.get("l");
        assertEquals(out, m.rows());
        assertEquals(in, m.cols());
        assertEquals((sym ? 3 : 4) + (actOrder ? 1 : 0), m.parts().size());

        float[] row = new float[in + 2];
        for (int o = 0; o < out; o++) {
            m.dequantizeRow(o, row, 2);
            for (int i = 0; i < in; i++) assertEquals(layer.weight(o, i), row[2 + i], "W[" + o + ", " + i + "]");
        }
        for (int rows : new int[] {1, 3, 4, 17}) {
            float[] x = new float[rows * in];
            for (int k = 0; k < x.length; k++) x[k] = (float) rnd.nextGaussian();
            int stride = out + 3;
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
                            "rows " + rows + " out[" + r + ", " + o + "]");
                }
            }
            float[] split = new float[rows * stride];
            int grain = m.rowGrain();
            for (int start = 0; start < out; start += grain) {
                m.multiply(x, rows, split, stride, start, Math.min(out, start + grain));
            }
            assertArrayEquals(whole, split, "rows " + rows + " in ranges of " + grain);
            float[] odd = new float[rows * stride];
            m.multiply(x, rows, odd, stride, 0, 5);
            m.multiply(x, rows, odd, stride, 5, out);
            assertArrayEquals(whole, odd, "rows " + rows + " split at 5");
        }
    }
}
