package dev.canal.ggml.gguf;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** llama.cpp tensor names ↔ the Hugging Face names Transformer binds (each mapping is checked both ways). */
class GgufTensorNamesTest {

    private static void maps(String gguf, String hf) {
        assertEquals(Optional.of(hf), GgufTensorNames.toHf(gguf), gguf);
        assertEquals(Optional.of(gguf), GgufTensorNames.toGguf(hf), hf);
    }

    @Test
    void globalTensors() {
        maps("token_embd.weight", "model.embed_tokens.weight");
        maps("output_norm.weight", "model.norm.weight");
        maps("output.weight", "lm_head.weight");
    }

    @Test
    void layerTensorsWithBiasesAndQkNorms() {
        maps("blk.0.attn_norm.weight", "model.layers.0.input_layernorm.weight");
        maps("blk.12.attn_q.weight", "model.layers.12.self_attn.q_proj.weight");
        maps("blk.12.attn_q.bias", "model.layers.12.self_attn.q_proj.bias");
        maps("blk.3.attn_k.bias", "model.layers.3.self_attn.k_proj.bias");
        maps("blk.3.attn_v.weight", "model.layers.3.self_attn.v_proj.weight");
        maps("blk.3.attn_output.weight", "model.layers.3.self_attn.o_proj.weight");
        maps("blk.3.attn_q_norm.weight", "model.layers.3.self_attn.q_norm.weight");
        maps("blk.3.attn_k_norm.weight", "model.layers.3.self_attn.k_norm.weight");
        maps("blk.3.ffn_norm.weight", "model.layers.3.post_attention_layernorm.weight");
        maps("blk.3.ffn_gate.weight", "model.layers.3.mlp.gate_proj.weight");
        maps("blk.3.ffn_up.weight", "model.layers.3.mlp.up_proj.weight");
        maps("blk.3.ffn_down.weight", "model.layers.3.mlp.down_proj.weight");
    }

    @Test
    void tensorsOutsideTheLayoutAreNotMapped() {
        assertEquals(Optional.empty(), GgufTensorNames.toHf("rope_freqs.weight"));
        assertEquals(Optional.empty(), GgufTensorNames.toHf("blk.0.ffn_gate_inp.weight"));
        assertEquals(Optional.empty(), GgufTensorNames.toHf("blk.x.attn_q.weight"));
        assertEquals(Optional.empty(), GgufTensorNames.toGguf("model.layers.0.self_attn.rotary_emb.inv_freq"));
        assertEquals(Optional.empty(), GgufTensorNames.toGguf("model.layers.0.mlp.experts.0.up_proj.weight"));
        assertEquals(Optional.empty(), GgufTensorNames.toGguf("lm_head"));
    }
}
