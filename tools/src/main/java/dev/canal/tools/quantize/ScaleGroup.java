package dev.canal.tools.quantize;

import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.weights.WeightStore;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Linear layers that read the same input, and the operation before them that can absorb a per-channel scale
 * exactly: the AWQ paper's unit of scale search. Multiplying the linears' input columns by s and dividing the
 * previous op's output channels by s leaves the float model unchanged, while the quantized weights W·s round the
 * salient channels more finely.
 *
 * @param name      "model.layers.0 q/k/v" for messages
 * @param linears   weight tensor names that get their columns multiplied by s
 * @param input     the weight name whose recorded inputs are the group's input (the first linear)
 * @param foldInto  the previous op's tensor that is divided by s: a norm weight (1-D, element-wise) or a linear
 *                  weight (2-D, its output rows)
 * @param foldBias  the previous linear's bias, divided by s too when it has one
 */
record ScaleGroup(String name, List<String> linears, String input, String foldInto, Optional<String> foldBias) {

    /**
     * The groups of a Llama-style decoder layer: q/k/v after input_layernorm, gate/up after post_attention_layernorm,
     * down after up_proj (SwiGLU multiplies up's output element-wise, so scaling its rows scales down's input), and
     * o after v_proj when every attention head has its own value head (with grouped-query attention one v channel
     * feeds several heads' o columns, which one scale cannot serve). Groups whose tensors are missing are left out.
     */
    static List<ScaleGroup> of(WeightStore store, int layers) {
        List<ScaleGroup> groups = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            String q = p + "self_attn.q_proj.weight", k = p + "self_attn.k_proj.weight";
            String v = p + "self_attn.v_proj.weight", o = p + "self_attn.o_proj.weight";
            String gate = p + "mlp.gate_proj.weight", up = p + "mlp.up_proj.weight", down = p + "mlp.down_proj.weight";
            add(groups, store, new ScaleGroup(p.substring(0, p.length() - 1) + " q/k/v", List.of(q, k, v), q,
                    p + "input_layernorm.weight", Optional.empty()));
            add(groups, store, new ScaleGroup(p.substring(0, p.length() - 1) + " gate/up", List.of(gate, up), gate,
                    p + "post_attention_layernorm.weight", Optional.empty()));
            add(groups, store, new ScaleGroup(p.substring(0, p.length() - 1) + " down", List.of(down), down, up,
                    bias(store, p + "mlp.up_proj.bias")));
            Optional<Tensor> vt = store.find(v), ot = store.find(o);
            if (vt.isPresent() && ot.isPresent() && vt.get().dim(0) == ot.get().dim(1)) {
                add(groups, store, new ScaleGroup(p.substring(0, p.length() - 1) + " o", List.of(o), o, v,
                        bias(store, p + "self_attn.v_proj.bias")));
            }
        }
        return groups;
    }

    private static Optional<String> bias(WeightStore store, String name) {
        return store.find(name).map(Tensor::name);
    }

    private static void add(List<ScaleGroup> groups, WeightStore store, ScaleGroup g) {
        if (store.find(g.foldInto()).isEmpty()) return;
        for (String linear : g.linears()) if (store.find(linear).isEmpty()) return;
        groups.add(g);
    }
}
