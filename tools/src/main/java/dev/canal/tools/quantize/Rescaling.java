package dev.canal.tools.quantize;

import java.util.HashMap;
import java.util.Map;

/**
 * The AWQ scales chosen for a model, as edits of its tensors that leave the float model's function unchanged: a
 * group's linears get their input columns multiplied by s, and the op before them gets its output divided by s
 * (a norm weight element-wise, a linear's rows and its bias). A tensor can take part in two groups (v_proj's columns
 * belong to q/k/v, its rows feed o_proj); the edits compose.
 */
final class Rescaling {
    private final Map<String, float[]> columnFactors = new HashMap<>();
    private final Map<String, float[]> outputDivisors = new HashMap<>();

    /** Records the scales of a group. */
    void apply(ScaleGroup group, float[] s) {
        for (String linear : group.linears()) columnFactors.merge(linear, s, Rescaling::product);
        outputDivisors.merge(group.foldInto(), s, Rescaling::product);
        group.foldBias().ifPresent(b -> outputDivisors.merge(b, s, Rescaling::product));
    }

    /** Whether the tensor's values change. */
    boolean changes(String tensor) {
        return columnFactors.containsKey(tensor) || outputDivisors.containsKey(tensor);
    }

    /**
     * The tensor's values after the edits: a matrix [rows, cols] has its columns multiplied and rows divided; a
     * vector ([1, n]: norm weight or bias) is divided element-wise.
     */
    FloatMatrix edit(String tensor, FloatMatrix m) {
        float[] values = m.data();
        float[] columns = columnFactors.get(tensor);
        if (columns != null) values = multiplyColumns(values, m.rows(), m.cols(), columns);
        float[] divisors = outputDivisors.get(tensor);
        if (divisors != null) {
            values = values == m.data() ? values.clone() : values;
            if (m.rows() == 1) {
                for (int c = 0; c < m.cols(); c++) values[c] /= divisors[c];
            } else {
                for (int r = 0; r < m.rows(); r++) {
                    float d = divisors[r];
                    for (int c = 0; c < m.cols(); c++) values[r * m.cols() + c] /= d;
                }
            }
        }
        return new FloatMatrix(values, m.rows(), m.cols());
    }

    /** A copy of w [rows, cols] with column c multiplied by s[c]. */
    static float[] multiplyColumns(float[] w, int rows, int cols, float[] s) {
        float[] out = new float[w.length];
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            for (int c = 0; c < cols; c++) out[base + c] = w[base + c] * s[c];
        }
        return out;
    }

    private static float[] product(float[] a, float[] b) {
        float[] p = new float[a.length];
        for (int i = 0; i < a.length; i++) p[i] = a[i] * b[i];
        return p;
    }
}
