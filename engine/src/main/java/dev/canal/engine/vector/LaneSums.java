package dev.canal.engine.vector;

import jdk.incubator.vector.FloatVector;

/**
 * The sum of a float vector's lanes in one fixed order, whichever JIT tier runs it. {@code FloatVector.reduceLanes(ADD)}
 * may add the lanes in any order, and does: the Java code that the interpreter and C1 run adds them one after the
 * other, C2 in another order, so a kernel's result changed in its last bit once C2 had compiled it (the same F32
 * matmul row gave -14.12636, then -14.126361; with 16 lanes two sums in three differed), and what a model computed
 * depended on how far the JIT had got. Here the lanes are added as a tree of pairs (i, i + L/2), each addition the
 * same IEEE operation in every tier; in the F32 decode kernel it measured as fast as reduceLanes (174 against 180 ns
 * per 1024-float row, L2-resident, AVX-512).
 */
public final class LaneSums {
    private LaneSums() {
    }

    /** Σ v's lanes: halves added lane by lane until one lane is left (sequentially for unusual lengths). */
    public static float sum(FloatVector v) {
        return switch (v.length()) {
            case 16 -> (((v.lane(0) + v.lane(8)) + (v.lane(4) + v.lane(12)))
                    + ((v.lane(2) + v.lane(10)) + (v.lane(6) + v.lane(14))))
                    + (((v.lane(1) + v.lane(9)) + (v.lane(5) + v.lane(13)))
                    + ((v.lane(3) + v.lane(11)) + (v.lane(7) + v.lane(15))));
            case 8 -> ((v.lane(0) + v.lane(4)) + (v.lane(2) + v.lane(6)))
                    + ((v.lane(1) + v.lane(5)) + (v.lane(3) + v.lane(7)));
            case 4 -> (v.lane(0) + v.lane(2)) + (v.lane(1) + v.lane(3));
            default -> sequential(v);
        };
    }

    /**
     * out[at + k] = Σ of lanes[k·length, (k + 1)·length) for k &lt; count, each in the order {@link #sum} adds a
     * vector's lanes (so equal to {@code sum} of that vector); {@code lanes} is overwritten. For kernels with many
     * accumulators: they store them with {@code intoArray}, which C2 always inlines, instead of handing each vector
     * to {@link #sum}. A call that C2 does not inline (its node budget runs out after a few inlined sums) gets the
     * vector boxed, and a boxed loop accumulator turned the FP8 prefill kernel's every FMA into an allocation.
     */
    public static void sumEach(float[] lanes, int count, int length, float[] out, int at) {
        boolean tree = length == 16 || length == 8 || length == 4;
        for (int k = 0; k < count; k++) {
            int base = k * length;
            if (tree) {
                for (int half = length / 2; half >= 1; half /= 2) {
                    for (int i = 0; i < half; i++) lanes[base + i] = lanes[base + i] + lanes[base + i + half];
                }
                out[at + k] = lanes[base];
            } else {
                float s = 0;
                for (int i = 0; i < length; i++) s += lanes[base + i];
                out[at + k] = s;
            }
        }
    }

    private static float sequential(FloatVector v) {
        float s = 0;
        for (int i = 0; i < v.length(); i++) s += v.lane(i);
        return s;
    }
}
