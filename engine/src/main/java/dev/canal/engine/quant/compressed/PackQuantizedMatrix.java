package dev.canal.engine.quant.compressed;

import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.PackedMatrix;
import dev.canal.engine.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * One compressed-tensors pack-quantized linear layer read in place: W[o, i] = (u − uz) · s[o, g(i)], u the
 * unsigned field of input i in row o of weight_packed (the stored value is q + 2^(bits−1)), uz the unsigned zero
 * point (2^(bits−1), i.e. signed 0, when symmetric) and g(i) = i / group.
 *
 * <p>Rows are outputs and each row's words hold consecutive inputs, so the kernel is a row dot product. A vector
 * of L words holds, for each field k, inputs (w + l) · pack + k, l &lt; L: strided. The activations are therefore
 * rearranged once per call into that interleaved order (block b, field k, lane l), after which every field of a
 * word vector multiplies a contiguous vector of activations. Decode accumulates Σ u · x per group and applies the
 * scale once per group (or per word when groups are narrower than a vector of words), subtracting Σ s · uz · Σx
 * at the end; prefill dequantizes one weight row into scratch and dots it with every activation row.
 */
final class PackQuantizedMatrix implements PackedMatrix {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final int L = F.length();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);
    /** From this many activation rows on, each weight row is dequantized once and reused. */
    static final int PREFILL_ROWS = 4;

    private final String name;
    private final int bits;
    private final int pack;
    private final int mask;
    private final int offset;
    private final int out;
    private final int in;
    private final int groups;
    private final int group;
    /** Words per row (the last may be padded with zeros), whole vectors of them, words per group. */
    private final int words;
    private final int blocks;
    private final int groupWords;
    /** Whether every group is a whole number of word vectors, so a group's scale applies to whole vectors. */
    private final boolean vectorGroups;
    private final DType scaleType;
    private final MemorySegment packed;
    private final MemorySegment scale;
    private final MemorySegment zero;
    private final List<Tensor> parts;

    PackQuantizedMatrix(PackQuantizedScheme s, int out, int in, int groups, Tensor packed, Tensor scale, Tensor zero,
                        Tensor shape) {
        this.name = s.describe();
        this.bits = s.bits();
        this.pack = s.perWord();
        this.mask = (1 << bits) - 1;
        this.offset = 1 << (bits - 1);
        this.out = out;
        this.in = in;
        this.groups = groups;
        this.group = in / groups;
        this.words = (in + pack - 1) / pack;
        this.blocks = words / L;
        this.groupWords = group % pack == 0 ? group / pack : 0;
        this.vectorGroups = groupWords > 0 && groupWords % L == 0;
        this.scaleType = scale.dtype();
        this.packed = packed.data();
        this.scale = scale.data();
        this.zero = zero == null ? null : zero.data();
        List<Tensor> list = new ArrayList<>(List.of(packed, scale, shape));
        if (zero != null) list.add(zero);
        this.parts = List.copyOf(list);
    }

    @Override
    public String formatName() {
        return name;
    }

    @Override
    public long rows() {
        return out;
    }

    @Override
    public long cols() {
        return in;
    }

    @Override
    public List<Tensor> parts() {
        return parts;
    }

    @Override
    public void dequantizeRow(long row, float[] dst, int off) {
        int o = Math.toIntExact(row);
        long base = (long) o * words * 4;
        for (int i = 0; i < in; i++) {
            int word = packed.get(I32_LE, base + (long) (i / pack) * 4);
            int g = i / group;
            int u = (word >>> ((i % pack) * bits)) & mask;
            dst[off + i] = (u - zero(o, g)) * scale(o, g);
        }
    }

    @Override
    public void multiply(float[] x, int rows, float[] y, int outStride, int rowStart, int rowEnd) {
        PackQuantizedScratch s = PackQuantizedScratch.get();
        int n = words * pack;
        float[] xs = s.x = PackQuantizedScratch.atLeast(s.x, rows * n);
        float[] sums = s.sumX = PackQuantizedScratch.atLeast(s.sumX, rows * groups);
        for (int r = 0; r < rows; r++) interleave(x, r * in, xs, r * n, sums, r * groups);
        if (rows >= PREFILL_ROWS) {
            prefill(s, xs, rows, y, outStride, rowStart, rowEnd);
            return;
        }
        for (int r = 0; r < rows; r++) {
            for (int o = rowStart; o < rowEnd; o++) {
                y[r * outStride + o] = dot(s, o, xs, r * n, sums, r * groups);
            }
        }
    }

    /** The scale of output o in group g. */
    float scale(int o, int g) {
        long at = (long) o * groups + g;
        return switch (scaleType) {
            case F16 -> Float.float16ToFloat(scale.get(I16_LE, at * 2));
            case BF16 -> Float.intBitsToFloat(scale.get(I16_LE, at * 2) << 16);
            default -> scale.get(F32_LE, at * 4);
        };
    }

    /** The unsigned zero point of output o in group g: 2^(bits−1) stands for signed 0. */
    int zero(int o, int g) {
        if (zero == null) return offset;
        int word = zero.get(I32_LE, ((long) (o / pack) * groups + g) * 4);
        return (word >>> ((o % pack) * bits)) & mask;
    }

    /** Position of input w · pack + k in the interleaved order: vector blocks of words first, then the tail words. */
    private int position(int w, int k) {
        int b = w / L;
        if (b < blocks) return (b * pack + k) * L + w % L;
        return w * pack + k;
    }

    /** x[xOff, xOff + in) rearranged into xs[xsOff…] (padding inputs 0) and summed per group into sums[sOff…]. */
    private void interleave(float[] x, int xOff, float[] xs, int xsOff, float[] sums, int sOff) {
        for (int w = 0; w < words; w++) {
            for (int k = 0; k < pack; k++) {
                int i = w * pack + k;
                xs[xsOff + position(w, k)] = i < in ? x[xOff + i] : 0f;
            }
        }
        for (int g = 0; g < groups; g++) {
            float sum = 0;
            for (int i = g * group, end = i + group; i < end; i++) sum += x[xOff + i];
            sums[sOff + g] = sum;
        }
    }

    // ---- decode ------------------------------------------------------------------------------------------------

    /** Σᵢ W[o, i] · x[i] = Σ_g s_g · (Σ_{i∈g} u_i x_i − uz_g Σ_{i∈g} x_i). */
    private float dot(PackQuantizedScratch s, int o, float[] xs, int xsOff, float[] sums, int sOff) {
        long base = (long) o * words * 4;
        FloatVector total = FloatVector.zero(F);
        float tail = 0;
        if (vectorGroups) {
            int blocksPerGroup = groupWords / L;
            for (int g = 0; g < groups; g++) {
                FloatVector a = FloatVector.zero(F);
                for (int b = g * blocksPerGroup, end = b + blocksPerGroup; b < end; b++) {
                    a = block(a, base, b, xs, xsOff);
                }
                total = a.fma(FloatVector.broadcast(F, scale(o, g)), total);
            }
        } else {
            float[] ws = wordScales(s, o);
            for (int b = 0; b < blocks; b++) {
                FloatVector a = block(FloatVector.zero(F), base, b, xs, xsOff);
                total = a.fma(FloatVector.fromArray(F, ws, b * L), total);
            }
            for (int w = blocks * L; w < words; w++) {
                int word = packed.get(I32_LE, base + w * 4L);
                float a = 0;
                for (int k = 0; k < pack; k++) {
                    a = Math.fma((float) ((word >>> (k * bits)) & mask), xs[xsOff + position(w, k)], a);
                }
                tail = Math.fma(a, ws[w], tail);
            }
        }
        float zeroTerm = 0;
        for (int g = 0; g < groups; g++) zeroTerm = Math.fma(scale(o, g) * zero(o, g), sums[sOff + g], zeroTerm);
        return total.reduceLanes(VectorOperators.ADD) + tail - zeroTerm;
    }

    /** a + Σₖ u(word vector b, field k) · xs(block b, field k). */
    private FloatVector block(FloatVector a, long base, int b, float[] xs, int xsOff) {
        IntVector q = IntVector.fromMemorySegment(I, packed, base + (long) b * L * 4, LE);
        int x = xsOff + b * pack * L;
        for (int k = 0; k < pack; k++) {
            a = unpack(q, k * bits).fma(FloatVector.fromArray(F, xs, x + k * L), a);
        }
        return a;
    }

    /** Output o's scale for each word, for groups narrower than a vector of words. */
    private float[] wordScales(PackQuantizedScratch s, int o) {
        float[] ws = s.wordScales = PackQuantizedScratch.atLeast(s.wordScales, words);
        for (int w = 0; w < words; w++) ws[w] = scale(o, Math.min(groups - 1, w * pack / group));
        return ws;
    }

    private FloatVector unpack(IntVector q, int shift) {
        IntVector v = shift == 0 ? q : q.lanewise(VectorOperators.LSHR, shift);
        return (FloatVector) v.and(mask).convert(VectorOperators.I2F, 0);
    }

    // ---- prefill -----------------------------------------------------------------------------------------------

    private void prefill(PackQuantizedScratch s, float[] xs, int rows, float[] y, int outStride, int rowStart,
                         int rowEnd) {
        int n = words * pack;
        float[] w = s.row = PackQuantizedScratch.atLeast(s.row, n);
        for (int o = rowStart; o < rowEnd; o++) {
            dequantizeInterleaved(s, o, w);
            int r = 0;
            for (; r + 4 <= rows; r += 4) {
                int x0 = r * n, x1 = x0 + n, x2 = x1 + n, x3 = x2 + n;
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                int bound = F.loopBound(n);
                int i = 0;
                for (; i < bound; i += L) {
                    FloatVector wv = FloatVector.fromArray(F, w, i);
                    a0 = wv.fma(FloatVector.fromArray(F, xs, x0 + i), a0);
                    a1 = wv.fma(FloatVector.fromArray(F, xs, x1 + i), a1);
                    a2 = wv.fma(FloatVector.fromArray(F, xs, x2 + i), a2);
                    a3 = wv.fma(FloatVector.fromArray(F, xs, x3 + i), a3);
                }
                float t0 = 0, t1 = 0, t2 = 0, t3 = 0;
                for (; i < n; i++) {
                    t0 = Math.fma(w[i], xs[x0 + i], t0);
                    t1 = Math.fma(w[i], xs[x1 + i], t1);
                    t2 = Math.fma(w[i], xs[x2 + i], t2);
                    t3 = Math.fma(w[i], xs[x3 + i], t3);
                }
                y[r * outStride + o] = a0.reduceLanes(VectorOperators.ADD) + t0;
                y[(r + 1) * outStride + o] = a1.reduceLanes(VectorOperators.ADD) + t1;
                y[(r + 2) * outStride + o] = a2.reduceLanes(VectorOperators.ADD) + t2;
                y[(r + 3) * outStride + o] = a3.reduceLanes(VectorOperators.ADD) + t3;
            }
            for (; r < rows; r++) {
                int x0 = r * n;
                FloatVector a0 = FloatVector.zero(F);
                int bound = F.loopBound(n);
                int i = 0;
                for (; i < bound; i += L) {
                    a0 = FloatVector.fromArray(F, w, i).fma(FloatVector.fromArray(F, xs, x0 + i), a0);
                }
                float t0 = 0;
                for (; i < n; i++) t0 = Math.fma(w[i], xs[x0 + i], t0);
                y[r * outStride + o] = a0.reduceLanes(VectorOperators.ADD) + t0;
            }
        }
    }

    /** Row o dequantized into w in the interleaved order (padding inputs 0, as their activations are). */
    private void dequantizeInterleaved(PackQuantizedScratch s, int o, float[] w) {
        long base = (long) o * words * 4;
        float[] ws = s.wordScales = PackQuantizedScratch.atLeast(s.wordScales, words);
        float[] wz = s.wordZeros = PackQuantizedScratch.atLeast(s.wordZeros, words);
        for (int v = 0; v < words; v++) {
            int g = Math.min(groups - 1, v * pack / group);
            ws[v] = scale(o, g);
            wz[v] = zero(o, g);
        }
        for (int b = 0; b < blocks; b++) {
            IntVector q = IntVector.fromMemorySegment(I, packed, base + (long) b * L * 4, LE);
            FloatVector sv = FloatVector.fromArray(F, ws, b * L);
            FloatVector zv = FloatVector.fromArray(F, wz, b * L);
            for (int k = 0; k < pack; k++) {
                unpack(q, k * bits).sub(zv).mul(sv).intoArray(w, (b * pack + k) * L);
            }
        }
        for (int v = blocks * L; v < words; v++) {
            int word = packed.get(I32_LE, base + v * 4L);
            for (int k = 0; k < pack; k++) {
                w[v * pack + k] = (((word >>> (k * bits)) & mask) - wz[v]) * ws[v];
            }
        }
    }
}
