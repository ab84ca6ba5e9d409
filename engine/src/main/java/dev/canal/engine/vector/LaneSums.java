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

    private static float sequential(FloatVector v) {
        float s = 0;
        for (int i = 0; i < v.length(); i++) s += v.lane(i);
        return s;
    }
}
