package dev.canal.engine.backend.cpu;

import static dev.canal.engine.backend.cpu.WeightLoads.F;

import jdk.incubator.vector.FloatVector;

/**
 * {@link SkinnyGemm}'s register tiles, one per {@link SkinnyGemm.Shape}: X vectors of activation rows (X · L rows, L
 * the vector length, one row per lane) times W decoded weight rows broadcast one value at a time, X · W accumulators.
 * Each k costs X loads, W broadcasts and X · W FMAs; the wider tiles load less per FMA, which is what limited the
 * 1 × 16 tile (17 loads for 16 FMAs). Every method computes, for the block of activation rows at {@code xAt} of
 * {@code xT} (k-major, X · L floats a step) and the W weight rows in {@code w} (n floats each),
 * {@code tile[j · X · L + i] = Σ_k xT[xAt + k · X · L + i] · w[j · n + k]}: weight row j's sums over the block's rows
 * i, contiguous. The sum over k runs in order whatever the tile, so a row's result does not depend on the tile chosen.
 *
 * <p>Written out by hand, accumulator by accumulator: C2 keeps vectors in registers only as separate locals (an
 * array of vectors is boxed), and the Vector API has no way to index registers.
 */
final class SkinnyKernels {
    private SkinnyKernels() {
    }

    /** 1 vector of rows × 16 weight rows. */
    static void tile1x16(float[] xT, int xAt, float[] w, int n, float[] tile) {
        int lanes = F.length();
        int step = lanes;
        FloatVector s0_0 = FloatVector.zero(F);
        FloatVector s1_0 = s0_0, s2_0 = s0_0, s3_0 = s0_0, s4_0 = s0_0, s5_0 = s0_0, s6_0 = s0_0, s7_0 = s0_0, s8_0 = s0_0;
        FloatVector s9_0 = s0_0, s10_0 = s0_0, s11_0 = s0_0, s12_0 = s0_0, s13_0 = s0_0, s14_0 = s0_0, s15_0 = s0_0;
        for (int k = 0; k < n; k++) {
            int p = xAt + k * step;
            FloatVector x0 = FloatVector.fromArray(F, xT, p);
            FloatVector b;
            b = FloatVector.broadcast(F, w[k]);
            s0_0 = x0.fma(b, s0_0);
            b = FloatVector.broadcast(F, w[n + k]);
            s1_0 = x0.fma(b, s1_0);
            b = FloatVector.broadcast(F, w[2 * n + k]);
            s2_0 = x0.fma(b, s2_0);
            b = FloatVector.broadcast(F, w[3 * n + k]);
            s3_0 = x0.fma(b, s3_0);
            b = FloatVector.broadcast(F, w[4 * n + k]);
            s4_0 = x0.fma(b, s4_0);
            b = FloatVector.broadcast(F, w[5 * n + k]);
            s5_0 = x0.fma(b, s5_0);
            b = FloatVector.broadcast(F, w[6 * n + k]);
            s6_0 = x0.fma(b, s6_0);
            b = FloatVector.broadcast(F, w[7 * n + k]);
            s7_0 = x0.fma(b, s7_0);
            b = FloatVector.broadcast(F, w[8 * n + k]);
            s8_0 = x0.fma(b, s8_0);
            b = FloatVector.broadcast(F, w[9 * n + k]);
            s9_0 = x0.fma(b, s9_0);
            b = FloatVector.broadcast(F, w[10 * n + k]);
            s10_0 = x0.fma(b, s10_0);
            b = FloatVector.broadcast(F, w[11 * n + k]);
            s11_0 = x0.fma(b, s11_0);
            b = FloatVector.broadcast(F, w[12 * n + k]);
            s12_0 = x0.fma(b, s12_0);
            b = FloatVector.broadcast(F, w[13 * n + k]);
            s13_0 = x0.fma(b, s13_0);
            b = FloatVector.broadcast(F, w[14 * n + k]);
            s14_0 = x0.fma(b, s14_0);
            b = FloatVector.broadcast(F, w[15 * n + k]);
            s15_0 = x0.fma(b, s15_0);
        }
        s0_0.intoArray(tile, 0);
        s1_0.intoArray(tile, lanes);
        s2_0.intoArray(tile, 2 * lanes);
        s3_0.intoArray(tile, 3 * lanes);
        s4_0.intoArray(tile, 4 * lanes);
        s5_0.intoArray(tile, 5 * lanes);
        s6_0.intoArray(tile, 6 * lanes);
        s7_0.intoArray(tile, 7 * lanes);
        s8_0.intoArray(tile, 8 * lanes);
        s9_0.intoArray(tile, 9 * lanes);
        s10_0.intoArray(tile, 10 * lanes);
        s11_0.intoArray(tile, 11 * lanes);
        s12_0.intoArray(tile, 12 * lanes);
        s13_0.intoArray(tile, 13 * lanes);
        s14_0.intoArray(tile, 14 * lanes);
        s15_0.intoArray(tile, 15 * lanes);
    }

    /** 2 vectors of rows × 12 weight rows. */
    static void tile2x12(float[] xT, int xAt, float[] w, int n, float[] tile) {
        int lanes = F.length();
        int step = 2 * lanes;
        FloatVector s0_0 = FloatVector.zero(F);
        FloatVector s0_1 = s0_0, s1_0 = s0_0, s1_1 = s0_0, s2_0 = s0_0, s2_1 = s0_0, s3_0 = s0_0, s3_1 = s0_0, s4_0 = s0_0;
        FloatVector s4_1 = s0_0, s5_0 = s0_0, s5_1 = s0_0, s6_0 = s0_0, s6_1 = s0_0, s7_0 = s0_0, s7_1 = s0_0, s8_0 = s0_0;
        FloatVector s8_1 = s0_0, s9_0 = s0_0, s9_1 = s0_0, s10_0 = s0_0, s10_1 = s0_0, s11_0 = s0_0, s11_1 = s0_0;
        for (int k = 0; k < n; k++) {
            int p = xAt + k * step;
            FloatVector x0 = FloatVector.fromArray(F, xT, p);
            FloatVector x1 = FloatVector.fromArray(F, xT, p + lanes);
            FloatVector b;
            b = FloatVector.broadcast(F, w[k]);
            s0_0 = x0.fma(b, s0_0); s0_1 = x1.fma(b, s0_1);
            b = FloatVector.broadcast(F, w[n + k]);
            s1_0 = x0.fma(b, s1_0); s1_1 = x1.fma(b, s1_1);
            b = FloatVector.broadcast(F, w[2 * n + k]);
            s2_0 = x0.fma(b, s2_0); s2_1 = x1.fma(b, s2_1);
            b = FloatVector.broadcast(F, w[3 * n + k]);
            s3_0 = x0.fma(b, s3_0); s3_1 = x1.fma(b, s3_1);
            b = FloatVector.broadcast(F, w[4 * n + k]);
            s4_0 = x0.fma(b, s4_0); s4_1 = x1.fma(b, s4_1);
            b = FloatVector.broadcast(F, w[5 * n + k]);
            s5_0 = x0.fma(b, s5_0); s5_1 = x1.fma(b, s5_1);
            b = FloatVector.broadcast(F, w[6 * n + k]);
            s6_0 = x0.fma(b, s6_0); s6_1 = x1.fma(b, s6_1);
            b = FloatVector.broadcast(F, w[7 * n + k]);
            s7_0 = x0.fma(b, s7_0); s7_1 = x1.fma(b, s7_1);
            b = FloatVector.broadcast(F, w[8 * n + k]);
            s8_0 = x0.fma(b, s8_0); s8_1 = x1.fma(b, s8_1);
            b = FloatVector.broadcast(F, w[9 * n + k]);
            s9_0 = x0.fma(b, s9_0); s9_1 = x1.fma(b, s9_1);
            b = FloatVector.broadcast(F, w[10 * n + k]);
            s10_0 = x0.fma(b, s10_0); s10_1 = x1.fma(b, s10_1);
            b = FloatVector.broadcast(F, w[11 * n + k]);
            s11_0 = x0.fma(b, s11_0); s11_1 = x1.fma(b, s11_1);
        }
        s0_0.intoArray(tile, 0); s0_1.intoArray(tile, lanes);
        s1_0.intoArray(tile, 2 * lanes); s1_1.intoArray(tile, 3 * lanes);
        s2_0.intoArray(tile, 4 * lanes); s2_1.intoArray(tile, 5 * lanes);
        s3_0.intoArray(tile, 6 * lanes); s3_1.intoArray(tile, 7 * lanes);
        s4_0.intoArray(tile, 8 * lanes); s4_1.intoArray(tile, 9 * lanes);
        s5_0.intoArray(tile, 10 * lanes); s5_1.intoArray(tile, 11 * lanes);
        s6_0.intoArray(tile, 12 * lanes); s6_1.intoArray(tile, 13 * lanes);
        s7_0.intoArray(tile, 14 * lanes); s7_1.intoArray(tile, 15 * lanes);
        s8_0.intoArray(tile, 16 * lanes); s8_1.intoArray(tile, 17 * lanes);
        s9_0.intoArray(tile, 18 * lanes); s9_1.intoArray(tile, 19 * lanes);
        s10_0.intoArray(tile, 20 * lanes); s10_1.intoArray(tile, 21 * lanes);
        s11_0.intoArray(tile, 22 * lanes); s11_1.intoArray(tile, 23 * lanes);
    }

    /** 3 vectors of rows × 8 weight rows. */
    static void tile3x8(float[] xT, int xAt, float[] w, int n, float[] tile) {
        int lanes = F.length();
        int step = 3 * lanes;
        FloatVector s0_0 = FloatVector.zero(F);
        FloatVector s0_1 = s0_0, s0_2 = s0_0, s1_0 = s0_0, s1_1 = s0_0, s1_2 = s0_0, s2_0 = s0_0, s2_1 = s0_0, s2_2 = s0_0;
        FloatVector s3_0 = s0_0, s3_1 = s0_0, s3_2 = s0_0, s4_0 = s0_0, s4_1 = s0_0, s4_2 = s0_0, s5_0 = s0_0, s5_1 = s0_0;
        FloatVector s5_2 = s0_0, s6_0 = s0_0, s6_1 = s0_0, s6_2 = s0_0, s7_0 = s0_0, s7_1 = s0_0, s7_2 = s0_0;
        for (int k = 0; k < n; k++) {
            int p = xAt + k * step;
            FloatVector x0 = FloatVector.fromArray(F, xT, p);
            FloatVector x1 = FloatVector.fromArray(F, xT, p + lanes);
            FloatVector x2 = FloatVector.fromArray(F, xT, p + 2 * lanes);
            FloatVector b;
            b = FloatVector.broadcast(F, w[k]);
            s0_0 = x0.fma(b, s0_0); s0_1 = x1.fma(b, s0_1); s0_2 = x2.fma(b, s0_2);
            b = FloatVector.broadcast(F, w[n + k]);
            s1_0 = x0.fma(b, s1_0); s1_1 = x1.fma(b, s1_1); s1_2 = x2.fma(b, s1_2);
            b = FloatVector.broadcast(F, w[2 * n + k]);
            s2_0 = x0.fma(b, s2_0); s2_1 = x1.fma(b, s2_1); s2_2 = x2.fma(b, s2_2);
            b = FloatVector.broadcast(F, w[3 * n + k]);
            s3_0 = x0.fma(b, s3_0); s3_1 = x1.fma(b, s3_1); s3_2 = x2.fma(b, s3_2);
            b = FloatVector.broadcast(F, w[4 * n + k]);
            s4_0 = x0.fma(b, s4_0); s4_1 = x1.fma(b, s4_1); s4_2 = x2.fma(b, s4_2);
            b = FloatVector.broadcast(F, w[5 * n + k]);
            s5_0 = x0.fma(b, s5_0); s5_1 = x1.fma(b, s5_1); s5_2 = x2.fma(b, s5_2);
            b = FloatVector.broadcast(F, w[6 * n + k]);
            s6_0 = x0.fma(b, s6_0); s6_1 = x1.fma(b, s6_1); s6_2 = x2.fma(b, s6_2);
            b = FloatVector.broadcast(F, w[7 * n + k]);
            s7_0 = x0.fma(b, s7_0); s7_1 = x1.fma(b, s7_1); s7_2 = x2.fma(b, s7_2);
        }
        s0_0.intoArray(tile, 0); s0_1.intoArray(tile, lanes); s0_2.intoArray(tile, 2 * lanes);
        s1_0.intoArray(tile, 3 * lanes); s1_1.intoArray(tile, 4 * lanes); s1_2.intoArray(tile, 5 * lanes);
        s2_0.intoArray(tile, 6 * lanes); s2_1.intoArray(tile, 7 * lanes); s2_2.intoArray(tile, 8 * lanes);
        s3_0.intoArray(tile, 9 * lanes); s3_1.intoArray(tile, 10 * lanes); s3_2.intoArray(tile, 11 * lanes);
        s4_0.intoArray(tile, 12 * lanes); s4_1.intoArray(tile, 13 * lanes); s4_2.intoArray(tile, 14 * lanes);
        s5_0.intoArray(tile, 15 * lanes); s5_1.intoArray(tile, 16 * lanes); s5_2.intoArray(tile, 17 * lanes);
        s6_0.intoArray(tile, 18 * lanes); s6_1.intoArray(tile, 19 * lanes); s6_2.intoArray(tile, 20 * lanes);
        s7_0.intoArray(tile, 21 * lanes); s7_1.intoArray(tile, 22 * lanes); s7_2.intoArray(tile, 23 * lanes);
    }

    /** 4 vectors of rows × 6 weight rows. */
    static void tile4x6(float[] xT, int xAt, float[] w, int n, float[] tile) {
        int lanes = F.length();
        int step = 4 * lanes;
        FloatVector s0_0 = FloatVector.zero(F);
        FloatVector s0_1 = s0_0, s0_2 = s0_0, s0_3 = s0_0, s1_0 = s0_0, s1_1 = s0_0, s1_2 = s0_0, s1_3 = s0_0, s2_0 = s0_0;
        FloatVector s2_1 = s0_0, s2_2 = s0_0, s2_3 = s0_0, s3_0 = s0_0, s3_1 = s0_0, s3_2 = s0_0, s3_3 = s0_0, s4_0 = s0_0;
        FloatVector s4_1 = s0_0, s4_2 = s0_0, s4_3 = s0_0, s5_0 = s0_0, s5_1 = s0_0, s5_2 = s0_0, s5_3 = s0_0;
        for (int k = 0; k < n; k++) {
            int p = xAt + k * step;
            FloatVector x0 = FloatVector.fromArray(F, xT, p);
            FloatVector x1 = FloatVector.fromArray(F, xT, p + lanes);
            FloatVector x2 = FloatVector.fromArray(F, xT, p + 2 * lanes);
            FloatVector x3 = FloatVector.fromArray(F, xT, p + 3 * lanes);
            FloatVector b;
            b = FloatVector.broadcast(F, w[k]);
            s0_0 = x0.fma(b, s0_0); s0_1 = x1.fma(b, s0_1); s0_2 = x2.fma(b, s0_2); s0_3 = x3.fma(b, s0_3);
            b = FloatVector.broadcast(F, w[n + k]);
            s1_0 = x0.fma(b, s1_0); s1_1 = x1.fma(b, s1_1); s1_2 = x2.fma(b, s1_2); s1_3 = x3.fma(b, s1_3);
            b = FloatVector.broadcast(F, w[2 * n + k]);
            s2_0 = x0.fma(b, s2_0); s2_1 = x1.fma(b, s2_1); s2_2 = x2.fma(b, s2_2); s2_3 = x3.fma(b, s2_3);
            b = FloatVector.broadcast(F, w[3 * n + k]);
            s3_0 = x0.fma(b, s3_0); s3_1 = x1.fma(b, s3_1); s3_2 = x2.fma(b, s3_2); s3_3 = x3.fma(b, s3_3);
            b = FloatVector.broadcast(F, w[4 * n + k]);
            s4_0 = x0.fma(b, s4_0); s4_1 = x1.fma(b, s4_1); s4_2 = x2.fma(b, s4_2); s4_3 = x3.fma(b, s4_3);
            b = FloatVector.broadcast(F, w[5 * n + k]);
            s5_0 = x0.fma(b, s5_0); s5_1 = x1.fma(b, s5_1); s5_2 = x2.fma(b, s5_2); s5_3 = x3.fma(b, s5_3);
        }
        s0_0.intoArray(tile, 0); s0_1.intoArray(tile, lanes);
        s0_2.intoArray(tile, 2 * lanes); s0_3.intoArray(tile, 3 * lanes);
        s1_0.intoArray(tile, 4 * lanes); s1_1.intoArray(tile, 5 * lanes);
        s1_2.intoArray(tile, 6 * lanes); s1_3.intoArray(tile, 7 * lanes);
        s2_0.intoArray(tile, 8 * lanes); s2_1.intoArray(tile, 9 * lanes);
        s2_2.intoArray(tile, 10 * lanes); s2_3.intoArray(tile, 11 * lanes);
        s3_0.intoArray(tile, 12 * lanes); s3_1.intoArray(tile, 13 * lanes);
        s3_2.intoArray(tile, 14 * lanes); s3_3.intoArray(tile, 15 * lanes);
        s4_0.intoArray(tile, 16 * lanes); s4_1.intoArray(tile, 17 * lanes);
        s4_2.intoArray(tile, 18 * lanes); s4_3.intoArray(tile, 19 * lanes);
        s5_0.intoArray(tile, 20 * lanes); s5_1.intoArray(tile, 21 * lanes);
        s5_2.intoArray(tile, 22 * lanes); s5_3.intoArray(tile, 23 * lanes);
    }
}
