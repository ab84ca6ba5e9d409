package dev.canal.ggml.convert;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.canal.engine.config.ModelConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Llama 3.1's rope_freqs table, checked against convert_hf_to_gguf.py's formula evaluated with numpy float32. */
class Llama3RopeFactorsTest {
    @Test
    void llama31EightBFactors() {
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.putArray("architectures").add("LlamaForCausalLM");
        c.put("hidden_size", 4096).put("intermediate_size", 14336).put("num_hidden_layers", 32)
                .put("num_attention_heads", 32).put("num_key_value_heads", 8).put("vocab_size", 128256)
                .put("rope_theta", 500000.0);
        c.putObject("rope_scaling").put("rope_type", "llama3").put("factor", 8.0).put("low_freq_factor", 1.0)
                .put("high_freq_factor", 4.0).put("original_max_position_embeddings", 8192);
        float[] f = Llama3RopeFactors.compute(ModelConfig.fromJson(c, "config.json"));
        assertEquals(64, f.length);
        // numpy: 1 for i < 29, the blend for 29..34, 8 from 35 on.
        float[] blend = {1.2074840068817139f, 1.5534145832061768f, 2.026313066482544f, 2.6945300102233887f,
                3.684252977371216f, 5.257326602935791f};
        for (int i = 0; i < 64; i++) {
            float expected = i < 29 ? 1f : i < 35 ? blend[i - 29] : 8f;
            assertEquals(expected, f[i], 1e-6f * expected, "factor " + i);
        }
    }
}
