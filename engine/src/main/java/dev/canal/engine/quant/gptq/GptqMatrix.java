package dev.canal.engine.quant.gptq;

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
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * One GPTQ linear layer read in place: W[o, i] = (q[i, o] − z[g(i), o]) · s[g(i), o], with q from qweight
 * (I32 [in / pack, out], packed along the input), z from qzeros (I32 [groups, out / pack], packed along the
 * output; stored as z − 1 in the v1 format), s from scales ([groups, out], F16 or BF16) and g(i) from g_idx.
 *
 * <p>Each qweight word row holds {@code pack} inputs for every output, outputs contiguous: the kernels take a
 * vector of output columns, unpack the pack values of each lane with shift and mask and FMA them with the
 * broadcast inputs. Decode (fewer than {@value #PREFILL_ROWS} activation rows) streams qweight once, row by row,
 * accumulating Σ x · q per run of inputs that share a group and applying s · (Σ x · q − z · Σ x) at the end of the
 * run; with act-order (runs not aligned to words) it keeps one accumulator per group instead. Prefill dequantizes
 * a tile of [{@value #K_TILE} inputs, 4 vectors of outputs] into per-thread scratch and multiplies every activation
 * row with it, four rows at a time.
 */
public final class GptqMatrix implements PackedMatrix {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    /** As many shorts as F has floats: the 16-bit scales of one float vector. */
    private static final VectorSpecies<Short> S =
            VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final int L = F.length();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** From this many activation rows on, a dequantized tile is reused across rows. */
    static final int PREFILL_ROWS = 4;
    /** Decode: output columns per pass over qweight (a multiple of the vector length; 2 KB of int32 per word row). */
    private static final int CHUNK = 32 * L;
    /** Prefill: output columns per tile (four vectors) and inputs per tile. */
    private static final int TILE = 4 * L;
    static final int K_TILE = 256;

    private final String name;
    private final int bits;
    private final int pack;
    private final int mask;
    private final int out;
    private final int in;
    private final int groupSize;
    private final boolean actOrder;
    private final int zeroWords;
    private final boolean zeroMinusOne;
    private final boolean bf16Scales;
    private final InputGroups groups;
    private final MemorySegment qweight;
    private final MemorySegment qzeros;
    private final MemorySegment scales;
    private final List<Tensor> parts;
    /** For the vectorized zero unpacking: lane l's zero word (l / pack) and shift; null when L % pack != 0. */
    private final int[] laneWord;
    private final IntVector laneShift;

    GptqMatrix(GptqParameters p, int out, int in, int groupCount, int[] groupOf, Tensor qweight, Tensor qzeros,
               Tensor scales, Tensor gIdx) {
        this.bits = p.bits();
        this.pack = p.perWord();
        this.mask = (1 << bits) - 1;
        this.out = out;
        this.in = in;
        this.zeroWords = out / pack;
        this.zeroMinusOne = p.zeroMinusOne();
        this.bf16Scales = scales.dtype() == DType.BF16;
        this.groups = new InputGroups(groupOf, groupCount, pack);
        this.groupSize = p.groupSize() == -1 ? in : p.groupSize();
        this.actOrder = !groups.sequential(groupSize);
        this.name = p.describe() + (actOrder ? " act-order" : "");
        this.qweight = qweight.data();
        this.qzeros = qzeros.data();
        this.scales = scales.data();
        List<Tensor> list = new ArrayList<>(List.of(qweight, qzeros, scales));
        if (gIdx != null) list.add(gIdx);
        this.parts = List.copyOf(list);
        if (L % pack == 0) {
            laneWord = new int[L];
            int[] shifts = new int[L];
            for (int l = 0; l < L; l++) {
                laneWord[l] = l / pack;
                shifts[l] = (l % pack) * bits;
            }
            laneShift = IntVector.fromArray(I, shifts, 0);
        } else {
            laneWord = null;
            laneShift = null;
        }
    }

    @Override
    public String formatName() {
        return name;
    }

    // ---- the layout, for backends that multiply with kernels of their own (the CUDA backend) ----------------

    /** 4 or 8. */
    public int bits() {
        return bits;
    }

    /** Inputs per group without act-order (the input count for one group per row). */
    public int groupSize() {
        return groupSize;
    }

    /** Whether g_idx departs from i / {@link #groupSize()}: then the group of input i is {@link #group(int)}. */
    public boolean actOrder() {
        return actOrder;
    }

    /** The scale/zero group of input i (g_idx[i]). */
    public int group(int input) {
        return groups.group(input);
    }

    /** Whether qzeros hold zero − 1 (checkpoint format "gptq", v1): the zero is then (field + 1) masked to bits. */
    public boolean zerosMinusOne() {
        return zeroMinusOne;
    }

    /** I32 [in / (32 / bits), out], packed along the input. */
    public Tensor qweight() {
        return parts.get(0);
    }

    /** I32 [groups, out / (32 / bits)], packed along the output. */
    public Tensor qzeros() {
        return parts.get(1);
    }

    /** F16 or BF16 [groups, out]. */
    public Tensor scales() {
        return parts.get(2);
    }

    /** The stored g_idx (I32 or I64 [in]), absent in old files without act-order. */
    public Optional<Tensor> gIdx() {
        return parts.size() > 3 ? Optional.of(parts.get(3)) : Optional.empty();
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
    public int rowGrain() {
        return TILE;
    }

    /** Each call reads its columns' slice of every packed row: see {@link PackedMatrix#prefersWideRanges}. */
    @Override
    public boolean prefersWideRanges() {
        return true;
    }

    @Override
    public void dequantizeRow(long row, float[] dst, int off) {
        int o = Math.toIntExact(row);
        for (int i = 0; i < in; i++) {
            int word = qweight.get(GptqPacking.I32_LE, ((long) (i / pack) * out + o) * 4);
            int g = groups.group(i);
            dst[off + i] = (GptqPacking.field(word, i % pack, bits) - zero(g, o)) * scale(g, o);
        }
    }

    @Override
    public void multiply(float[] x, int rows, float[] y, int outStride, int rowStart, int rowEnd) {
        GptqScratch s = GptqScratch.get();
        if (rows >= PREFILL_ROWS) {
            prefill(s, x, rows, y, outStride, rowStart, rowEnd);
            return;
        }
        for (int r = 0; r < rows; r++) {
            int xOff = r * in;
            if (groups.wordAligned()) {
                runSums(s, x, xOff);
                for (int c = rowStart; c < rowEnd; c += CHUNK) {
                    decodeRuns(s, x, xOff, c, Math.min(rowEnd, c + CHUNK), y, r * outStride);
                }
            } else {
                groupSums(s, x, xOff);
                for (int c = rowStart; c < rowEnd; c += CHUNK) {
                    decodeGroups(s, x, xOff, c, Math.min(rowEnd, c + CHUNK), y, r * outStride);
                }
            }
        }
    }

    /** The scale of group g for output o. */
    float scale(int g, int o) {
        short b = scales.get(GptqPacking.I16_LE, ((long) g * out + o) * 2);
        return bf16Scales ? Float.intBitsToFloat(b << 16) : Float.float16ToFloat(b);
    }

    /** The zero point of group g for output o, as the dequantization subtracts it. */
    int zero(int g, int o) {
        int word = qzeros.get(GptqPacking.I32_LE, ((long) g * zeroWords + o / pack) * 4);
        int z = GptqPacking.field(word, o % pack, bits);
        // v1 stored zero − 1; AutoGPTQ's torch path adds 1 and masks, so a stored all-ones field means 0.
        return zeroMinusOne ? (z + 1) & mask : z;
    }

    // ---- decode ------------------------------------------------------------------------------------------------

    private void runSums(GptqScratch s, float[] x, int xOff) {
        int runs = groups.runs();
        float[] sums = s.sumX = GptqScratch.atLeast(s.sumX, runs);
        for (int r = 0; r < runs; r++) {
            float sum = 0;
            for (int i = groups.runStart(r), end = groups.runStart(r + 1); i < end; i++) sum += x[xOff + i];
            sums[r] = sum;
        }
    }

    private void groupSums(GptqScratch s, float[] x, int xOff) {
        float[] sums = s.sumX = GptqScratch.atLeast(s.sumX, groups.groups());
        Arrays.fill(sums, 0, groups.groups(), 0f);
        for (int i = 0; i < in; i++) sums[groups.group(i)] += x[xOff + i];
    }

    /** Outputs [c0, c1) of one activation row, g_idx in word-aligned runs: Σ x · q per run, then s · (Σ − z Σx). */
    private void decodeRuns(GptqScratch s, float[] x, int xOff, int c0, int c1, float[] y, int yOff) {
        int width = c1 - c0;
        float[] acc = s.acc = GptqScratch.atLeast(s.acc, CHUNK);
        float[] total = s.total = GptqScratch.atLeast(s.total, CHUNK);
        Arrays.fill(total, 0, width, 0f);
        for (int r = 0; r < groups.runs(); r++) {
            Arrays.fill(acc, 0, width, 0f);
            int w0 = groups.runStart(r) / pack;
            int w1 = groups.runStart(r + 1) / pack;
            for (int w = w0; w < w1; w++) {
                if (bits == 4) {
                    accumulate4(acc, x, xOff + w * 8, w, c0, width);
                } else {
                    accumulate8(acc, x, xOff + w * 4, w, c0, width);
                }
            }
            applyGroup(s, groups.runGroup(r), s.sumX[r], acc, 0, total, c0, width);
        }
        System.arraycopy(total, 0, y, yOff + c0, width);
    }

    /** Outputs [c0, c1) of one activation row under act-order: one Σ x · q accumulator per group and column. */
    private void decodeGroups(GptqScratch s, float[] x, int xOff, int c0, int c1, float[] y, int yOff) {
        int width = c1 - c0;
        int n = groups.groups();
        float[] acc = s.groupAcc = GptqScratch.atLeast(s.groupAcc, n * CHUNK);
        float[] total = s.total = GptqScratch.atLeast(s.total, CHUNK);
        Arrays.fill(acc, 0, n * CHUNK, 0f);
        Arrays.fill(total, 0, width, 0f);
        int vec = F.loopBound(width);
        for (int w = 0; w < in / pack; w++) {
            long base = ((long) w * out + c0) * 4;
            int j = 0;
            for (; j < vec; j += L) {
                IntVector q = IntVector.fromMemorySegment(I, qweight, base + j * 4L, LE);
                for (int k = 0; k < pack; k++) {
                    int i = w * pack + k;
                    int at = groups.group(i) * CHUNK + j;
                    FloatVector a = FloatVector.fromArray(F, acc, at);
                    unpack(q, k * bits, mask).fma(bcast(x[xOff + i]), a).intoArray(acc, at);
                }
            }
            for (; j < width; j++) {
                int word = qweight.get(GptqPacking.I32_LE, base + j * 4L);
                for (int k = 0; k < pack; k++) {
                    int i = w * pack + k;
                    int at = groups.group(i) * CHUNK + j;
                    acc[at] = Math.fma((float) GptqPacking.field(word, k, bits), x[xOff + i], acc[at]);
                }
            }
        }
        for (int g = 0; g < n; g++) applyGroup(s, g, s.sumX[g], acc, g * CHUNK, total, c0, width);
        System.arraycopy(total, 0, y, yOff + c0, width);
    }

    /** total[j] += s · (acc[accOff + j] − z · Σx) for group g and columns c0 + j, j < width. */
    private void applyGroup(GptqScratch s, int g, float sumX, float[] acc, int accOff, float[] total, int c0,
                            int width) {
        float[] sc = s.scales = GptqScratch.atLeast(s.scales, CHUNK);
        float[] zs = s.zeros = GptqScratch.atLeast(s.zeros, CHUNK);
        groupParams(s, g, c0, width, sc, zs, 0);
        int vec = F.loopBound(width);
        int j = 0;
        for (; j < vec; j += L) {
            FloatVector t = FloatVector.fromArray(F, acc, accOff + j)
                    .sub(FloatVector.fromArray(F, zs, j).mul(sumX));
            t.fma(FloatVector.fromArray(F, sc, j), FloatVector.fromArray(F, total, j)).intoArray(total, j);
        }
        for (; j < width; j++) {
            float t = acc[accOff + j] - zs[j] * sumX;
            total[j] = Math.fma(t, sc[j], total[j]);
        }
    }

    /**
     * Scales and zeros of group g for outputs [c0, c0 + width) into sc[off…], zs[off…]. Vectorized where the
     * range starts on a zero word and a vector holds whole words (always, for ranges at multiples of the grain):
     * the words are copied out once and lane l takes word l / pack, shifted by (l % pack) · bits.
     */
    private void groupParams(GptqScratch s, int g, int c0, int width, float[] sc, float[] zs, int off) {
        int j = 0;
        int vec = F.loopBound(width);
        if (laneWord != null && c0 % pack == 0 && vec > 0) {
            int words = vec / pack;
            int[] zw = s.zeroWords = GptqScratch.atLeast(s.zeroWords, words);
            MemorySegment.copy(qzeros, GptqPacking.I32_LE, ((long) g * zeroWords + c0 / pack) * 4, zw, 0, words);
            long scaleAt = ((long) g * out + c0) * 2;
            for (; j < vec; j += L) {
                scales(scaleAt + j * 2L).intoArray(sc, off + j);
                IntVector z = IntVector.fromArray(I, zw, j / pack, laneWord, 0)
                        .lanewise(VectorOperators.LSHR, laneShift).and(mask);
                if (zeroMinusOne) z = z.add(1).and(mask);
                z.convert(VectorOperators.I2F, 0).reinterpretAsFloats().intoArray(zs, off + j);
            }
        }
        for (; j < width; j++) {
            sc[off + j] = scale(g, c0 + j);
            zs[off + j] = zero(g, c0 + j);
        }
    }

    /**
     * F.length() scales from byte offset {@code at}: BF16 is a float's upper half; F16 is rebuilt from its bits
     * exactly as {@link Float#float16ToFloat} does for the finite and infinite values scales hold (exponent and
     * mantissa shifted into place are 2^-112 times the value, for normals and subnormals alike).
     */
    private FloatVector scales(long at) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(S, scales, at, LE).convertShape(
                VectorOperators.S2I, I, 0);
        if (bf16Scales) return h.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
        IntVector magnitude = h.and(0x7fff);
        IntVector finite = magnitude.lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats()
                .mul(0x1p112f).reinterpretAsInts();
        // all ones where magnitude + 0x400 reaches 0x8000, i.e. magnitude >= 0x7c00 (infinity or NaN)
        IntVector special = magnitude.add(0x400).lanewise(VectorOperators.LSHL, 16)
                .lanewise(VectorOperators.ASHR, 31).and(0x7f800000);
        return finite.or(special).or(h.and(0x80000000)).reinterpretAsFloats();
    }

    /** acc[j] += Σₖ q[8w + k, c0 + j] · x[xi + k] for j < width: one word row of int4. */
    private void accumulate4(float[] acc, float[] x, int xi, int w, int c0, int width) {
        FloatVector x0 = bcast(x[xi]), x1 = bcast(x[xi + 1]), x2 = bcast(x[xi + 2]), x3 = bcast(x[xi + 3]);
        FloatVector x4 = bcast(x[xi + 4]), x5 = bcast(x[xi + 5]), x6 = bcast(x[xi + 6]), x7 = bcast(x[xi + 7]);
        long base = ((long) w * out + c0) * 4;
        int vec = F.loopBound(width);
        int j = 0;
        for (; j < vec; j += L) {
            IntVector q = IntVector.fromMemorySegment(I, qweight, base + j * 4L, LE);
            FloatVector a = FloatVector.fromArray(F, acc, j);
            a = unpack(q, 0, 0xF).fma(x0, a);
            a = unpack(q, 4, 0xF).fma(x1, a);
            a = unpack(q, 8, 0xF).fma(x2, a);
            a = unpack(q, 12, 0xF).fma(x3, a);
            a = unpack(q, 16, 0xF).fma(x4, a);
            a = unpack(q, 20, 0xF).fma(x5, a);
            a = unpack(q, 24, 0xF).fma(x6, a);
            a = unpack(q, 28, 0xF).fma(x7, a);
            a.intoArray(acc, j);
        }
        for (; j < width; j++) {
            int q = qweight.get(GptqPacking.I32_LE, base + j * 4L);
            float a = acc[j];
            for (int k = 0; k < 8; k++) a = Math.fma((float) ((q >>> (4 * k)) & 0xF), x[xi + k], a);
            acc[j] = a;
        }
    }

    /** acc[j] += Σₖ q[4w + k, c0 + j] · x[xi + k] for j < width: one word row of int8. */
    private void accumulate8(float[] acc, float[] x, int xi, int w, int c0, int width) {
        FloatVector x0 = bcast(x[xi]), x1 = bcast(x[xi + 1]), x2 = bcast(x[xi + 2]), x3 = bcast(x[xi + 3]);
        long base = ((long) w * out + c0) * 4;
        int vec = F.loopBound(width);
        int j = 0;
        for (; j < vec; j += L) {
            IntVector q = IntVector.fromMemorySegment(I, qweight, base + j * 4L, LE);
            FloatVector a = FloatVector.fromArray(F, acc, j);
            a = unpack(q, 0, 0xFF).fma(x0, a);
            a = unpack(q, 8, 0xFF).fma(x1, a);
            a = unpack(q, 16, 0xFF).fma(x2, a);
            a = unpack(q, 24, 0xFF).fma(x3, a);
            a.intoArray(acc, j);
        }
        for (; j < width; j++) {
            int q = qweight.get(GptqPacking.I32_LE, base + j * 4L);
            float a = acc[j];
            for (int k = 0; k < 4; k++) a = Math.fma((float) ((q >>> (8 * k)) & 0xFF), x[xi + k], a);
            acc[j] = a;
        }
    }

    private static FloatVector bcast(float v) {
        return FloatVector.broadcast(F, v);
    }

    private static FloatVector unpack(IntVector q, int shift, int fieldMask) {
        IntVector v = shift == 0 ? q : q.lanewise(VectorOperators.LSHR, shift);
        return (FloatVector) v.and(fieldMask).convert(VectorOperators.I2F, 0);
    }

    // ---- prefill -----------------------------------------------------------------------------------------------

    private void prefill(GptqScratch s, float[] x, int rows, float[] y, int outStride, int rowStart, int rowEnd) {
        int n = groups.groups();
        float[] ts = s.tileScales = GptqScratch.atLeast(s.tileScales, n * TILE);
        float[] tz = s.tileZeros = GptqScratch.atLeast(s.tileZeros, n * TILE);
        float[] tile = s.tile = GptqScratch.atLeast(s.tile, K_TILE * TILE);
        float[] acc = s.rowAcc = GptqScratch.atLeast(s.rowAcc, rows * TILE);
        for (int c = rowStart; c < rowEnd; c += TILE) {
            int tw = Math.min(TILE, rowEnd - c);
            for (int g = 0; g < n; g++) {
                groupParams(s, g, c, tw, ts, tz, g * TILE);
                Arrays.fill(ts, g * TILE + tw, (g + 1) * TILE, 0f);
                Arrays.fill(tz, g * TILE + tw, (g + 1) * TILE, 0f);
            }
            Arrays.fill(acc, 0, rows * TILE, 0f);
            for (int k0 = 0; k0 < in; k0 += K_TILE) {
                int k1 = Math.min(in, k0 + K_TILE);
                dequantizeTile(tile, ts, tz, c, tw, k0, k1);
                multiplyTile(tile, x, rows, k0, k1, acc);
            }
            for (int r = 0; r < rows; r++) System.arraycopy(acc, r * TILE, y, r * outStride + c, tw);
        }
    }

    /** tile[(i − k0) · TILE + j] = W[c + j, i] for inputs [k0, k1), j &lt; tw; 0 for j ≥ tw. */
    private void dequantizeTile(float[] tile, float[] ts, float[] tz, int c, int tw, int k0, int k1) {
        int full = tw / L * L;
        for (int w = k0 / pack; w < k1 / pack; w++) {
            long base = ((long) w * out + c) * 4;
            for (int j = 0; j < full; j += L) {
                IntVector q = IntVector.fromMemorySegment(I, qweight, base + j * 4L, LE);
                for (int k = 0; k < pack; k++) {
                    int i = w * pack + k;
                    int gOff = groups.group(i) * TILE + j;
                    unpack(q, k * bits, mask).sub(FloatVector.fromArray(F, tz, gOff))
                            .mul(FloatVector.fromArray(F, ts, gOff)).intoArray(tile, (i - k0) * TILE + j);
                }
            }
            for (int j = full; j < tw; j++) {
                int word = qweight.get(GptqPacking.I32_LE, base + j * 4L);
                for (int k = 0; k < pack; k++) {
                    int i = w * pack + k;
                    int gOff = groups.group(i) * TILE + j;
                    tile[(i - k0) * TILE + j] = ((float) GptqPacking.field(word, k, bits) - tz[gOff]) * ts[gOff];
                }
            }
            for (int k = 0; k < pack; k++) {
                int t = (w * pack + k - k0) * TILE;
                Arrays.fill(tile, t + tw, t + TILE, 0f);
            }
        }
    }

    /** acc[r · TILE + j] += Σᵢ x[r · in + i] · tile[(i − k0) · TILE + j], four activation rows at a time. */
    private void multiplyTile(float[] tile, float[] x, int rows, int k0, int k1, float[] acc) {
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            int a0 = r * TILE, a1 = a0 + TILE, a2 = a1 + TILE, a3 = a2 + TILE;
            FloatVector s00 = FloatVector.fromArray(F, acc, a0), s01 = FloatVector.fromArray(F, acc, a0 + L);
            FloatVector s02 = FloatVector.fromArray(F, acc, a0 + 2 * L);
            FloatVector s03 = FloatVector.fromArray(F, acc, a0 + 3 * L);
            FloatVector s10 = FloatVector.fromArray(F, acc, a1), s11 = FloatVector.fromArray(F, acc, a1 + L);
            FloatVector s12 = FloatVector.fromArray(F, acc, a1 + 2 * L);
            FloatVector s13 = FloatVector.fromArray(F, acc, a1 + 3 * L);
            FloatVector s20 = FloatVector.fromArray(F, acc, a2), s21 = FloatVector.fromArray(F, acc, a2 + L);
            FloatVector s22 = FloatVector.fromArray(F, acc, a2 + 2 * L);
            FloatVector s23 = FloatVector.fromArray(F, acc, a2 + 3 * L);
            FloatVector s30 = FloatVector.fromArray(F, acc, a3), s31 = FloatVector.fromArray(F, acc, a3 + L);
            FloatVector s32 = FloatVector.fromArray(F, acc, a3 + 2 * L);
            FloatVector s33 = FloatVector.fromArray(F, acc, a3 + 3 * L);
            int x0 = r * in, x1 = x0 + in, x2 = x1 + in, x3 = x2 + in;
            for (int i = k0; i < k1; i++) {
                int t = (i - k0) * TILE;
                FloatVector w0 = FloatVector.fromArray(F, tile, t), w1 = FloatVector.fromArray(F, tile, t + L);
                FloatVector w2 = FloatVector.fromArray(F, tile, t + 2 * L);
                FloatVector w3 = FloatVector.fromArray(F, tile, t + 3 * L);
                FloatVector v0 = bcast(x[x0 + i]), v1 = bcast(x[x1 + i]), v2 = bcast(x[x2 + i]), v3 = bcast(x[x3 + i]);
                s00 = w0.fma(v0, s00); s01 = w1.fma(v0, s01); s02 = w2.fma(v0, s02); s03 = w3.fma(v0, s03);
                s10 = w0.fma(v1, s10); s11 = w1.fma(v1, s11); s12 = w2.fma(v1, s12); s13 = w3.fma(v1, s13);
                s20 = w0.fma(v2, s20); s21 = w1.fma(v2, s21); s22 = w2.fma(v2, s22); s23 = w3.fma(v2, s23);
                s30 = w0.fma(v3, s30); s31 = w1.fma(v3, s31); s32 = w2.fma(v3, s32); s33 = w3.fma(v3, s33);
            }
            s00.intoArray(acc, a0); s01.intoArray(acc, a0 + L); s02.intoArray(acc, a0 + 2 * L);
            s03.intoArray(acc, a0 + 3 * L);
            s10.intoArray(acc, a1); s11.intoArray(acc, a1 + L); s12.intoArray(acc, a1 + 2 * L);
            s13.intoArray(acc, a1 + 3 * L);
            s20.intoArray(acc, a2); s21.intoArray(acc, a2 + L); s22.intoArray(acc, a2 + 2 * L);
            s23.intoArray(acc, a2 + 3 * L);
            s30.intoArray(acc, a3); s31.intoArray(acc, a3 + L); s32.intoArray(acc, a3 + 2 * L);
            s33.intoArray(acc, a3 + 3 * L);
        }
        for (; r < rows; r++) {
            int a = r * TILE;
            FloatVector s0 = FloatVector.fromArray(F, acc, a), s1 = FloatVector.fromArray(F, acc, a + L);
            FloatVector s2 = FloatVector.fromArray(F, acc, a + 2 * L), s3 = FloatVector.fromArray(F, acc, a + 3 * L);
            int xr = r * in;
            for (int i = k0; i < k1; i++) {
                int t = (i - k0) * TILE;
                FloatVector v = bcast(x[xr + i]);
                s0 = FloatVector.fromArray(F, tile, t).fma(v, s0);
                s1 = FloatVector.fromArray(F, tile, t + L).fma(v, s1);
                s2 = FloatVector.fromArray(F, tile, t + 2 * L).fma(v, s2);
                s3 = FloatVector.fromArray(F, tile, t + 3 * L).fma(v, s3);
            }
            s0.intoArray(acc, a); s1.intoArray(acc, a + L); s2.intoArray(acc, a + 2 * L); s3.intoArray(acc, a + 3 * L);
        }
    }
}
