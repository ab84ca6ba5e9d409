package dev.canal.engine.quant.nvfp4;

import static dev.canal.engine.quant.fp8.Kernels.B;
import static dev.canal.engine.quant.fp8.Kernels.F;
import static dev.canal.engine.quant.fp8.Kernels.I;

import dev.canal.engine.vector.LaneSums;

import dev.canal.engine.quant.fp8.E4m3;
import dev.canal.engine.quant.fp8.RowDecodingMatrix;
import dev.canal.engine.tensor.Tensor;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

/**
 * An NVFP4 [out, in] weight read in place: {@code packed} U8 [out, in/2] holds two E2M1 codes per byte, element
 * 2j in the low nibble and 2j+1 in the high one; {@code scales} F8_E4M3 [out, in/16] one scale per 16 elements of
 * a row. W[o, i] = e2m1 · (e4m3 scale ∘ global), where ∘ multiplies by ModelOpt's {@code weight_scale_2} or
 * divides by compressed-tensors' {@code weight_global_scale} (its reciprocal): the 256 possible block scales are
 * combined with the global factor once, into a table, exactly as each producer's dequantization rounds them.
 *
 * <p>Kernel: the bytes of 2·L elements (L float lanes) are widened to L int lanes; low and high nibbles are looked
 * up in the 16-value table (one two-vector {@code selectFrom}: for 16 lanes the first vector holds all 16 values,
 * for 8 lanes each holds half) and interleaved back into element order by two more {@code selectFrom}s. Species of
 * fewer than 8 lanes decode the nibbles arithmetically instead.
 */
public final class Nvfp4Matrix extends RowDecodingMatrix {
    public static final int GROUP = 16;

    private static final int L = F.length();
    private static final boolean LOOKUP = L >= 8;
    /** Float bits of the E2M1 values: codes [0, L) and [L, 2L) (the latter unused for 16 lanes). */
    private static final IntVector TABLE_LOW = table(0);
    private static final IntVector TABLE_HIGH = table(L);
    /** Lane n of the interleaved pair: element n of (lo0, hi0, lo1, hi1, …) as indices into lo ++ hi. */
    private static final IntVector FIRST = interleave(0);
    private static final IntVector SECOND = interleave(L / 2);
    /** 2^126 moves E2M1's exponent bias (1) to float's (127); E2M1's subnormal 0.5 lands on a float subnormal. */
    private static final float BIAS = 0x1p126f;

    private final String formatName;
    private final MemorySegment packed;
    private final MemorySegment scales;
    private final float[] scaleTable;
    private final int vectorEnd;
    private final List<Tensor> parts;
    private final Tensor packedTensor;
    private final Tensor scalesTensor;
    private final float globalMultiplier;

    /**
     * @param packed      U8 [out, in/2]
     * @param scales      F8_E4M3 [out, in/16]
     * @param global      ModelOpt's weight_scale_2, or compressed-tensors' weight_global_scale
     * @param divide      whether the block scale is divided by {@code global} (compressed-tensors) or multiplied
     * @param parts       the tensors consumed, packed first
     */
    public Nvfp4Matrix(String formatName, Tensor packed, Tensor scales, float global, boolean divide,
                       List<Tensor> parts) {
        super(packed.dim(0), Math.toIntExact(packed.dim(1) * 2));
        if (cols % GROUP != 0) throw new IllegalArgumentException("in " + cols + " not a multiple of " + GROUP);
        this.formatName = formatName;
        this.packed = packed.data();
        this.scales = scales.data();
        this.packedTensor = packed;
        this.scalesTensor = scales;
        this.globalMultiplier = divide ? 1 / global : global;
        this.scaleTable = new float[256];
        for (int c = 0; c < 256; c++) scaleTable[c] = divide ? E4m3.decode(c) / global : E4m3.decode(c) * global;
        this.parts = List.copyOf(parts);
        // One step decodes 2L elements from L bytes but loads B.length() bytes: keep the load inside the row.
        int step = 2 * L;
        int limit = Math.min(cols, cols - 2 * B.length() + step);
        this.vectorEnd = limit < step ? 0 : limit / step * step;
    }

    private static IntVector table(int from) {
        int[] bits = new int[L];
        for (int k = 0; k < L; k++) bits[k] = from + k < 16 ? Float.floatToRawIntBits(E2m1.decode(from + k)) : 0;
        return IntVector.fromArray(I, bits, 0);
    }

    private static IntVector interleave(int from) {
        int[] idx = new int[L];
        for (int n = 0; n < L; n++) idx[n] = (n & 1) == 0 ? from + n / 2 : L + from + n / 2;
        return IntVector.fromArray(I, idx, 0);
    }

    /** U8 [out, in/2]: two E2M1 codes per byte. */
    public Tensor packedTensor() {
        return packedTensor;
    }

    /** F8_E4M3 [out, in/16]: a scale per 16 elements of a row. */
    public Tensor scalesTensor() {
        return scalesTensor;
    }

    /**
     * What multiplies e2m1 · block scale for the global factor: ModelOpt's weight_scale_2, or the reciprocal of
     * compressed-tensors' weight_global_scale (the CPU table divides instead, as that producer rounds).
     */
    public float globalMultiplier() {
        return globalMultiplier;
    }

    @Override
    public String formatName() {
        return formatName;
    }

    @Override
    public List<Tensor> parts() {
        return parts;
    }

    @Override
    protected int vectorEnd() {
        return vectorEnd;
    }

    /** Float bits of the E2M1 codes in the lanes of {@code codes} (each 0..15). */
    static IntVector values(IntVector codes) {
        if (LOOKUP) return codes.selectFrom(TABLE_LOW, TABLE_HIGH);
        return arithmetic(codes);
    }

    /** The same without a table: magnitude bits in float position, scaled by 2^126, and the sign. */
    static IntVector arithmetic(IntVector codes) {
        FloatVector magnitude = codes.and(7).lanewise(VectorOperators.LSHL, 22).reinterpretAsFloats().mul(BIAS);
        return magnitude.reinterpretAsInts().or(codes.and(8).lanewise(VectorOperators.LSHL, 28));
    }

    private float scale(long scaleBase, int i) {
        return scaleTable[scales.get(ValueLayout.JAVA_BYTE, scaleBase + i / GROUP) & 0xff];
    }

    private float scalar(long rowByte, long scaleBase, int i) {
        int b = packed.get(ValueLayout.JAVA_BYTE, rowByte + (i >> 1));
        return E2m1.decode((i & 1) == 0 ? b : b >> 4) * scale(scaleBase, i);
    }

    @Override
    public void dequantizeRow(long row, float[] dst, int off) {
        long rowByte = row * (cols / 2);
        long scaleBase = row * (cols / GROUP);
        for (int i = 0; i < vectorEnd; i += 2 * L) {
            IntVector b = (IntVector) ByteVector.fromMemorySegment(B, packed, rowByte + (i >> 1),
                    ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2I, I, 0);
            IntVector lo = values(b.and(15));
            IntVector hi = values(b.lanewise(VectorOperators.ASHR, 4).and(15));
            FIRST.selectFrom(lo, hi).reinterpretAsFloats().mul(scale(scaleBase, i)).intoArray(dst, off + i);
            SECOND.selectFrom(lo, hi).reinterpretAsFloats().mul(scale(scaleBase, i + L)).intoArray(dst, off + i + L);
        }
        for (int i = vectorEnd; i < cols; i++) dst[off + i] = scalar(rowByte, scaleBase, i);
    }

    @Override
    protected float dotRow(long row, float[] x, int xOff) {
        long rowByte = row * (cols / 2);
        long scaleBase = row * (cols / GROUP);
        FloatVector acc = FloatVector.zero(F);
        for (int i = 0; i < vectorEnd; i += 2 * L) {
            IntVector b = (IntVector) ByteVector.fromMemorySegment(B, packed, rowByte + (i >> 1),
                    ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2I, I, 0);
            IntVector lo = values(b.and(15));
            IntVector hi = values(b.lanewise(VectorOperators.ASHR, 4).and(15));
            FloatVector w0 = FIRST.selectFrom(lo, hi).reinterpretAsFloats().mul(scale(scaleBase, i));
            acc = w0.fma(FloatVector.fromArray(F, x, xOff + i), acc);
            FloatVector w1 = SECOND.selectFrom(lo, hi).reinterpretAsFloats().mul(scale(scaleBase, i + L));
            acc = w1.fma(FloatVector.fromArray(F, x, xOff + i + L), acc);
        }
        float sum = LaneSums.sum(acc);
        for (int i = vectorEnd; i < cols; i++) sum = Math.fma(scalar(rowByte, scaleBase, i), x[xOff + i], sum);
        return sum;
    }
}
