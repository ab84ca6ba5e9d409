package dev.canal.ggml.quant;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The scale searches ggml's reference K-quantizers use (ggml-quants.c: make_qkx2_quants, make_qx_quants) and the
 * 6-bit scale/min packing of Q4_K and Q5_K. Written from ggml's algorithm with the same float operations in the
 * same order (Java float arithmetic is IEEE single without fused multiply-add, as ggml-base is compiled), so the
 * chosen scales and levels are bit-identical.
 */
final class KQuants {
    static final int QK_K = 256;
    static final java.lang.foreign.ValueLayout.OfLong LE_LONG =
            java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    static final java.lang.foreign.ValueLayout.OfInt LE_INT =
            java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    /** Below this a group is treated as all zeros (ggml's GROUP_MAX_EPS). */
    static final float GROUP_MAX_EPS = 1e-15f;

    private KQuants() {
    }

    /**
     * Fits x ~ scale * L - min with 0 <= L <= nmax by weighted least squares over a sweep of candidate scales.
     * Writes levels to {@code L[lOff..lOff+n)}, the (positive) min to {@code minOut[minIdx]}; returns the scale.
     */
    static float makeQkx2Quants(int n, int nmax, float[] x, int xo, float[] weights, byte[] L, int lOff,
                                float[] minOut, int minIdx, byte[] laux, float rmin, float rdelta, int nstep,
                                boolean useMad) {
        float min = x[xo];
        float max = x[xo];
        float sumW = weights[0];
        float sumX = sumW * x[xo];
        for (int i = 1; i < n; ++i) {
            float xi = x[xo + i];
            if (xi < min) min = xi;
            if (xi > max) max = xi;
            float w = weights[i];
            sumW += w;
            sumX += w * xi;
        }
        if (min > 0) min = 0;
        if (max == min) {
            for (int i = 0; i < n; ++i) L[lOff + i] = 0;
            minOut[minIdx] = -min;
            return 0.f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; ++i) {
            int l = Rounding.nearestInt(iscale * (x[xo + i] - min));
            l = Math.max(0, Math.min(nmax, l));
            L[lOff + i] = (byte) l;
            float diff = scale * l + min - x[xo + i];
            diff = useMad ? Math.abs(diff) : diff * diff;
            bestError += weights[i] * diff;
        }
        if (nstep < 1) {
            minOut[minIdx] = -min;
            return scale;
        }
        for (int is = 0; is <= nstep; ++is) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0;
            float sumL2 = 0;
            float sumXL = 0;
            for (int i = 0; i < n; ++i) {
                int l = Rounding.nearestInt(iscale * (x[xo + i] - min));
                l = Math.max(0, Math.min(nmax, l));
                laux[i] = (byte) l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXL += w * l * x[xo + i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / det;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float curError = 0;
                for (int i = 0; i < n; ++i) {
                    float diff = thisScale * laux[i] + thisMin - x[xo + i];
                    diff = useMad ? Math.abs(diff) : diff * diff;
                    curError += weights[i] * diff;
                }
                if (curError < bestError) {
                    System.arraycopy(laux, 0, L, lOff, n);
                    bestError = curError;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        minOut[minIdx] = -min;
        return scale;
    }

    /**
     * Fits x ~ scale * (L - nmax) with -nmax <= L - nmax < nmax, weighting errors by x^2 (ggml's rmse_type 1
     * without an importance matrix), trying 18 scales around nmax / max. Levels go to {@code L[lOff..)} offset by
     * nmax; returns the scale.
     */
    static float makeQxQuants(int n, int nmax, float[] x, int xo, byte[] L, int lOff) {
        float max = 0;
        float amax = 0;
        for (int i = 0; i < n; ++i) {
            float ax = Math.abs(x[xo + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xo + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; ++i) L[lOff + i] = 0;
            return 0.f;
        }
        float iscale = -nmax / max;
        float sumlx = 0;
        float suml2 = 0;
        for (int i = 0; i < n; ++i) {
            float xi = x[xo + i];
            int l = Rounding.nearestInt(iscale * xi);
            l = Math.max(-nmax, Math.min(nmax - 1, l));
            L[lOff + i] = (byte) (l + nmax);
            float w = xi * xi;
            sumlx += w * xi * l;
            suml2 += w * l * l;
        }
        float scale = suml2 != 0 ? sumlx / suml2 : 0.0f;
        float best = scale * sumlx;
        for (int is = -9; is <= 9; ++is) {
            if (is == 0) continue;
            iscale = -(nmax + 0.1f * is) / max;
            sumlx = 0;
            suml2 = 0;
            for (int i = 0; i < n; ++i) {
                float xi = x[xo + i];
                int l = Rounding.nearestInt(iscale * xi);
                l = Math.max(-nmax, Math.min(nmax - 1, l));
                float w = xi * xi;
                sumlx += w * xi * l;
                suml2 += w * l * l;
            }
            if (suml2 > 0 && sumlx * sumlx > best * suml2) {
                for (int i = 0; i < n; ++i) {
                    int l = Rounding.nearestInt(iscale * x[xo + i]);
                    L[lOff + i] = (byte) (nmax + Math.max(-nmax, Math.min(nmax - 1, l)));
                }
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
    }

    /**
     * Packs eight 6-bit scales and mins into Q4_K/Q5_K's 12 bytes: sub-blocks 0..3 keep theirs in the low 6 bits
     * of bytes 0..3 (scales) and 4..7 (mins); 4..7 split theirs into a low nibble in bytes 8..11 and the top two
     * bits in the spare high bits of bytes 0..7.
     */
    static void packScaleMin(int[] ls, int[] lm, byte[] out) {
        int[] s = new int[12];
        for (int j = 0; j < 8; ++j) {
            if (j < 4) {
                s[j] = ls[j];
                s[j + 4] = lm[j];
            } else {
                s[j + 4] = (ls[j] & 0xF) | ((lm[j] & 0xF) << 4);
                s[j - 4] |= (ls[j] >> 4) << 6;
                s[j] |= (lm[j] >> 4) << 6;
            }
        }
        for (int i = 0; i < 12; i++) out[i] = (byte) s[i];
    }

    /** Sub-block j's 6-bit scale from the 12 packed bytes at {@code q[qo..)} (ggml's get_scale_min_k4). */
    static int scaleK4(int j, byte[] q) {
        if (j < 4) return q[j] & 63;
        return (q[j + 4] & 0xF) | (((q[j - 4] & 0xFF) >> 6) << 4);
    }

    /** Sub-block j's 6-bit min, see {@link #scaleK4}. */
    static int minK4(int j, byte[] q) {
        if (j < 4) return q[j + 4] & 63;
        return ((q[j + 4] & 0xFF) >> 4) | (((q[j] & 0xFF) >> 6) << 4);
    }

    /**
     * All eight 6-bit scales of the 12 packed bytes, read as a little-endian long (bytes 0..7) and int (8..11), at
     * once, scale j in byte j of the result: ggml's utmp shuffle in its SIMD Q4_K kernels. The kernels read the
     * bytes so, straight from the mapping, instead of copying them into an array per block (a copy inside the hot
     * loop made C2's loop predication trap and recompile endlessly). Sub-blocks 0..3 are the low
     * 6 bits of bytes 0..3; 4..7 are the low nibbles of bytes 8..11 with the top two bits of bytes 0..3 above them.
     * The kernels pick scale j with a shift, with no branch on j.
     */
    static long scales8(long lo, int hi) {
        int u0 = (int) lo;
        int low = u0 & 0x3F3F3F3F;
        int high = (hi & 0x0F0F0F0F) | (((u0 >>> 6) & 0x03030303) << 4);
        return (low & 0xFFFFFFFFL) | ((long) high << 32);
    }

    /**
     * The super-block's eight scales times {@code d} into sm[0..8) and its eight mins times {@code dmin} into
     * sm[8..16) (sm holds 8 + {@link Vec#L} floats; what lies past 16 is scratch): one vector conversion each instead
     * of 16 scalar int-to-float conversions. {@code dmin} comes signed: the dot kernels add −dmin·min, the
     * dequantization subtracts dmin·min as ggml does.
     */
    static void scalesAndMins(long scLo, int scHi, float d, float dmin, float[] sm) {
        long scales = scales8(scLo, scHi);
        long mins = mins8(scLo, scHi);
        IntVector sv = IntVector.broadcast(Vec.INTS_OF_B, (int) scales).withLane(1, (int) (scales >>> 32));
        IntVector mv = IntVector.broadcast(Vec.INTS_OF_B, (int) mins).withLane(1, (int) (mins >>> 32));
        ((FloatVector) ((IntVector) sv.reinterpretAsBytes().convertShape(VectorOperators.ZERO_EXTEND_B2I, Vec.I, 0))
                .convert(VectorOperators.I2F, 0)).mul(d).intoArray(sm, 0);
        ((FloatVector) ((IntVector) mv.reinterpretAsBytes().convertShape(VectorOperators.ZERO_EXTEND_B2I, Vec.I, 0))
                .convert(VectorOperators.I2F, 0)).mul(dmin).intoArray(sm, 8);
    }

    /** The eight 6-bit mins, min j in byte j, like {@link #scales8}: bytes 4..7, and high nibbles of 8..11. */
    static long mins8(long lo, int hi) {
        int u1 = (int) (lo >>> 32);
        int low = u1 & 0x3F3F3F3F;
        int high = ((hi >>> 4) & 0x0F0F0F0F) | (((u1 >>> 6) & 0x03030303) << 4);
        return (low & 0xFFFFFFFFL) | ((long) high << 32);
    }
}
