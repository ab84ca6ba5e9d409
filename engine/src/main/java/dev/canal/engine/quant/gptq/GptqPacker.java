package dev.canal.engine.quant.gptq;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.canal.engine.api.CanalException;
import dev.canal.engine.quant.LinearPacker;
import dev.canal.engine.tensor.DType;
import dev.canal.engine.weights.SafetensorsWriter.TensorData;

import java.util.List;
import java.util.Optional;

/**
 * Writes linear weights as GPTQ checkpoints do (AutoGPTQ / GPTQModel, checkpoint format "gptq", i.e. v1):
 * {@code qweight} I32 [in / pack, out] packed along the input, {@code qzeros} I32 [groups, out / pack] holding
 * zero − 1 packed along the output, {@code scales} F16 [groups, out] and {@code g_idx} I32 [in] = i / group. The
 * integers come from round-to-nearest with GPTQ's quantizer parameters ({@link GptqQuantizer}); no Hessian-based
 * error compensation, so this is "GPTQ layout, RTN values", which every GPTQ loader runs unchanged.
 */
public final class GptqPacker implements LinearPacker {
    private final int bits;
    private final int groupSize;
    private final boolean symmetric;

    /**
     * @param bits      4 or 8
     * @param groupSize inputs per scale/zero group, or −1 for one group per output row
     * @param symmetric GPTQ's sym: zero fixed at 2^(bits−1) and a range symmetric around 0
     */
    public GptqPacker(int bits, int groupSize, boolean symmetric) {
        if (bits != 4 && bits != 8) {
            throw new CanalException("GPTQ bits " + bits + " is not supported (canal writes and reads 4 and 8)");
        }
        if (groupSize != -1 && groupSize <= 0) {
            throw new CanalException("GPTQ group_size " + groupSize + " is not supported (expected a positive size, "
                    + "or -1 for one group per row)");
        }
        this.bits = bits;
        this.groupSize = groupSize;
        this.symmetric = symmetric;
    }

    @Override
    public String name() {
        return "gptq int" + bits + " " + (groupSize == -1 ? "per-channel" : "g" + groupSize)
                + (symmetric ? " sym" : " asym");
    }

    @Override
    public Optional<String> unsupported(String tensor, int out, int in) {
        int pack = GptqPacking.perWord(bits);
        if (groupSize != -1 && in % groupSize != 0) {
            return Optional.of(tensor + ": " + in + " input features are not a multiple of group_size " + groupSize);
        }
        if (in % pack != 0) {
            return Optional.of(tensor + ": " + in + " input features are not a multiple of " + pack
                    + " (int" + bits + " packs " + pack + " inputs per int32 of qweight)");
        }
        if (out % pack != 0) {
            return Optional.of(tensor + ": " + out + " output features are not a multiple of " + pack
                    + " (int" + bits + " packs " + pack + " outputs per int32 of qzeros)");
        }
        return Optional.empty();
    }

    @Override
    public List<TensorData> pack(String prefix, float[] w, int out, int in) {
        GptqQuantizer q = quantize(prefix + ".weight", w, out, in);
        int pack = GptqPacking.perWord(bits);
        int mask = (1 << bits) - 1;

        int[] qweight = new int[in / pack * out];
        for (int i = 0; i < in; i++) {
            int row = i / pack;
            int shift = (i % pack) * bits;
            for (int o = 0; o < out; o++) qweight[row * out + o] |= q.q[i * out + o] << shift;
        }
        int[] qzeros = new int[q.groups * (out / pack)];
        for (int g = 0; g < q.groups; g++) {
            for (int o = 0; o < out; o++) {
                // v1 stores zero − 1; the quantizer never gives zero 0, so no field wraps around.
                int stored = (q.zeros[g * out + o] - 1) & mask;
                qzeros[g * (out / pack) + o / pack] |= stored << ((o % pack) * bits);
            }
        }
        int[] gIdx = new int[in];
        for (int i = 0; i < in; i++) gIdx[i] = i / q.groupSize;

        return List.of(
                TensorData.of(prefix + ".qweight", DType.I32, new long[] {in / pack, out},
                        GptqPacking.littleEndian(qweight)),
                TensorData.of(prefix + ".qzeros", DType.I32, new long[] {q.groups, out / pack},
                        GptqPacking.littleEndian(qzeros)),
                TensorData.bits16(prefix + ".scales", DType.F16, new long[] {q.groups, out}, q.scales),
                TensorData.of(prefix + ".g_idx", DType.I32, new long[] {in}, GptqPacking.littleEndian(gIdx)));
    }

    @Override
    public float[] roundTrip(float[] w, int out, int in) {
        return quantize("weight", w, out, in).dequantized();
    }

    @Override
    public ObjectNode quantizationConfig(List<String> notConverted) {
        ObjectNode c = JsonNodeFactory.instance.objectNode();
        c.put("quant_method", "gptq");
        c.put("bits", bits);
        c.put("group_size", groupSize);
        c.put("desc_act", false);
        c.put("sym", symmetric);
        c.put("checkpoint_format", "gptq");
        if (!notConverted.isEmpty()) {
            // GPTQModel's (and vLLM's) way to say "leave these modules in float": a negative dynamic rule each.
            ObjectNode dynamic = c.putObject("dynamic");
            for (String module : notConverted) dynamic.putObject(GptqFormat.SKIP_RULE + exactPattern(module));
        }
        return c;
    }

    /** A Python regular expression matching exactly {@code name} (module names hold letters, digits, '_' and '.'). */
    static String exactPattern(String name) {
        return "^" + name.replace(".", "\\.") + "$";
    }

    private GptqQuantizer quantize(String what, float[] w, int out, int in) {
        unsupported(what, out, in).ifPresent(reason -> {
            throw new CanalException(reason);
        });
        if (w.length != out * in) {
            throw new IllegalArgumentException(what + ": " + w.length + " values for [" + out + ", " + in + "]");
        }
        return GptqQuantizer.quantize(what, w, out, in, bits, groupSize == -1 ? in : groupSize, symmetric);
    }
}
