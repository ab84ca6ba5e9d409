package dev.canal.tools.quantize;

import dev.canal.engine.quant.LinearPacker;

import java.util.List;

/**
 * The activation-aware scale search of AWQ (Lin et al., 2023, §3.2), for one {@link ScaleGroup}: per input channel
 * s = mean|x|^α, normalised so that max(s)·min(s) = 1; α is chosen on a grid of {@value #GRID} points over [0, 1]
 * to minimise the squared output error ‖X·Wᵀ − (X/s)·Q(W·s)ᵀ‖² summed over the group's quantized linears, with Q the
 * packer's own round trip and X the sampled calibration inputs. α = 0 is s = 1, plain round-to-nearest, so the
 * chosen scales never measure worse than RTN on the calibration sample.
 */
final class AwqScaleSearch {
    static final int GRID = 20;
    /** AutoAWQ's floor on s: a channel that was never active must not get a zero (or infinite) scale. */
    private static final float MIN_SCALE = 1e-4f;

    private final LinearPacker packer;
    private final LinearOutputs outputs;

    AwqScaleSearch(LinearPacker packer, LinearOutputs outputs) {
        this.packer = packer;
        this.outputs = outputs;
    }

    /**
     * The best scales of a group.
     *
     * @param alpha    the chosen exponent
     * @param scales   s per input channel (multiply the linears' columns, divide the previous op)
     * @param error    the output error with these scales
     * @param rtnError the output error of plain round-to-nearest (α = 0)
     */
    record Choice(double alpha, float[] scales, double error, double rtnError) {
    }

    /** Searches the scales of linears that all read {@code inputs}; {@code linears} are the ones to be quantized. */
    Choice search(InputStatistics inputs, List<FloatMatrix> linears) {
        float[] x = inputs.sample();
        int rows = inputs.sampleRows();
        float[] mean = inputs.meanAbs();
        float[][] reference = new float[linears.size()][];
        for (int i = 0; i < linears.size(); i++) {
            FloatMatrix w = linears.get(i);
            reference[i] = outputs.multiply(x, rows, w.data(), w.rows(), w.cols());
        }
        Choice best = null;
        double rtn = Double.NaN;
        for (int g = 0; g < GRID; g++) {
            double alpha = g / (double) (GRID - 1);
            float[] s = scales(mean, alpha);
            double error = 0;
            for (int i = 0; i < linears.size(); i++) {
                FloatMatrix w = linears.get(i);
                float[] effective = effectiveWeight(w, s);
                error += squaredDifference(reference[i], outputs.multiply(x, rows, effective, w.rows(), w.cols()));
            }
            if (g == 0) rtn = error;
            if (best == null || error < best.error()) best = new Choice(alpha, s, error, rtn);
        }
        return new Choice(best.alpha(), best.scales(), best.error(), rtn);
    }

    /** s = max(mean^α, floor), divided by √(max·min) so the scales centre on 1 in log space. */
    static float[] scales(float[] meanAbs, double alpha) {
        float[] s = new float[meanAbs.length];
        double max = 0, min = Double.MAX_VALUE;
        for (int c = 0; c < s.length; c++) {
            s[c] = Math.max((float) Math.pow(meanAbs[c], alpha), MIN_SCALE);
            max = Math.max(max, s[c]);
            min = Math.min(min, s[c]);
        }
        float norm = (float) Math.sqrt(max * min);
        for (int c = 0; c < s.length; c++) s[c] /= norm;
        return s;
    }

    /** Q(W·s)/s: the weight the quantized model effectively multiplies the unscaled input with. */
    private float[] effectiveWeight(FloatMatrix w, float[] s) {
        float[] scaled = Rescaling.multiplyColumns(w.data(), w.rows(), w.cols(), s);
        float[] q = packer.roundTrip(scaled, w.rows(), w.cols());
        for (int o = 0; o < w.rows(); o++) {
            int base = o * w.cols();
            for (int c = 0; c < w.cols(); c++) q[base + c] /= s[c];
        }
        return q;
    }

    private static double squaredDifference(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            double d = (double) a[i] - b[i];
            sum += d * d;
        }
        return sum;
    }
}
