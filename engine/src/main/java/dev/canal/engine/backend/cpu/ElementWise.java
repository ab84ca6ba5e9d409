package dev.canal.engine.backend.cpu;

import static dev.canal.engine.backend.cpu.WeightLoads.F;

import dev.canal.engine.vector.LaneSums;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** Element-wise kernels over ranges of a row-major activation array. */
final class ElementWise {
    private ElementWise() {
    }

    /** x[i] += y[i] for i in [from, to). */
    static void add(float[] x, float[] y, int from, int to) {
        int i = from;
        for (int bound = from + F.loopBound(to - from); i < bound; i += F.length()) {
            FloatVector.fromArray(F, x, i).add(FloatVector.fromArray(F, y, i)).intoArray(x, i);
        }
        for (; i < to; i++) x[i] += y[i];
    }

    /** gate[i] = silu(gate[i]) · up[i] with silu(g) = g / (1 + e^-g), for i in [from, to). */
    static void swiglu(float[] gate, float[] up, int from, int to) {
        int i = from;
        for (int bound = from + F.loopBound(to - from); i < bound; i += F.length()) {
            FloatVector g = FloatVector.fromArray(F, gate, i);
            FloatVector silu = g.div(g.neg().lanewise(VectorOperators.EXP).add(1f));
            silu.mul(FloatVector.fromArray(F, up, i)).intoArray(gate, i);
        }
        for (; i < to; i++) {
            float g = gate[i];
            gate[i] = g / (1f + (float) Math.exp(-g)) * up[i];
        }
    }

    /** Row r of x (cols wide) += bias, for rows [rowFrom, rowTo). */
    static void addBias(float[] x, int cols, float[] bias, int rowFrom, int rowTo) {
        for (int r = rowFrom; r < rowTo; r++) {
            int base = r * cols;
            int i = 0;
            for (int bound = F.loopBound(cols); i < bound; i += F.length()) {
                FloatVector.fromArray(F, x, base + i).add(FloatVector.fromArray(F, bias, i)).intoArray(x, base + i);
            }
            for (; i < cols; i++) x[base + i] += bias[i];
        }
    }

    /**
     * RMS norm of every group of w.length columns of rows [rowFrom, rowTo), as Hugging Face computes it in float32:
     * x · (1 / sqrt(mean(x²) + eps)), then times w. out may be x.
     */
    static void rmsNorm(float[] out, float[] x, int cols, float[] w, float eps, int rowFrom, int rowTo) {
        int n = w.length;
        int bound = F.loopBound(n);
        for (int base = rowFrom * cols, end = rowTo * cols; base < end; base += n) {
            FloatVector acc = FloatVector.zero(F);
            int i = 0;
            for (; i < bound; i += F.length()) {
                FloatVector v = FloatVector.fromArray(F, x, base + i);
                acc = v.fma(v, acc);
            }
            float sumSquares = LaneSums.sum(acc);
            for (; i < n; i++) sumSquares = Math.fma(x[base + i], x[base + i], sumSquares);
            float inv = (float) (1.0 / Math.sqrt(sumSquares / n + eps));
            i = 0;
            for (; i < bound; i += F.length()) {
                FloatVector.fromArray(F, x, base + i).mul(inv).mul(FloatVector.fromArray(F, w, i))
                        .intoArray(out, base + i);
            }
            for (; i < n; i++) out[base + i] = x[base + i] * inv * w[i];
        }
    }
}
