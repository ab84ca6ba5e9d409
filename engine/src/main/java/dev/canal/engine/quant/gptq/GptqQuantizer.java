package dev.canal.engine.quant.gptq;

import dev.canal.engine.api.CanalException;

/**
 * Round-to-nearest quantization of one [out, in] matrix, group by group along the input dimension, with the
 * parameters GPTQ's own quantizer ({@code Quantizer.find_params}) picks: the range always includes 0; asymmetric
 * scale = (max − min) / maxq and zero = round(−min / scale); symmetric range ±max|w| and zero = (maxq + 1) / 2
 * (two departures, both where GPTQ's choice loses a group's range: see the comments in {@link #quantize}).
 * Scales are rounded to F16 first and the integers computed with the rounded scale, so dequantizing the stored
 * tensors gives exactly {@link #dequantized}.
 */
final class GptqQuantizer {
    final int bits;
    final int out;
    final int in;
    final int groupSize;
    final int groups;
    /** [in, out]: the integer of each weight, transposed as GPTQ stores it. */
    final int[] q;
    /** [groups, out]: the F16 bits of each scale. */
    final short[] scales;
    /** [groups, out]: the zero point, 0 ≤ zero ≤ maxq. */
    final int[] zeros;

    private GptqQuantizer(int bits, int out, int in, int groupSize) {
        this.bits = bits;
        this.out = out;
        this.in = in;
        this.groupSize = groupSize;
        this.groups = in / groupSize;
        this.q = new int[in * out];
        this.scales = new short[groups * out];
        this.zeros = new int[groups * out];
    }

    /** w: row-major [out, in]; groupSize divides in. */
    static GptqQuantizer quantize(String what, float[] w, int out, int in, int bits, int groupSize, boolean sym) {
        GptqQuantizer r = new GptqQuantizer(bits, out, in, groupSize);
        int maxq = (1 << bits) - 1;
        for (int o = 0; o < out; o++) {
            for (int g = 0; g < r.groups; g++) {
                int base = o * in + g * groupSize;
                float min = 0;
                float max = 0;
                for (int i = 0; i < groupSize; i++) {
                    float v = w[base + i];
                    if (!Float.isFinite(v)) {
                        throw new CanalException(what + ": weight [" + o + ", " + (g * groupSize + i) + "] is " + v
                                + ", which cannot be quantized");
                    }
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
                if (sym) {
                    // GPTQ's find_params keeps min = 0 for an all-positive group, which with zero fixed at the
                    // middle clips its upper half; the symmetric range is taken as intended, ±max|w|.
                    max = Math.max(-min, max);
                    min = -max;
                }
                if (min == 0 && max == 0) {
                    min = -1;
                    max = 1;
                }
                float scale = f16Scale(what, (max - min) / maxq);
                int zero;
                if (sym) {
                    zero = (maxq + 1) / 2;
                } else {
                    zero = clamp((int) Math.rint(-min / scale), maxq);
                    if (zero == 0) {
                        // The v1 checkpoint format stores zero − 1, and a stored −1 is read differently by the
                        // torch reference (masked back to 0) and the CUDA kernels (16): a group whose range starts
                        // at 0 gets zero 1 and a scale stretched so that max stays representable.
                        zero = 1;
                        scale = f16Scale(what, max / (maxq - 1));
                    }
                }
                r.scales[g * out + o] = Float.floatToFloat16(scale);
                r.zeros[g * out + o] = zero;
                for (int i = 0; i < groupSize; i++) {
                    int v = clamp((int) Math.rint(w[base + i] / scale) + zero, maxq);
                    r.q[(g * groupSize + i) * out + o] = v;
                }
            }
        }
        return r;
    }

    /** The matrix the stored integers, zeros and F16 scales stand for, row-major [out, in]. */
    float[] dequantized() {
        float[] w = new float[out * in];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                int g = i / groupSize;
                float s = Float.float16ToFloat(scales[g * out + o]);
                w[o * in + i] = (q[i * out + o] - zeros[g * out + o]) * s;
            }
        }
        return w;
    }

    /** A positive scale representable in F16, as the F16 value. */
    private static float f16Scale(String what, float scale) {
        float s = Float.float16ToFloat(Float.floatToFloat16(scale));
        if (Float.isInfinite(s)) {
            throw new CanalException(what + ": a group's range needs scale " + scale
                    + ", beyond F16's 65504 (GPTQ stores scales as F16)");
        }
        // A range so small that the scale underflows F16: the smallest subnormal still maps it to the zero point.
        return s > 0 ? s : 0x1p-24f;
    }

    private static int clamp(int v, int maxq) {
        return Math.max(0, Math.min(maxq, v));
    }
}
