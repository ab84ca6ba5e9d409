package dev.canal.engine.quant.compressed;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.canal.engine.api.CanalException;
import dev.canal.engine.quant.LinearPacker;
import dev.canal.engine.tensor.DType;
import dev.canal.engine.weights.SafetensorsWriter.TensorData;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Writes linear weights as llm-compressor saves a W4A16 / W8A16 model (compressed-tensors "pack-quantized"):
 * round-to-nearest with its min-max observer's parameters (range including 0; symmetric scale = max|w| / (range / 2)
 * with zero 0, asymmetric scale = (max − min) / range with zero = q_min − round(min / scale)), signed integers
 * stored + 2^(bits−1) and packed along the input, scales F16, asymmetric zero points packed along the output.
 */
public final class CompressedPackQuantizedPacker implements LinearPacker {
    private static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final int bits;
    private final int groupSize;
    private final boolean symmetric;

    /**
     * @param bits      4 or 8
     * @param groupSize inputs per group ("group" strategy), or −1 for one scale per output ("channel")
     * @param symmetric zero point 0 (no weight_zero_point tensor)
     */
    public CompressedPackQuantizedPacker(int bits, int groupSize, boolean symmetric) {
        if (bits != 4 && bits != 8) {
            throw new CanalException("pack-quantized bits " + bits + " is not supported (canal writes 4 and 8)");
        }
        if (groupSize != -1 && (groupSize <= 0 || groupSize % (32 / bits) != 0)) {
            throw new CanalException("pack-quantized group size " + groupSize + " is not supported (expected a "
                    + "positive multiple of " + (32 / bits) + ", or -1 for per-channel)");
        }
        this.bits = bits;
        this.groupSize = groupSize;
        this.symmetric = symmetric;
    }

    @Override
    public String name() {
        return "compressed-tensors int" + bits + " " + (groupSize == -1 ? "per-channel" : "g" + groupSize)
                + (symmetric ? " sym" : " asym");
    }

    @Override
    public Optional<String> unsupported(String tensor, int out, int in) {
        if (groupSize != -1 && in % groupSize != 0) {
            return Optional.of(tensor + ": " + in + " input features are not a multiple of group_size " + groupSize);
        }
        return Optional.empty();
    }

    @Override
    public List<TensorData> pack(String prefix, float[] w, int out, int in) {
        Quantized q = quantize(prefix + ".weight", w, out, in);
        int pack = 32 / bits;
        int words = (in + pack - 1) / pack;
        int[] packed = new int[out * words];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) packed[o * words + i / pack] |= q.u[o * in + i] << ((i % pack) * bits);
        }
        List<TensorData> tensors = new ArrayList<>();
        tensors.add(TensorData.of(prefix + ".weight_packed", DType.I32, new long[] {out, words}, ints(packed)));
        tensors.add(TensorData.bits16(prefix + ".weight_scale", DType.F16, new long[] {out, q.groups}, q.scales));
        MemorySegment shape = MemorySegment.ofArray(new byte[16]);
        shape.setAtIndex(I64_LE, 0, out);
        shape.setAtIndex(I64_LE, 1, in);
        tensors.add(TensorData.of(prefix + ".weight_shape", DType.I64, new long[] {2}, shape));
        if (!symmetric) {
            int rows = (out + pack - 1) / pack;
            int[] zp = new int[rows * q.groups];
            for (int o = 0; o < out; o++) {
                for (int g = 0; g < q.groups; g++) {
                    zp[(o / pack) * q.groups + g] |= q.uz[o * q.groups + g] << ((o % pack) * bits);
                }
            }
            tensors.add(TensorData.of(prefix + ".weight_zero_point", DType.I32, new long[] {rows, q.groups},
                    ints(zp)));
        }
        return tensors;
    }

    @Override
    public float[] roundTrip(float[] w, int out, int in) {
        Quantized q = quantize("weight", w, out, in);
        float[] r = new float[out * in];
        int group = in / q.groups;
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                int g = o * q.groups + i / group;
                r[o * in + i] = (q.u[o * in + i] - q.uz[g]) * Float.float16ToFloat(q.scales[g]);
            }
        }
        return r;
    }

    @Override
    public ObjectNode quantizationConfig(List<String> notConverted) {
        JsonNodeFactory json = JsonNodeFactory.instance;
        ObjectNode c = json.objectNode();
        c.put("quant_method", "compressed-tensors");
        c.put("format", CompressedPackQuantizedFormat.PACK_QUANTIZED);
        c.put("quantization_status", "compressed");
        ObjectNode group = c.putObject("config_groups").putObject("group_0");
        group.putArray("targets").add("Linear");
        ObjectNode weights = group.putObject("weights");
        weights.put("num_bits", bits);
        weights.put("type", "int");
        weights.put("symmetric", symmetric);
        weights.put("strategy", groupSize == -1 ? "channel" : "group");
        if (groupSize == -1) weights.putNull("group_size");
        else weights.put("group_size", groupSize);
        weights.put("dynamic", false);
        weights.putNull("actorder");
        weights.put("observer", "minmax");
        group.putNull("input_activations");
        group.putNull("output_activations");
        group.put("format", CompressedPackQuantizedFormat.PACK_QUANTIZED);
        ArrayNode ignore = c.putArray("ignore");
        notConverted.forEach(ignore::add);
        return c;
    }

    /** Unsigned stored integers [out, in], unsigned zero points and F16 scales [out, groups]. */
    private record Quantized(int groups, int[] u, int[] uz, short[] scales) {
    }

    private Quantized quantize(String what, float[] w, int out, int in) {
        unsupported(what, out, in).ifPresent(reason -> {
            throw new CanalException(reason);
        });
        int group = groupSize == -1 ? in : groupSize;
        int groups = in / group;
        int qMin = -(1 << (bits - 1));
        int qMax = (1 << (bits - 1)) - 1;
        int offset = 1 << (bits - 1);
        int[] u = new int[out * in];
        int[] uz = new int[out * groups];
        short[] scales = new short[out * groups];
        for (int o = 0; o < out; o++) {
            for (int g = 0; g < groups; g++) {
                int base = o * in + g * group;
                float min = 0;
                float max = 0;
                for (int i = 0; i < group; i++) {
                    float v = w[base + i];
                    if (!Float.isFinite(v)) {
                        throw new CanalException(what + ": weight [" + o + ", " + (g * group + i) + "] is " + v
                                + ", which cannot be quantized");
                    }
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
                float scale = symmetric ? Math.max(-min, max) / ((qMax - qMin) / 2f) : (max - min) / (qMax - qMin);
                // compressed-tensors clamps the scale at float32's epsilon; F16 then keeps it representable.
                short bitsF16 = Float.floatToFloat16(Math.max(scale, 0x1p-23f));
                float s = Float.float16ToFloat(bitsF16);
                if (Float.isInfinite(s)) {
                    throw new CanalException(what + ": a group's range needs scale " + scale + ", beyond F16's 65504");
                }
                int zero = symmetric ? 0 : Math.max(qMin, Math.min(qMax, (int) Math.rint(qMin - min / s)));
                scales[o * groups + g] = bitsF16;
                uz[o * groups + g] = zero + offset;
                for (int i = 0; i < group; i++) {
                    int q = Math.max(qMin, Math.min(qMax, (int) Math.rint(w[base + i] / s) + zero));
                    u[base + i] = q + offset;
                }
            }
        }
        return new Quantized(groups, u, uz, scales);
    }

    private static MemorySegment ints(int[] values) {
        MemorySegment seg = MemorySegment.ofArray(new byte[values.length * 4]);
        for (int i = 0; i < values.length; i++) seg.setAtIndex(I32_LE, i, values[i]);
        return seg;
    }
}
