package dev.canal.engine.quant.awq;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.canal.engine.api.CanalException;
import dev.canal.engine.quant.LinearPacker;
import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.Floats;
import dev.canal.engine.weights.SafetensorsWriter.TensorData;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Optional;

/**
 * Writes linear weights as AutoAWQ GEMM checkpoints hold them: 4-bit asymmetric round-to-nearest per group of
 * {@code groupSize} input features (AutoAWQ's pseudo_quantize_tensor with zero_point), qweight I32 [in, out/8],
 * qzeros I32 [in/G, out/8] and scales F16 [in/G, out]. The zero point and the codes are computed with the scale as
 * stored (rounded to F16), so the file is self-consistent and {@link #roundTrip} is exactly what a loader computes.
 */
public final class AwqPacker implements LinearPacker {
    private static final int LEVELS = 15;
    /** AutoAWQ clamps max − min to this before dividing, so a constant group gets a tiny, finite scale. */
    private static final float MIN_RANGE = 1e-5f;
    private static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final int groupSize;

    public AwqPacker(int groupSize) {
        if (groupSize <= 0) throw new IllegalArgumentException("group size must be positive, got " + groupSize);
        this.groupSize = groupSize;
    }

    @Override
    public String name() {
        return "awq int4 g" + groupSize;
    }

    @Override
    public Optional<String> unsupported(String tensor, int out, int in) {
        if (out % AwqPacking.PACK != 0) {
            return Optional.of(tensor + ": " + out + " output features is not a multiple of 8 (AWQ packs 8 "
                    + "output columns per int32)");
        }
        if (in % groupSize != 0) {
            return Optional.of(tensor + ": " + in + " input features is not a multiple of the AWQ group size "
                    + groupSize);
        }
        return Optional.empty();
    }

    @Override
    public List<TensorData> pack(String prefix, float[] w, int out, int in) {
        Quantized q = quantize(prefix, w, out, in);
        int groups = in / groupSize;
        int words = out / AwqPacking.PACK;
        MemorySegment qweight = MemorySegment.ofArray(new byte[in * words * 4]);
        int[] column = new int[AwqPacking.PACK];
        for (int i = 0; i < in; i++) {
            for (int wd = 0; wd < words; wd++) {
                for (int c = 0; c < AwqPacking.PACK; c++) column[c] = q.codes[(wd * AwqPacking.PACK + c) * in + i];
                qweight.setAtIndex(I32_LE, (long) i * words + wd, AwqPacking.pack(column, 0));
            }
        }
        MemorySegment qzeros = MemorySegment.ofArray(new byte[groups * words * 4]);
        short[] scales = new short[groups * out];
        for (int g = 0; g < groups; g++) {
            for (int wd = 0; wd < words; wd++) {
                for (int c = 0; c < AwqPacking.PACK; c++) column[c] = q.zeros[(wd * AwqPacking.PACK + c) * groups + g];
                qzeros.setAtIndex(I32_LE, (long) g * words + wd, AwqPacking.pack(column, 0));
            }
            for (int o = 0; o < out; o++) scales[g * out + o] = q.scales[o * groups + g];
        }
        return List.of(
                TensorData.of(prefix + ".qweight", DType.I32, new long[] {in, words}, qweight),
                TensorData.of(prefix + ".qzeros", DType.I32, new long[] {groups, words}, qzeros),
                TensorData.bits16(prefix + ".scales", DType.F16, new long[] {groups, out}, scales));
    }

    @Override
    public float[] roundTrip(float[] w, int out, int in) {
        Quantized q = quantize("weight", w, out, in);
        int groups = in / groupSize;
        float[] r = new float[out * in];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                int g = o * groups + i / groupSize;
                r[o * in + i] = (q.codes[o * in + i] - q.zeros[g]) * Floats.f16(q.scales[g]);
            }
        }
        return r;
    }

    @Override
    public ObjectNode quantizationConfig(List<String> notConverted) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("quant_method", "awq");
        node.put("bits", 4);
        node.put("group_size", groupSize);
        node.put("zero_point", true);
        node.put("version", "gemm");
        ArrayNode modules = node.putArray("modules_to_not_convert");
        notConverted.forEach(modules::add);
        return node;
    }

    /**
     * Codes [out, in], zeros and F16 scale bits [out, groups]. As AutoAWQ: scale = max(max − min, 1e-5) / 15,
     * zero = clamp(−round(min / scale), 0, 15), code = clamp(round(w / scale) + zero, 0, 15), rounding half to even
     * like torch.round; here with the F16 scale.
     */
    private Quantized quantize(String prefix, float[] w, int out, int in) {
        unsupported(prefix, out, in).ifPresent(why -> {
            throw new IllegalArgumentException(why);
        });
        if (w.length != out * in) {
            throw new IllegalArgumentException(prefix + ": " + w.length + " values for [" + out + ", " + in + "]");
        }
        int groups = in / groupSize;
        int[] codes = new int[out * in];
        int[] zeros = new int[out * groups];
        short[] scales = new short[out * groups];
        for (int o = 0; o < out; o++) {
            for (int g = 0; g < groups; g++) {
                int start = o * in + g * groupSize;
                float max = Float.NEGATIVE_INFINITY;
                float min = Float.POSITIVE_INFINITY;
                for (int i = start; i < start + groupSize; i++) {
                    if (!Float.isFinite(w[i])) {
                        throw new CanalException(prefix + ": value " + w[i] + " at [" + o + ", " + (i - o * in)
                                + "] cannot be quantized");
                    }
                    max = Math.max(max, w[i]);
                    min = Math.min(min, w[i]);
                }
                short bits = Floats.toF16(Math.max(max - min, MIN_RANGE) / LEVELS);
                float scale = Floats.f16(bits);
                if (!Float.isFinite(scale)) {
                    throw new CanalException(prefix + ": group " + g + " of row " + o + " spans " + (max - min)
                            + ", whose scale does not fit in F16");
                }
                int zero = clamp((int) Math.rint(-min / scale));
                scales[o * groups + g] = bits;
                zeros[o * groups + g] = zero;
                for (int i = start; i < start + groupSize; i++) codes[i] = clamp((int) Math.rint(w[i] / scale) + zero);
            }
        }
        return new Quantized(codes, zeros, scales);
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(LEVELS, v));
    }

    private record Quantized(int[] codes, int[] zeros, short[] scales) {
    }
}
