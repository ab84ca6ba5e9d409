package dev.canal.engine.quant.fp8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.canal.engine.quant.QuantizationConfig;
import dev.canal.engine.quant.QuantizedWeights;
import dev.canal.engine.tensor.PackedMatrix;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.weights.SafetensorsStore;
import dev.canal.engine.weights.SafetensorsWriter;
import dev.canal.engine.weights.WeightStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.IntBinaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** For the FP8 and NVFP4 tests: writing small checkpoints, opening them, checking a matrix against a reference. */
public final class QuantTestSupport {
    private static final ObjectMapper JSON = new ObjectMapper();

    private QuantTestSupport() {
    }

    public static QuantizationConfig config(String json) {
        try {
            return QuantizationConfig.of(JSON.readTree(json), "config.json quantization_config");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonNode json(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code tensors} as dir/model.safetensors and opens it. */
    public static SafetensorsStore store(Path dir, List<SafetensorsWriter.TensorData> tensors) {
        SafetensorsWriter.write(dir.resolve(SafetensorsStore.SINGLE_FILE), tensors, Map.of());
        return SafetensorsStore.open(dir);
    }

    /** The store as the model sees it, quantized layers bound by the formats canal reads. */
    public static WeightStore wrap(WeightStore store, QuantizationConfig config) {
        return QuantizedWeights.wrap(store, Optional.of(config));
    }

    /** The packed matrix of {@code prefix}.weight in a wrapped store. */
    public static PackedMatrix matrix(WeightStore wrapped, String prefix) {
        Tensor t = wrapped.tensor(prefix + ".weight");
        assertTrue(t.packed() != null, prefix + ".weight is not packed: " + t);
        return t.packed();
    }

    public static byte[] randomBytes(Random random, int n, IntBinaryOperator filter) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) filter.applyAsInt(random.nextInt(256), i);
        return b;
    }

    /**
     * Checks m against the dense reference W ([out, in] row-major, doubles): dequantizeRow exactly, multiply for
     * 1, 3 and 17 activation rows within a tolerance of the sum's magnitude, over the whole range and over odd
     * sub-ranges; and that a row's result is the same bits whatever the number of activation rows or the split.
     */
    public static void checkAgainstReference(PackedMatrix m, double[][] w, Random random) {
        int out = w.length;
        int in = w[0].length;
        assertEquals(out, m.rows());
        assertEquals(in, m.cols());
        float[] row = new float[in + 3];
        for (int o = 0; o < out; o++) {
            m.dequantizeRow(o, row, 3);
            for (int i = 0; i < in; i++) {
                assertEquals((float) w[o][i], row[3 + i], 0f, "dequantized W[" + o + ", " + i + "]");
            }
        }
        float[][] results = new float[3][];
        int[] rowCounts = {1, 3, 17};
        float[] x = new float[17 * in];
        for (int i = 0; i < x.length; i++) x[i] = (float) random.nextGaussian();
        for (int c = 0; c < rowCounts.length; c++) {
            int rows = rowCounts[c];
            int stride = out + 5;
            float[] whole = new float[rows * stride];
            m.multiply(x, rows, whole, stride, 0, out);
            for (int r = 0; r < rows; r++) {
                for (int o = 0; o < out; o++) {
                    double ref = 0;
                    double magnitude = 0;
                    for (int i = 0; i < in; i++) {
                        ref += w[o][i] * x[r * in + i];
                        magnitude += Math.abs(w[o][i] * x[r * in + i]);
                    }
                    assertEquals(ref, whole[r * stride + o], 1e-5 * magnitude + 1e-30,
                            rows + " rows: out[" + r + ", " + o + "]");
                }
            }
            // The same rows computed in pieces of odd lengths (these kernels accept any start, not only grains).
            float[] split = new float[rows * stride];
            for (int start = 0; start < out; ) {
                int end = Math.min(out, start + 1 + random.nextInt(2 * m.rowGrain()));
                m.multiply(x, rows, split, stride, start, end);
                start = end;
            }
            for (int r = 0; r < rows; r++) {
                for (int o = 0; o < out; o++) {
                    assertEquals(Float.floatToRawIntBits(whole[r * stride + o]),
                            Float.floatToRawIntBits(split[r * stride + o]), "split changes out[" + r + ", " + o + "]");
                }
            }
            results[c] = new float[out];
            System.arraycopy(whole, 0, results[c], 0, out);
        }
        for (int o = 0; o < out; o++) {
            assertEquals(Float.floatToRawIntBits(results[0][o]), Float.floatToRawIntBits(results[1][o]),
                    "row 0 with 1 vs 3 activation rows, out " + o);
            assertEquals(Float.floatToRawIntBits(results[0][o]), Float.floatToRawIntBits(results[2][o]),
                    "row 0 with 1 vs 17 activation rows, out " + o);
        }
    }
}
