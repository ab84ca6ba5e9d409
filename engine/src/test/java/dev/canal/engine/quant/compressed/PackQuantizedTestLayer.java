package dev.canal.engine.quant.compressed;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.canal.engine.quant.QuantizationConfig;
import dev.canal.engine.quant.gptq.InMemoryWeights;
import dev.canal.engine.tensor.DType;

import java.util.Random;

/**
 * A random compressed-tensors pack-quantized layer written from compressed-tensors' pack_to_int32, independently of
 * the main code: signed integers q and zero points z in [−2^(bits−1), 2^(bits−1)), stored + 2^(bits−1); weights
 * packed along the input (row o, word i / pack, bits (i % pack) · bits, the last word zero-padded), zero points
 * packed along the output ([⌈out / pack⌉, groups]). {@link #weight} is what a correct reader must see.
 */
final class PackQuantizedTestLayer {
    final int bits, out, in, group, groups;
    final boolean sym;
    final DType scaleType;
    final int[][] q;      // [out][in], signed
    final int[][] zero;   // [out][groups], signed
    final short[] scale;  // [out * groups], 16-bit
    final int[] gIdx;     // [in], null for column order
    private final ObjectMapper json = new ObjectMapper();

    PackQuantizedTestLayer(Random rnd, int bits, int out, int in, int groupSize, boolean sym, DType scaleType) {
        this(rnd, bits, out, in, groupSize, sym, scaleType, false);
    }

    /** With actOrder, weight_g_idx assigns the groups' inputs in a random order (llm-compressor's "group"). */
    PackQuantizedTestLayer(Random rnd, int bits, int out, int in, int groupSize, boolean sym, DType scaleType,
                           boolean actOrder) {
        this.bits = bits;
        this.out = out;
        this.in = in;
        this.group = groupSize == -1 ? in : groupSize;
        this.groups = in / group;
        this.sym = sym;
        this.scaleType = scaleType;
        int lo = -(1 << (bits - 1));
        int span = 1 << bits;
        q = new int[out][in];
        zero = new int[out][groups];
        scale = new short[out * groups];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) q[o][i] = lo + rnd.nextInt(span);
            for (int g = 0; g < groups; g++) {
                zero[o][g] = sym ? 0 : lo + rnd.nextInt(span);
                float s = (float) (0.001 + rnd.nextDouble() * 0.02);
                scale[o * groups + g] = scaleType == DType.F16 ? Float.floatToFloat16(s)
                        : (short) (Float.floatToRawIntBits(s) >>> 16);
            }
        }
        if (actOrder) {
            gIdx = new int[in];
            for (int i = 0; i < in; i++) gIdx[i] = i / group;
            for (int i = in - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                int t = gIdx[i];
                gIdx[i] = gIdx[j];
                gIdx[j] = t;
            }
        } else {
            gIdx = null;
        }
    }

    float weight(int o, int i) {
        int g = gIdx != null ? gIdx[i] : i / group;
        short b = scale[o * groups + g];
        float s = scaleType == DType.F16 ? Float.float16ToFloat(b) : Float.intBitsToFloat(b << 16);
        return (q[o][i] - zero[o][g]) * s;
    }

    InMemoryWeights store(String prefix) {
        int pack = 32 / bits;
        int offset = 1 << (bits - 1);
        int words = (in + pack - 1) / pack;
        int[] packed = new int[out * words];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) packed[o * words + i / pack] |= (q[o][i] + offset) << ((i % pack) * bits);
        }
        InMemoryWeights store = new InMemoryWeights()
                .ints(prefix + ".weight_packed", packed, out, words)
                .halves(prefix + ".weight_scale", scaleType, scale, out, groups)
                .ints(prefix + ".weight_shape", new int[] {out, in}, 2);
        if (gIdx != null) store.ints(prefix + ".weight_g_idx", gIdx, in);
        if (!sym) {
            int rows = (out + pack - 1) / pack;
            int[] zp = new int[rows * groups];
            for (int o = 0; o < out; o++) {
                for (int g = 0; g < groups; g++) {
                    zp[(o / pack) * groups + g] |= (zero[o][g] + offset) << ((o % pack) * bits);
                }
            }
            store.ints(prefix + ".weight_zero_point", zp, rows, groups);
        }
        return store;
    }

    ObjectNode configNode() {
        ObjectNode c = json.createObjectNode();
        c.put("quant_method", "compressed-tensors").put("format", "pack-quantized")
                .put("quantization_status", "compressed");
        ObjectNode g = c.putObject("config_groups").putObject("group_0");
        g.putArray("targets").add("Linear");
        ObjectNode w = g.putObject("weights");
        w.put("num_bits", bits).put("type", "int").put("symmetric", sym)
                .put("strategy", group == in ? "channel" : "group").put("dynamic", false);
        if (group != in) w.put("group_size", group);
        g.putNull("input_activations");
        c.putArray("ignore").add("lm_head");
        return c;
    }

    QuantizationConfig config() {
        return QuantizationConfig.of(configNode(), "config.json quantization_config");
    }
}
