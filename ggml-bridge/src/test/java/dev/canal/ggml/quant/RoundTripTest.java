package dev.canal.ggml.quant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * quantize -> dequantize error within each type's bound. Block types with a per-block bound (derivations inline)
 * are checked element by element; K-quants, whose scales come from a search, by RMS error on Gaussian data.
 */
class RoundTripTest {
    /** fp16 keeps 11 significant bits: relative rounding error <= 2^-11 for normal values. */
    static final double FP16_REL = 1.0 / 2048;
    /** Absolute slack for fp16-subnormal scales (their spacing is 2^-24, so rounding moves them by <= 2^-25). */
    static final double FP16_SUB_ABS = 0x1p-25;

    private static float[] roundTrip(GgmlType t, float[] x) {
        QuantFormat f = QuantFormats.of(t);
        MemorySegment q = MemorySegment.ofArray(new byte[(int) f.rowBytes(x.length)]);
        f.quantizeRow(x, 0, q, 0, x.length);
        float[] y = new float[x.length];
        f.dequantizeRow(q, 0, y, 0, x.length);
        return y;
    }

    @Test
    void floatTypes() {
        Random r = new Random(1);
        for (TestRows.Row row : TestRows.of(1000, r.nextLong())) {
            float[] x = row.values();
            assertEquals(java.util.Arrays.toString(x), java.util.Arrays.toString(roundTrip(GgmlType.F32, x)));
            float[] h = roundTrip(GgmlType.F16, x);
            float[] b = roundTrip(GgmlType.BF16, x);
            for (int i = 0; i < x.length; i++) {
                assertTrue(Math.abs(x[i] - h[i]) <= Math.abs(x[i]) * FP16_REL + FP16_SUB_ABS, row.kind() + " f16 " + i);
                assertTrue(Math.abs(x[i] - b[i]) <= Math.abs(x[i]) / 256, row.kind() + " bf16 " + i); // 8 bits kept
            }
        }
    }

    /**
     * Per 32-block, with d the unrounded scale: a level is at most half a step from x, except at the clamped top of
     * the symmetric types (Q4_0 / Q5_0 put the largest magnitude on -8 / -16; its mirror +8 / +16 clamps to 7 / 15,
     * a whole step), plus fp16 rounding of d (and m) times the level magnitude.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1"})
    void blockTypesStayWithinOneStep(GgmlType t) {
        Random r = new Random(2 + t.id());
        for (TestRows.Row row : TestRows.of(4096, r.nextLong())) {
            float[] x = row.values();
            float[] y = roundTrip(t, x);
            for (int b = 0; b < x.length / 32; b++) {
                float amax = 0;
                float min = Float.MAX_VALUE;
                float max = -Float.MAX_VALUE;
                for (int j = 0; j < 32; j++) {
                    amax = Math.max(amax, Math.abs(x[b * 32 + j]));
                    min = Math.min(min, x[b * 32 + j]);
                    max = Math.max(max, x[b * 32 + j]);
                }
                double bound = switch (t) {
                    case Q8_0 -> amax / 127 * (0.5 + 127 * FP16_REL) + 127 * FP16_SUB_ABS;
                    case Q4_0 -> amax / 8 * (1 + 8 * FP16_REL) + 8 * FP16_SUB_ABS;
                    case Q5_0 -> amax / 16 * (1 + 16 * FP16_REL) + 16 * FP16_SUB_ABS;
                    case Q4_1 -> (max - min) / 15 * (0.5 + 15 * FP16_REL) + Math.abs(min) * FP16_REL + 16 * FP16_SUB_ABS;
                    case Q5_1 -> (max - min) / 31 * (0.5 + 31 * FP16_REL) + Math.abs(min) * FP16_REL + 32 * FP16_SUB_ABS;
                    default -> throw new IllegalStateException();
                };
                for (int j = 0; j < 32; j++) {
                    int i = b * 32 + j;
                    assertTrue(Math.abs(x[i] - y[i]) <= bound * (1 + 1e-6),
                            t + " " + row.kind() + " element " + i + ": " + x[i] + " -> " + y[i] + " bound " + bound);
                }
            }
        }
    }

    /**
     * RMS error relative to the data's RMS on Gaussian rows. Expected from uniform quantization noise (step / sqrt 12)
     * over a 32-sample sub-block's range (~4.1 sigma): Q4_K 4.1/15/3.46 = 0.079, Q5_K 4.1/31/3.46 = 0.038; Q6_K is
     * symmetric over 16 samples (amax ~2.2 sigma, 64 levels): 0.020. Bounds allow 1.5x for the 6-bit scale rounding.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_K", "Q5_K", "Q6_K"})
    void kQuantRmsError(GgmlType t) {
        double limit = switch (t) {
            case Q4_K -> 0.12;
            case Q5_K -> 0.06;
            case Q6_K -> 0.03;
            default -> throw new IllegalStateException();
        };
        Random r = new Random(3 + t.id());
        float[] x = TestRows.gaussian(4096, r);
        float[] y = roundTrip(t, x);
        double err = 0;
        double sig = 0;
        for (int i = 0; i < x.length; i++) {
            err += (x[i] - y[i]) * (double) (x[i] - y[i]);
            sig += x[i] * (double) x[i];
        }
        double rel = Math.sqrt(err / sig);
        assertTrue(rel < limit, t + " relative RMS error " + rel + " >= " + limit);
        // the edge rows must survive too: zeros stay zeros, the outlier stays close, nothing turns into NaN/Inf
        for (TestRows.Row row : TestRows.of(1024, r.nextLong())) {
            float[] z = roundTrip(t, row.values());
            double e = 0;
            double s = 0;
            for (int i = 0; i < z.length; i++) {
                assertTrue(Float.isFinite(z[i]), t + " " + row.kind());
                e += (row.values()[i] - z[i]) * (double) (row.values()[i] - z[i]);
                s += row.values()[i] * (double) row.values()[i];
            }
            if (s == 0) assertEquals(0, e, t + " zeros");
            // here the super-block scale d is an fp16 subnormal (spacing 2^-24, as large as d itself): ggml loses
            // the same precision (GgmlBitExactTest's row 3 holds us to its bytes), so only finiteness is checked
            else if (!row.kind().equals("subnormal scales")) assertTrue(Math.sqrt(e / s) < 2 * limit, t + " " + row.kind() + " relative RMS " + Math.sqrt(e / s));
        }
    }
}
