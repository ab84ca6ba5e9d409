package dev.canal.engine.quant.compressed;

import dev.canal.engine.vector.LaneSums;
import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.PackedMatrix;
import dev.canal.engine.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One compressed-tensors pack-quantized linear layer read in place: W[o, i] = (u − uz) · s[o, g(i)], u the
 * unsigned field of input i in row o of weight_packed (the stored value is q + 2^(bits−1)), uz the unsigned zero
 * point (2^(bits−1), i.e. signed 0, when symmetric) and g(i) = i / group.
 *
 * <p>Rows are outputs and each row's words hold consecutive inputs, so the kernel is a row dot product. A vector
 * of L words holds, for each field k, inputs (w + l) · pack + k, l &lt; L: strided. The activations are therefore
 * rearranged once per call into that interleaved order (block b, field k, lane l), after which every field of a
 * word vector multiplies a contiguous vector of activations. A row's scales and zero points are decoded once per
 * row (vectorized), and each word vector finds its lanes' scales by broadcast (groups spanning whole vectors), by a
 * fixed gather pattern (several groups per vector) or from per-word arrays. Decode sums s · u · x per lane and
 * subtracts Σ_g s · uz · Σx; prefill dequantizes four weight rows into scratch and multiplies them with four
 * activation rows at a time.
 */
final class PackQuantizedMatrix implements PackedMatrix {
    /** How the lanes of a vector of L words map to groups. */
    private enum Lanes {
        /** A group spans whole vectors of words: one scale for the vector. */
        BROADCAST,
        /** L / groupWords groups per vector, the same pattern for every vector: gathered from the row's groups. */
        GATHER,
        /** Anything else (one group per row whose inputs are not a whole number of vectors): per-word arrays. */
        PER_WORD
    }

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final VectorSpecies<Short> S =
            VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
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
    /** Inputs per row rounded up to whole vectors: the row length of the interleaved scratch rows. */
    private final int padded;
    /** How a word vector's lanes find their group's scale and zero (see {@link Lanes}). */
    private final Lanes lane;
    /** For {@link Lanes#GATHER}: lane l's group relative to the vector's first, l / groupWords. */
    private final int[] laneGroup;
    /** With act-order (weight_g_idx): the group of each input, and of each position in the interleaved order. */
    private final int[] inputGroup;
    private final int[] positionGroup;
    private final DType scaleType;
    private final MemorySegment packed;
    private final MemorySegment scale;
    private final MemorySegment zero;
    private final List<Tensor> parts;

    PackQuantizedMatrix(PackQuantizedScheme s, int out, int in, int groups, Tensor packed, Tensor scale, Tensor zero,
                        Tensor shape, Tensor gIdx, int[] inputGroup) {
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
        this.padded = (words * pack + L - 1) / L * L;
        if (groupWords > 0 && groupWords % L == 0) {
            lane = Lanes.BROADCAST;
        } else if (groupWords > 0 && L % groupWords == 0) {
            lane = Lanes.GATHER;
        } else {
            lane = Lanes.PER_WORD;
        }
        this.laneGroup = new int[L];
        for (int l = 0; l < L; l++) laneGroup[l] = groupWords > 0 ? l / groupWords : 0;
        this.scaleType = scale.dtype();
        this.packed = packed.data();
        this.scale = scale.data();
        this.zero = zero == null ? null : zero.data();
        List<Tensor> list = new ArrayList<>(List.of(packed, scale, shape));
        if (zero != null) list.add(zero);
        if (gIdx != null) list.add(gIdx);
        this.parts = List.copyOf(list);
        boolean reordered = false;
        if (inputGroup != null) for (int i = 0; i < in; i++) reordered |= inputGroup[i] != i / group;
        this.inputGroup = reordered ? inputGroup : null;
        if (reordered) {
            // Act-order ("actorder": "group"): each lane of each field has its own group; kept per position of
            // the interleaved order so that a gather fetches a field's scales and zeros.
            positionGroup = new int[padded];
            for (int w = 0; w < words; w++) {
                for (int k = 0; k < pack; k++) {
                    int i = w * pack + k;
                    if (i < in) positionGroup[position(w, k)] = inputGroup[i];
                }
            }
        } else {
            positionGroup = null;
        }
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
            int g = group(i);
            int u = (word >>> ((i % pack) * bits)) & mask;
            dst[off + i] = (u - zero(o, g)) * scale(o, g);
        }
    }

    @Override
    public void multiply(float[] x, int rows, float[] y, int outStride, int rowStart, int rowEnd) {
        PackQuantizedScratch s = PackQuantizedScratch.get();
        float[] xs = s.x = PackQuantizedScratch.atLeast(s.x, rows * padded);
        float[] sums = s.sumX = PackQuantizedScratch.atLeast(s.sumX, rows * groups);
        for (int r = 0; r < rows; r++) interleave(x, r * in, xs, r * padded, sums, r * groups);
        if (rows >= PREFILL_ROWS) {
            prefill(s, xs, rows, y, outStride, rowStart, rowEnd);
            return;
        }
        for (int o = rowStart; o < rowEnd; o++) {
            rowParams(s, o);
            for (int r = 0; r < rows; r++) {
                y[r * outStride + o] = inputGroup != null ? dotActOrder(s, o, xs, r * padded)
                        : dot(s, o, xs, r * padded, sums, r * groups);
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

    /**
     * x[xOff, xOff + in) rearranged into xs[xsOff, xsOff + padded) (padding inputs and the round-up to whole vectors
     * 0) and summed per group into sums[sOff…].
     */
    private void interleave(float[] x, int xOff, float[] xs, int xsOff, float[] sums, int sOff) {
        for (int w = 0; w < words; w++) {
            for (int k = 0; k < pack; k++) {
                int i = w * pack + k;
                xs[xsOff + position(w, k)] = i < in ? x[xOff + i] : 0f;
            }
        }
        Arrays.fill(xs, xsOff + words * pack, xsOff + padded, 0f);
        for (int g = 0; g < groups; g++) {
            float sum = 0;
            for (int i = g * group, end = i + group; i < end; i++) sum += x[xOff + i];
            sums[sOff + g] = sum;
        }
    }

    // ---- per-row parameters --------------------------------------------------------------------------------

    /**
     * Output o's scale and unsigned zero point per group into s.rowScales / s.rowZeros, and, when groups do not
     * map onto vector lanes by a fixed pattern, per word into s.wordScales / s.wordZeros.
     */
    private void rowParams(PackQuantizedScratch s, int o) {
        float[] sc = s.rowScales = PackQuantizedScratch.atLeast(s.rowScales, groups);
        float[] zs = s.rowZeros = PackQuantizedScratch.atLeast(s.rowZeros, groups);
        long at = (long) o * groups;
        int bound = F.loopBound(groups);
        int g = 0;
        for (; g < bound; g += L) scales(at + g).intoArray(sc, g);
        for (; g < groups; g++) sc[g] = scale(o, g);
        if (zero == null) {
            Arrays.fill(zs, 0, groups, offset);
        } else {
            long zAt = (long) (o / pack) * groups * 4;
            int shift = (o % pack) * bits;
            for (g = 0; g < bound; g += L) {
                IntVector.fromMemorySegment(I, zero, zAt + g * 4L, LE).lanewise(VectorOperators.LSHR, shift)
                        .and(mask).convert(VectorOperators.I2F, 0).reinterpretAsFloats().intoArray(zs, g);
            }
            for (; g < groups; g++) zs[g] = zero(o, g);
        }
        if (lane == Lanes.PER_WORD && inputGroup == null) {
            float[] ws = s.wordScales = PackQuantizedScratch.atLeast(s.wordScales, words);
            float[] wz = s.wordZeros = PackQuantizedScratch.atLeast(s.wordZeros, words);
            for (int w = 0; w < words; w++) {
                ws[w] = sc[groupOfWord(w)];
                wz[w] = zs[groupOfWord(w)];
            }
        }
    }

    private int group(int i) {
        return inputGroup != null ? inputGroup[i] : i / group;
    }

    private int groupOfWord(int w) {
        return Math.min(groups - 1, w * pack / group);
    }

    /** The per-lane values (scales or zeros) of word vector b, from the row's per-group or per-word values. */
    private FloatVector lanes(float[] perGroup, float[] perWord, int b) {
        return switch (lane) {
            case BROADCAST -> FloatVector.broadcast(F, perGroup[b * L / groupWords]);
            case GATHER -> FloatVector.fromArray(F, perGroup, b * (L / groupWords), laneGroup, 0);
            case PER_WORD -> FloatVector.fromArray(F, perWord, b * L);
        };
    }

    /** L scales of this row from element index {@code at} of weight_scale. */
    private FloatVector scales(long at) {
        if (scaleType == DType.F32) return FloatVector.fromMemorySegment(F, scale, at * 4, LE);
        IntVector h = (IntVector) ShortVector.fromMemorySegment(S, scale, at * 2, LE).convertShape(
                VectorOperators.S2I, I, 0);
        if (scaleType == DType.BF16) return h.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
        // F16: exponent and mantissa shifted into float position are 2^-112 times the value (normal or
        // subnormal); magnitudes from 0x7c00 (infinity, NaN) get the all-ones exponent.
        IntVector magnitude = h.and(0x7fff);
        IntVector finite = magnitude.lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats()
                .mul(0x1p112f).reinterpretAsInts();
        IntVector special = magnitude.add(0x400).lanewise(VectorOperators.LSHL, 16)
                .lanewise(VectorOperators.ASHR, 31).and(0x7f800000);
        return finite.or(special).or(h.and(0x80000000)).reinterpretAsFloats();
    }

    // ---- decode ------------------------------------------------------------------------------------------------

    /** Σᵢ W[o, i] · x[i] = Σ_g s_g · (Σ_{i∈g} u_i x_i − uz_g Σ_{i∈g} x_i), with rowParams(o) done. */
    private float dot(PackQuantizedScratch s, int o, float[] xs, int xsOff, float[] sums, int sOff) {
        long base = (long) o * words * 4;
        float[] sc = s.rowScales;
        FloatVector total = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            FloatVector a = block(FloatVector.zero(F), base, b, xs, xsOff);
            total = a.fma(lanes(sc, s.wordScales, b), total);
        }
        float tail = 0;
        for (int w = blocks * L; w < words; w++) {
            int word = packed.get(I32_LE, base + w * 4L);
            float a = 0;
            for (int k = 0; k < pack; k++) {
                a = Math.fma((float) ((word >>> (k * bits)) & mask), xs[xsOff + position(w, k)], a);
            }
            tail = Math.fma(a, sc[groupOfWord(w)], tail);
        }
        float[] zs = s.rowZeros;
        FloatVector zeroTerm = FloatVector.zero(F);
        int bound = F.loopBound(groups);
        int g = 0;
        for (; g < bound; g += L) {
            zeroTerm = FloatVector.fromArray(F, sc, g).mul(FloatVector.fromArray(F, zs, g))
                    .fma(FloatVector.fromArray(F, sums, sOff + g), zeroTerm);
        }
        float zeroTail = 0;
        for (; g < groups; g++) zeroTail = Math.fma(sc[g] * zs[g], sums[sOff + g], zeroTail);
        return LaneSums.sum(total) + tail
                - (LaneSums.sum(zeroTerm) + zeroTail);
    }

    /**
     * Σᵢ W[o, i] · x[i] with act-order: groups vary from input to input, so each field is dequantized with its
     * lanes' gathered scales and zeros before the multiply (rowParams(o) done).
     */
    private float dotActOrder(PackQuantizedScratch s, int o, float[] xs, int xsOff) {
        long base = (long) o * words * 4;
        float[] sc = s.rowScales;
        float[] zs = s.rowZeros;
        FloatVector total = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            IntVector q = IntVector.fromMemorySegment(I, packed, base + (long) b * L * 4, LE);
            for (int k = 0; k < pack; k++) {
                int at = (b * pack + k) * L;
                FloatVector w = unpack(q, k * bits).sub(FloatVector.fromArray(F, zs, 0, positionGroup, at))
                        .mul(FloatVector.fromArray(F, sc, 0, positionGroup, at));
                total = w.fma(FloatVector.fromArray(F, xs, xsOff + at), total);
            }
        }
        float tail = 0;
        for (int v = blocks * L; v < words; v++) {
            int word = packed.get(I32_LE, base + v * 4L);
            for (int k = 0; k < pack && v * pack + k < in; k++) {
                int g = inputGroup[v * pack + k];
                float w = (((word >>> (k * bits)) & mask) - zs[g]) * sc[g];
                tail = Math.fma(w, xs[xsOff + v * pack + k], tail);
            }
        }
        return LaneSums.sum(total) + tail;
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

    private FloatVector unpack(IntVector q, int shift) {
        IntVector v = shift == 0 ? q : q.lanewise(VectorOperators.LSHR, shift);
        return (FloatVector) v.and(mask).convert(VectorOperators.I2F, 0);
    }

    // ---- prefill -----------------------------------------------------------------------------------------------

    /**
     * Blocks of four weight rows, dequantized once into scratch, times blocks of four activation rows: sixteen
     * running dot products per pass over the inputs, each weight and activation vector loaded once per block. A
     * partial block repeats its last row; the extra results are dropped, so every (row, output) pair is computed
     * by the same sequence of operations wherever it falls.
     */
    private void prefill(PackQuantizedScratch s, float[] xs, int rows, float[] y, int outStride, int rowStart,
                         int rowEnd) {
        int n = padded;
        float[] w = s.row = PackQuantizedScratch.atLeast(s.row, 4 * n);
        for (int o = rowStart; o < rowEnd; o += 4) {
            int valid = Math.min(4, rowEnd - o);
            for (int k = 0; k < 4; k++) {
                int row = o + Math.min(k, valid - 1);
                rowParams(s, row);
                dequantizeInterleaved(s, row, w, k * n);
            }
            for (int r = 0; r < rows; r += 4) {
                int rv = Math.min(4, rows - r);
                int x0 = r * n, x1 = (r + Math.min(1, rv - 1)) * n, x2 = (r + Math.min(2, rv - 1)) * n;
                int x3 = (r + rv - 1) * n;
                FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00;
                FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
                FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
                FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
                for (int i = 0; i < n; i += L) {
                    FloatVector w0 = FloatVector.fromArray(F, w, i);
                    FloatVector w1 = FloatVector.fromArray(F, w, n + i);
                    FloatVector w2 = FloatVector.fromArray(F, w, 2 * n + i);
                    FloatVector w3 = FloatVector.fromArray(F, w, 3 * n + i);
                    FloatVector v = FloatVector.fromArray(F, xs, x0 + i);
                    a00 = w0.fma(v, a00); a10 = w1.fma(v, a10); a20 = w2.fma(v, a20); a30 = w3.fma(v, a30);
                    v = FloatVector.fromArray(F, xs, x1 + i);
                    a01 = w0.fma(v, a01); a11 = w1.fma(v, a11); a21 = w2.fma(v, a21); a31 = w3.fma(v, a31);
                    v = FloatVector.fromArray(F, xs, x2 + i);
                    a02 = w0.fma(v, a02); a12 = w1.fma(v, a12); a22 = w2.fma(v, a22); a32 = w3.fma(v, a32);
                    v = FloatVector.fromArray(F, xs, x3 + i);
                    a03 = w0.fma(v, a03); a13 = w1.fma(v, a13); a23 = w2.fma(v, a23); a33 = w3.fma(v, a33);
                }
                store(y, outStride, r, rv, o, valid, 0, a00, a01, a02, a03);
                store(y, outStride, r, rv, o, valid, 1, a10, a11, a12, a13);
                store(y, outStride, r, rv, o, valid, 2, a20, a21, a22, a23);
                store(y, outStride, r, rv, o, valid, 3, a30, a31, a32, a33);
            }
        }
    }

    /** y[(r + j) · stride + o + k] = Σ lanes of a_j, for the valid activation rows j and weight row k. */
    private static void store(float[] y, int stride, int r, int rv, int o, int valid, int k, FloatVector a0,
                              FloatVector a1, FloatVector a2, FloatVector a3) {
        if (k >= valid) return;
        y[r * stride + o + k] = LaneSums.sum(a0);
        if (rv > 1) y[(r + 1) * stride + o + k] = LaneSums.sum(a1);
        if (rv > 2) y[(r + 2) * stride + o + k] = LaneSums.sum(a2);
        if (rv > 3) y[(r + 3) * stride + o + k] = LaneSums.sum(a3);
    }

    /** Row o (its rowParams done) dequantized into w[off, off + padded) in the interleaved order, padding 0. */
    private void dequantizeInterleaved(PackQuantizedScratch s, int o, float[] w, int off) {
        long base = (long) o * words * 4;
        for (int b = 0; b < blocks && inputGroup != null; b++) {
            IntVector q = IntVector.fromMemorySegment(I, packed, base + (long) b * L * 4, LE);
            for (int k = 0; k < pack; k++) {
                int at = (b * pack + k) * L;
                unpack(q, k * bits).sub(FloatVector.fromArray(F, s.rowZeros, 0, positionGroup, at))
                        .mul(FloatVector.fromArray(F, s.rowScales, 0, positionGroup, at)).intoArray(w, off + at);
            }
        }
        for (int b = 0; b < blocks && inputGroup == null; b++) {
            IntVector q = IntVector.fromMemorySegment(I, packed, base + (long) b * L * 4, LE);
            FloatVector sv = lanes(s.rowScales, s.wordScales, b);
            FloatVector zv = lanes(s.rowZeros, s.wordZeros, b);
            for (int k = 0; k < pack; k++) {
                unpack(q, k * bits).sub(zv).mul(sv).intoArray(w, off + (b * pack + k) * L);
            }
        }
        for (int v = blocks * L; v < words; v++) {
            int word = packed.get(I32_LE, base + v * 4L);
            for (int k = 0; k < pack; k++) {
                int i = v * pack + k;
                int g = i < in ? group(i) : 0;
                // Padding fields hold 0, whatever the zero point: their activations are 0 and so must they be.
                w[off + i] = i < in ? (((word >>> (k * bits)) & mask) - s.rowZeros[g]) * s.rowScales[g] : 0f;
            }
        }
        Arrays.fill(w, off + words * pack, off + padded, 0f);
    }
}
