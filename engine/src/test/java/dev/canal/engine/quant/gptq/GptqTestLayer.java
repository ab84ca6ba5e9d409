package dev.canal.engine.quant.gptq;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.canal.engine.quant.QuantizationConfig;
import dev.canal.engine.tensor.DType;

import java.util.Random;

/**
 * A random GPTQ layer written from the layout's description, independently of the main code: integers q[i][o],
 * zeros z[g][o], F16 scales s[g][o] and a group per input; packed as AutoGPTQ's pack() does (qweight: input i in
 * word row i / (32 / bits) at bits (i % (32 / bits)) · bits; qzeros: output o in word o / (32 / bits)), zeros
 * stored minus one for the v1 format. {@link #weight} is the matrix a correct reader must see.
 */
final class GptqTestLayer {
    final int bits, out, in, groupSize, groups;
    final boolean v1;
    final int[][] q;      // [in][out]
    final int[][] zero;   // [groups][out]
    final short[] scale;  // [groups * out] F16
    final int[] gIdx;     // [in]

    GptqTestLayer(Random rnd, int bits, int out, int in, int groupSize, boolean sym, boolean actOrder, boolean v1) {
        this.bits = bits;
        this.out = out;
        this.in = in;
        this.groupSize = groupSize == -1 ? in : groupSize;
        this.groups = in / this.groupSize;
        this.v1 = v1;
        int maxq = (1 << bits) - 1;
        q = new int[in][out];
        for (int i = 0; i < in; i++) for (int o = 0; o < out; o++) q[i][o] = rnd.nextInt(maxq + 1);
        zero = new int[groups][out];
        scale = new short[groups * out];
        for (int g = 0; g < groups; g++) {
            for (int o = 0; o < out; o++) {
                // v1 cannot hold zero 0 (it stores zero − 1), so the zeros drawn start at 1.
                zero[g][o] = sym ? 1 << (bits - 1) : 1 + rnd.nextInt(maxq);
                scale[g * out + o] = Float.floatToFloat16((float) (0.001 + rnd.nextDouble() * 0.02));
            }
        }
        gIdx = new int[in];
        for (int i = 0; i < in; i++) gIdx[i] = i / this.groupSize;
        if (actOrder) {
            for (int i = in - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                int t = gIdx[i];
                gIdx[i] = gIdx[j];
                gIdx[j] = t;
            }
        }
    }

    /** W[o][i] = (q − z) · s in float, as the dequantization defines it. */
    float weight(int o, int i) {
        int g = gIdx[i];
        return (q[i][o] - zero[g][o]) * Float.float16ToFloat(scale[g * out + o]);
    }

    int[] qweight() {
        int pack = 32 / bits;
        int[] w = new int[in / pack * out];
        for (int i = 0; i < in; i++) {
            for (int o = 0; o < out; o++) w[(i / pack) * out + o] |= q[i][o] << ((i % pack) * bits);
        }
        return w;
    }

    int[] qzeros() {
        int pack = 32 / bits;
        int[] z = new int[groups * (out / pack)];
        for (int g = 0; g < groups; g++) {
            for (int o = 0; o < out; o++) {
                int stored = v1 ? zero[g][o] - 1 : zero[g][o];
                z[g * (out / pack) + o / pack] |= stored << ((o % pack) * bits);
            }
        }
        return z;
    }

    InMemoryWeights store(String prefix) {
        int pack = 32 / bits;
        return new InMemoryWeights()
                .ints(prefix + ".qweight", qweight(), in / pack, out)
                .ints(prefix + ".qzeros", qzeros(), groups, out / pack)
                .halves(prefix + ".scales", DType.F16, scale, groups, out)
                .ints(prefix + ".g_idx", gIdx, in);
    }

    QuantizationConfig config(int configGroupSize) {
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.put("quant_method", "gptq").put("bits", bits).put("group_size", configGroupSize)
                .put("desc_act", false).put("sym", false).put("checkpoint_format", v1 ? "gptq" : "gptq_v2");
        return QuantizationConfig.of(c, "config.json quantization_config");
    }
}
