package dev.canal.engine.quant.awq;

import dev.canal.engine.tensor.Floats;
import dev.canal.engine.tensor.PackedMatrix;
import dev.canal.engine.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

/**
 * An AutoAWQ GEMM linear layer read in place: qweight I32 [in, out/8], qzeros I32 [in/G, out/8], scales F16
 * [in/G, out], W[o, i] = (q[i, o] − z[i/G, o]) · s[i/G, o] (see {@link AwqPacking} for the nibble order).
 *
 * <p>The kernel works in the packing's own order: one int vector of a qweight row is L words = 8·L output columns,
 * and nibble k of every lane is an accumulator "plane" whose lanes are the columns 8·word + ORDER[k]. Shifting and
 * masking a loaded vector therefore yields eight planes of codes with no shuffles; the zeros unpack the same way,
 * the scales of a group are gathered into the same planes once per group, and the output is put back into column
 * order once per call. Each lane's arithmetic only involves its own column, so a column's result does not depend on
 * which range it was computed in; a partial last chunk is copied zero-padded and computed the same way.
 *
 * <p>Decode (fewer than {@link #PREFILL_ROWS} activation rows) streams qweight once, {@link #BLOCK_ROWS} rows at a
 * time: per group, planes accumulate Σ x·q, then y += s · (Σ x·q − z · Σ x). Prefill dequantizes a tile of qweight
 * rows once into per-thread floats and reuses it for all activation rows with a 4-row × 4-plane FMA block.
 *
 * <p>Scales are widened from F16 with a bit trick that is exact for finite values; an infinite or NaN scale (a
 * broken checkpoint) gives a large finite weight here where {@link #dequantizeRow} gives inf or NaN.
 */
public final class AwqMatrix implements PackedMatrix {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    /** Words (int32 lanes) per vector; a chunk of output columns is 8·L wide. */
    private static final int L = F.length();
    private static final int CHUNK = AwqPacking.PACK * L;
    /** From this many activation rows on, qweight tiles are dequantized once and reused across rows. */
    static final int PREFILL_ROWS = 4;
    /** qweight rows per dequantized tile: 64 rows × 8·L floats stays within L1/L2 with the activation rows. */
    private static final int TILE_ROWS = 64;
    /** qweight rows a decode pass reads side by side: few enough streams for the prefetchers, enough to amortize. */
    private static final int BLOCK_ROWS = 8;
    private static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** 2^112 moves a half's exponent bias (15) to a float's (127), normals and subnormals alike. */
    private static final float HALF_TO_FLOAT_BIAS = 0x1p112f;
    /**
     * Gather indexes that turn the 4·L ints holding a chunk's 8·L F16 scales (two per int, column order) into
     * planes: gather m takes int 4·j + m of every word j, whose low half is column 2m (plane m) and high half
     * column 2m + 1 (plane m + 4): exactly ORDER.
     */
    private static final int[] SCALE_GATHER = new int[4 * L];
    /**
     * Whether codes are cut in place with {@link #MAGIC_BITS}: with AVX-512 the mask and the or fuse into
     * one ternary-logic op, so a plane costs two ops instead of a shift, a mask and a conversion; elsewhere (AVX2)
     * the or is an op of its own and the shift-mask-convert stays.
     */
    private static final boolean MAGIC_PLANES = L == 16;
    /**
     * A small non-negative int {@code c < 2^23} or-ed into these bits is the float 2^23 + c exactly, so subtracting
     * {@link #MAGIC} gives c as a float.
     */
    private static final int MAGIC_BITS = 0x4B000000;
    private static final float MAGIC = 0x1p23f;
    /**
     * A plane's unit: the kernels read plane k's codes as q·UNIT[k]. With {@link #MAGIC_PLANES}, plane k is cut
     * in place from the word (or from the word shifted right by 16, planes 4..7) without shifting it down, so it
     * comes as q·16^(k mod 4); the group's zeros are kept in the same unit and its scales in the inverse one, which
     * leaves every result bit for bit as with unit codes (the factors are powers of two).
     */
    private static final float[] UNIT = new float[AwqPacking.PACK];
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    static {
        for (int m = 0; m < 4; m++) {
            for (int j = 0; j < L; j++) SCALE_GATHER[m * L + j] = 4 * j + m;
        }
        for (int k = 0; k < AwqPacking.PACK; k++) UNIT[k] = MAGIC_PLANES ? 1 << (4 * (k % 4)) : 1;
    }

    private final String name;
    private final Tensor qweight;
    private final Tensor qzeros;
    private final Tensor scales;
    private final MemorySegment qw;
    private final MemorySegment qz;
    private final MemorySegment sc;
    private final int in;
    private final int out;
    private final int group;
    private final int groups;
    private final int words;

    /** Binds already validated tensors (see {@link AwqFormat}): shapes [in, out/8], [in/G, out/8], [in/G, out]. */
    AwqMatrix(Tensor qweight, Tensor qzeros, Tensor scales, int groupSize) {
        this.qweight = qweight;
        this.qzeros = qzeros;
        this.scales = scales;
        this.qw = qweight.data();
        this.qz = qzeros.data();
        this.sc = scales.data();
        this.in = (int) qweight.dim(0);
        this.words = (int) qweight.dim(1);
        this.out = words * AwqPacking.PACK;
        this.group = groupSize;
        this.groups = in / groupSize;
        this.name = "AWQ int4 g" + groupSize;
    }

    /** Input rows per (zero, scale) group. */
    public int groupSize() {
        return group;
    }

    /** The AutoAWQ tensors: qweight I32 [in, out/8], qzeros I32 [in/G, out/8], scales F16 [in/G, out]. */
    public Tensor qweight() {
        return qweight;
    }

    public Tensor qzeros() {
        return qzeros;
    }

    public Tensor scales() {
        return scales;
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
        return List.of(qweight, qzeros, scales);
    }

    /** One chunk of output columns: ranges then start on chunk boundaries, where the vector loads start. */
    @Override
    public int rowGrain() {
        return CHUNK;
    }

    /** Each call reads its columns' slice of every packed row: see {@link PackedMatrix#prefersWideRanges}. */
    @Override
    public boolean prefersWideRanges() {
        return true;
    }

    @Override
    public void dequantizeRow(long row, float[] dst, int off) {
        int o = Math.toIntExact(row);
        if (o < 0 || o >= out) throw new IndexOutOfBoundsException("row " + row + " outside [0, " + out + ")");
        int word = o / AwqPacking.PACK;
        for (int g = 0; g < groups; g++) {
            int z = AwqPacking.nibble(qz.getAtIndex(I32_LE, (long) g * words + word), o);
            float s = Floats.f16(sc.getAtIndex(Floats.I16_LE, (long) g * out + o));
            for (int i = g * group; i < (g + 1) * group; i++) {
                int q = AwqPacking.nibble(qw.getAtIndex(I32_LE, (long) i * words + word), o);
                dst[off + i] = (q - z) * s;
            }
        }
    }

    @Override
    public void multiply(float[] x, int rows, float[] y, int outStride, int rowStart, int rowEnd) {
        if (rowStart >= rowEnd) return;
        Scratch s = SCRATCH.get();
        int wordStart = rowStart / AwqPacking.PACK;
        int wordEnd = (rowEnd + AwqPacking.PACK - 1) / AwqPacking.PACK;
        if (rows < PREFILL_ROWS) {
            for (int r = 0; r < rows; r++) decodeRow(x, r * in, y, r * outStride, rowStart, rowEnd, wordStart, wordEnd, s);
        } else {
            prefill(x, rows, y, outStride, rowStart, rowEnd, wordStart, wordEnd, s);
        }
    }

    /**
     * One activation row at x[xOff…]. qweight is read a block of {@link #BLOCK_ROWS} rows at a time, each row
     * sequentially across the whole range (a few prefetch-friendly streams rather than one page per load), with the
     * group's partial sums Σ x·q per chunk and plane kept in a per-thread array; at the end of a group they are
     * folded into the output planes with the group's scales and zeros.
     */
    private void decodeRow(float[] x, int xOff, float[] y, int yOff, int rowStart, int rowEnd, int wordStart,
                           int wordEnd, Scratch s) {
        int chunks = (wordEnd - wordStart + L - 1) / L;
        int fullChunks = (wordEnd - wordStart) / L;
        float[] sums = s.sums(chunks * CHUNK);
        float[] acc = s.floats(chunks * CHUNK);
        Arrays.fill(acc, 0, chunks * CHUNK, 0f);
        float[] planes = s.planes;
        long rowBytes = (long) words * Integer.BYTES;
        for (int g = 0; g < groups; g++) {
            int i0 = g * group;
            float xsum = 0;
            for (int i = i0; i < i0 + group; i++) xsum += x[xOff + i];
            Arrays.fill(sums, 0, chunks * CHUNK, 0f);
            for (int b = i0; b < i0 + group; b += BLOCK_ROWS) {
                int n = Math.min(BLOCK_ROWS, i0 + group - b);
                long off = b * rowBytes + (long) wordStart * Integer.BYTES;
                for (int c = 0; c < fullChunks; c++, off += (long) L * Integer.BYTES) {
                    rowBlock(qw, off, rowBytes, n, x, xOff + b, sums, c * CHUNK);
                }
                if (fullChunks < chunks) {
                    // A partial chunk: its words of these rows, zero-padded to whole vectors, so the hot loop needs
                    // no masked loads (twice as slow) and computes each column exactly as a full chunk would.
                    int valid = wordEnd - wordStart - fullChunks * L;
                    MemorySegment tail = s.tail(n * L);
                    for (int t = 0; t < n; t++) {
                        MemorySegment.copy(qw, off + t * rowBytes, tail, (long) t * L * Integer.BYTES,
                                (long) valid * Integer.BYTES);
                    }
                    rowBlock(tail, 0, (long) L * Integer.BYTES, n, x, xOff + b, sums, fullChunks * CHUNK);
                }
            }
            for (int c = 0; c < chunks; c++) {
                int w = wordStart + c * L;
                groupPlanes(g, w, I.indexInRange(w, wordEnd), planes, s.scaleWords);
                for (int k = 0; k < AwqPacking.PACK; k++) fold(sums, c * CHUNK + k * L, k, xsum, planes, acc);
            }
        }
        for (int c = 0; c < chunks; c++) store(acc, c * CHUNK, wordStart + c * L, y, yOff, rowStart, rowEnd);
    }

    /**
     * sums[base + k·L …] += Σ_t x[xOff + t] · code_k(row t) for the {@code n} rows of L words at seg[off],
     * seg[off + stride], …: the eight nibble planes of one chunk, accumulated in registers over the block.
     */
    private static void rowBlock(MemorySegment seg, long off, long stride, int n, float[] x, int xOff, float[] sums,
                                 int base) {
        FloatVector a0 = FloatVector.fromArray(F, sums, base), a1 = FloatVector.fromArray(F, sums, base + L);
        FloatVector a2 = FloatVector.fromArray(F, sums, base + 2 * L);
        FloatVector a3 = FloatVector.fromArray(F, sums, base + 3 * L);
        FloatVector a4 = FloatVector.fromArray(F, sums, base + 4 * L);
        FloatVector a5 = FloatVector.fromArray(F, sums, base + 5 * L);
        FloatVector a6 = FloatVector.fromArray(F, sums, base + 6 * L);
        FloatVector a7 = FloatVector.fromArray(F, sums, base + 7 * L);
        if (MAGIC_PLANES) {
            // written out: C2 inlines no helper eight times here (NodeCountInliningCutoff), and a vector crossing a
            // real call is boxed
            for (int t = 0; t < n; t++, off += stride) {
                IntVector v = IntVector.fromMemorySegment(I, seg, off, LE);
                IntVector h = v.lanewise(VectorOperators.LSHR, 16);
                FloatVector xi = FloatVector.broadcast(F, x[xOff + t]);
                a0 = v.and(0xF).or(MAGIC_BITS).reinterpretAsFloats().sub(MAGIC).fma(xi, a0);
                a1 = v.and(0xF0).or(MAGIC_BITS).reinterpretAsFloats().sub(MAGIC).fma(xi, a1);
                a2 = v.and(0xF00).or(MAGIC_BITS).reinterpretAsFloats().sub(MAGIC).fma(xi, a2);
                a3 = v.and(0xF000).or(MAGIC_BITS).reinterpretAsFloats().sub(MAGIC).fma(xi, a3);
                a4 = h.and(0xF).or(MAGIC_BITS).reinterpretAsFloats().sub(MAGIC).fma(xi, a4);
                a5 = h.and(0xF0).or(MAGIC_BITS).reinterpretAsFloats().sub(MAGIC).fma(xi, a5);
                a6 = h.and(0xF00).or(MAGIC_BITS).reinterpretAsFloats().sub(MAGIC).fma(xi, a6);
                a7 = h.and(0xF000).or(MAGIC_BITS).reinterpretAsFloats().sub(MAGIC).fma(xi, a7);
            }
        } else {
            for (int t = 0; t < n; t++, off += stride) {
                IntVector v = IntVector.fromMemorySegment(I, seg, off, LE);
                FloatVector xi = FloatVector.broadcast(F, x[xOff + t]);
                a0 = ((FloatVector) v.and(0xF).convert(VectorOperators.I2F, 0)).fma(xi, a0);
                a1 = code(v, 4).fma(xi, a1);
                a2 = code(v, 8).fma(xi, a2);
                a3 = code(v, 12).fma(xi, a3);
                a4 = code(v, 16).fma(xi, a4);
                a5 = code(v, 20).fma(xi, a5);
                a6 = code(v, 24).fma(xi, a6);
                a7 = ((FloatVector) v.lanewise(VectorOperators.LSHR, 28).convert(VectorOperators.I2F, 0)).fma(xi, a7);
            }
        }
        a0.intoArray(sums, base);
        a1.intoArray(sums, base + L);
        a2.intoArray(sums, base + 2 * L);
        a3.intoArray(sums, base + 3 * L);
        a4.intoArray(sums, base + 4 * L);
        a5.intoArray(sums, base + 5 * L);
        a6.intoArray(sums, base + 6 * L);
        a7.intoArray(sums, base + 7 * L);
    }

    /** Codes of nibble plane {@code shift / 4} as floats, unit 1 (without {@link #MAGIC_PLANES}). */
    private static FloatVector code(IntVector v, int shift) {
        return (FloatVector) v.lanewise(VectorOperators.LSHR, shift).lanewise(VectorOperators.AND, 0xF)
                .convert(VectorOperators.I2F, 0);
    }

    /** acc[at] += s · (Σ x·q − z · Σ x) for the group sums of nibble plane k at sums[at]. */
    private static void fold(float[] sums, int at, int k, float xsum, float[] planes, float[] acc) {
        FloatVector scale = FloatVector.fromArray(F, planes, k * L);
        FloatVector zero = FloatVector.fromArray(F, planes, CHUNK + k * L);
        FloatVector.fromArray(F, sums, at).sub(zero.mul(xsum)).fma(scale, FloatVector.fromArray(F, acc, at))
                .intoArray(acc, at);
    }

    /**
     * planes[k·L + j] = scale / UNIT[k] and planes[8·L + k·L + j] = zero · UNIT[k] of group g for word w + j,
     * nibble k, in the units the kernels read codes in (lanes past the range read nothing: masked zero loads,
     * scales left as they were and never stored).
     */
    private void groupPlanes(int g, int w, VectorMask<Integer> m, float[] planes, int[] scaleWords) {
        IntVector z = IntVector.fromMemorySegment(I, qz, ((long) g * words + w) * Integer.BYTES, LE, m);
        for (int k = 0; k < AwqPacking.PACK; k++) {
            ((FloatVector) z.lanewise(VectorOperators.LSHR, 4 * k).lanewise(VectorOperators.AND, 0xF)
                    .convert(VectorOperators.I2F, 0)).mul(UNIT[k]).intoArray(planes, CHUNK + k * L);
        }
        int valid = Math.min(L, words - w);
        MemorySegment.copy(sc, I32_LE, ((long) g * out + (long) w * AwqPacking.PACK) * Short.BYTES, scaleWords, 0,
                valid * 4);
        for (int half = 0; half < 4; half++) {
            IntVector pairs = IntVector.fromArray(I, scaleWords, 0, SCALE_GATHER, half * L);
            half(pairs.lanewise(VectorOperators.AND, 0xFFFF)).div(UNIT[half]).intoArray(planes, half * L);
            half(pairs.lanewise(VectorOperators.LSHR, 16)).div(UNIT[half + 4]).intoArray(planes, (half + 4) * L);
        }
    }

    /** F16 bits (in the low 16 bits of each lane) to floats; exact for normal and subnormal values. */
    private static FloatVector half(IntVector h) {
        IntVector bits = h.lanewise(VectorOperators.AND, 0x8000).lanewise(VectorOperators.LSHL, 16)
                .or(h.lanewise(VectorOperators.AND, 0x7FFF).lanewise(VectorOperators.LSHL, 13));
        return bits.reinterpretAsFloats().mul(HALF_TO_FLOAT_BIAS);
    }

    /** Puts a chunk's planes back into column order: y[yOff + column] for the columns of [rowStart, rowEnd). */
    private static void store(float[] acc, int base, int w, float[] y, int yOff, int rowStart, int rowEnd) {
        for (int j = 0; j < L; j++) {
            int first = (w + j) * AwqPacking.PACK;
            if (first >= rowEnd) break;
            for (int col = 0; col < AwqPacking.PACK; col++) {
                int o = first + col;
                if (o >= rowStart && o < rowEnd) y[yOff + o] = acc[base + AwqPacking.POSITION[col] * L + j];
            }
        }
    }

    /** Chunk by chunk: each group's qweight rows are dequantized in tiles, then multiplied with every row of x. */
    private void prefill(float[] x, int rows, float[] y, int outStride, int rowStart, int rowEnd, int wordStart,
                         int wordEnd, Scratch s) {
        float[] acc = s.floats(rows * CHUNK);
        float[] tile = s.tile;
        float[] planes = s.planes;
        long rowBytes = (long) words * Integer.BYTES;
        for (int w = wordStart; w < wordEnd; w += L) {
            VectorMask<Integer> m = I.indexInRange(w, wordEnd);
            Arrays.fill(acc, 0, rows * CHUNK, 0f);
            for (int g = 0; g < groups; g++) {
                groupPlanes(g, w, m, planes, s.scaleWords);
                for (int t0 = g * group; t0 < (g + 1) * group; t0 += TILE_ROWS) {
                    int n = Math.min(TILE_ROWS, (g + 1) * group - t0);
                    long off = t0 * rowBytes + (long) w * Integer.BYTES;
                    if (w + L <= wordEnd) {
                        dequantize(qw, off, rowBytes, n, planes, tile);
                    } else {
                        // As in decode: the partial chunk's words, zero-padded, so no masked loads are needed.
                        MemorySegment tail = s.tail(n * L);
                        for (int t = 0; t < n; t++) {
                            MemorySegment.copy(qw, off + t * rowBytes, tail, (long) t * L * Integer.BYTES,
                                    (long) (wordEnd - w) * Integer.BYTES);
                        }
                        dequantize(tail, 0, (long) L * Integer.BYTES, n, planes, tile);
                    }
                    int r = 0;
                    for (; r + 4 <= rows; r += 4) {
                        tile4(x, r, t0, n, tile, acc, 0);
                        tile4(x, r, t0, n, tile, acc, 4);
                    }
                    for (; r < rows; r++) tile1(x, r, t0, n, tile, acc);
                }
            }
            for (int r = 0; r < rows; r++) store(acc, r * CHUNK, w, y, r * outStride, rowStart, rowEnd);
        }
    }

    /** tile[t·8L + k·L + j] = (code − zero) · scale of row t, plane k, word j, for the n rows at seg[off + t·stride]. */
    private static void dequantize(MemorySegment seg, long off, long stride, int n, float[] planes, float[] tile) {
        for (int t = 0; t < n; t++, off += stride) {
            IntVector v = IntVector.fromMemorySegment(I, seg, off, LE);
            if (MAGIC_PLANES) {
                IntVector h = v.lanewise(VectorOperators.LSHR, 16);
                for (int k = 0; k < 4; k++) {
                    int mask = 0xF << (4 * k);
                    v.and(mask).or(MAGIC_BITS).reinterpretAsFloats().sub(MAGIC)
                            .sub(FloatVector.fromArray(F, planes, CHUNK + k * L))
                            .mul(FloatVector.fromArray(F, planes, k * L)).intoArray(tile, t * CHUNK + k * L);
                    h.and(mask).or(MAGIC_BITS).reinterpretAsFloats().sub(MAGIC)
                            .sub(FloatVector.fromArray(F, planes, CHUNK + (k + 4) * L))
                            .mul(FloatVector.fromArray(F, planes, (k + 4) * L))
                            .intoArray(tile, t * CHUNK + (k + 4) * L);
                }
            } else {
                for (int k = 0; k < AwqPacking.PACK; k++) {
                    code(v, 4 * k).sub(FloatVector.fromArray(F, planes, CHUNK + k * L))
                            .mul(FloatVector.fromArray(F, planes, k * L)).intoArray(tile, t * CHUNK + k * L);
                }
            }
        }
    }

    /** acc of activation rows r..r+3, planes k0..k0+3 += x[rows, t0 .. t0+n) · tile. */
    private void tile4(float[] x, int r, int t0, int n, float[] tile, float[] acc, int k0) {
        int b0 = r * CHUNK + k0 * L, b1 = b0 + CHUNK, b2 = b1 + CHUNK, b3 = b2 + CHUNK;
        FloatVector c00 = FloatVector.fromArray(F, acc, b0), c01 = FloatVector.fromArray(F, acc, b0 + L);
        FloatVector c02 = FloatVector.fromArray(F, acc, b0 + 2 * L), c03 = FloatVector.fromArray(F, acc, b0 + 3 * L);
        FloatVector c10 = FloatVector.fromArray(F, acc, b1), c11 = FloatVector.fromArray(F, acc, b1 + L);
        FloatVector c12 = FloatVector.fromArray(F, acc, b1 + 2 * L), c13 = FloatVector.fromArray(F, acc, b1 + 3 * L);
        FloatVector c20 = FloatVector.fromArray(F, acc, b2), c21 = FloatVector.fromArray(F, acc, b2 + L);
        FloatVector c22 = FloatVector.fromArray(F, acc, b2 + 2 * L), c23 = FloatVector.fromArray(F, acc, b2 + 3 * L);
        FloatVector c30 = FloatVector.fromArray(F, acc, b3), c31 = FloatVector.fromArray(F, acc, b3 + L);
        FloatVector c32 = FloatVector.fromArray(F, acc, b3 + 2 * L), c33 = FloatVector.fromArray(F, acc, b3 + 3 * L);
        int x0 = r * in + t0, x1 = x0 + in, x2 = x1 + in, x3 = x2 + in;
        for (int t = 0; t < n; t++) {
            int d = t * CHUNK + k0 * L;
            FloatVector d0 = FloatVector.fromArray(F, tile, d), d1 = FloatVector.fromArray(F, tile, d + L);
            FloatVector d2 = FloatVector.fromArray(F, tile, d + 2 * L), d3 = FloatVector.fromArray(F, tile, d + 3 * L);
            FloatVector v = FloatVector.broadcast(F, x[x0 + t]);
            c00 = d0.fma(v, c00);
            c01 = d1.fma(v, c01);
            c02 = d2.fma(v, c02);
            c03 = d3.fma(v, c03);
            v = FloatVector.broadcast(F, x[x1 + t]);
            c10 = d0.fma(v, c10);
            c11 = d1.fma(v, c11);
            c12 = d2.fma(v, c12);
            c13 = d3.fma(v, c13);
            v = FloatVector.broadcast(F, x[x2 + t]);
            c20 = d0.fma(v, c20);
            c21 = d1.fma(v, c21);
            c22 = d2.fma(v, c22);
            c23 = d3.fma(v, c23);
            v = FloatVector.broadcast(F, x[x3 + t]);
            c30 = d0.fma(v, c30);
            c31 = d1.fma(v, c31);
            c32 = d2.fma(v, c32);
            c33 = d3.fma(v, c33);
        }
        c00.intoArray(acc, b0);
        c01.intoArray(acc, b0 + L);
        c02.intoArray(acc, b0 + 2 * L);
        c03.intoArray(acc, b0 + 3 * L);
        c10.intoArray(acc, b1);
        c11.intoArray(acc, b1 + L);
        c12.intoArray(acc, b1 + 2 * L);
        c13.intoArray(acc, b1 + 3 * L);
        c20.intoArray(acc, b2);
        c21.intoArray(acc, b2 + L);
        c22.intoArray(acc, b2 + 2 * L);
        c23.intoArray(acc, b2 + 3 * L);
        c30.intoArray(acc, b3);
        c31.intoArray(acc, b3 + L);
        c32.intoArray(acc, b3 + 2 * L);
        c33.intoArray(acc, b3 + 3 * L);
    }

    /** acc of activation row r, all planes, += x[r, t0 .. t0+n) · tile: the rows a 4-row block leaves over. */
    private void tile1(float[] x, int r, int t0, int n, float[] tile, float[] acc) {
        int xOff = r * in + t0;
        for (int k = 0; k < AwqPacking.PACK; k++) {
            int at = r * CHUNK + k * L;
            FloatVector c = FloatVector.fromArray(F, acc, at);
            for (int t = 0; t < n; t++) {
                c = FloatVector.fromArray(F, tile, t * CHUNK + k * L).fma(FloatVector.broadcast(F, x[xOff + t]), c);
            }
            c.intoArray(acc, at);
        }
    }

    @Override
    public String toString() {
        return name + " [" + out + ", " + in + "]";
    }

    /** Per worker thread, grown to the largest call seen and reused (the pool's threads are long-lived). */
    private static final class Scratch {
        final float[] planes = new float[2 * CHUNK];
        final int[] scaleWords = new int[4 * L];
        final float[] tile = new float[TILE_ROWS * CHUNK];
        private float[] acc = new float[0];
        private float[] sums = new float[0];
        private MemorySegment tail = MemorySegment.ofArray(new int[0]);

        float[] floats(int n) {
            if (acc.length < n) acc = new float[n];
            return acc;
        }

        float[] sums(int n) {
            if (sums.length < n) sums = new float[n];
            return sums;
        }

        /** A zeroed heap segment of at least n ints, for the rows of a partial chunk. */
        MemorySegment tail(int n) {
            if (tail.byteSize() < (long) n * Integer.BYTES) tail = MemorySegment.ofArray(new int[n]);
            return tail.fill((byte) 0);
        }
    }
}
