package dev.canal.tools.quantize;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.canal.engine.backend.cpu.CpuBackend;
import dev.canal.engine.generate.ModelLoader;
import dev.canal.engine.spi.Architectures;
import dev.canal.engine.spi.DecoderModel;
import dev.canal.engine.spi.InferenceState;
import dev.canal.engine.spi.ModelSource;
import dev.canal.engine.testing.Fixtures;
import dev.canal.engine.weights.SafetensorsWriter;
import dev.canal.engine.weights.SafetensorsWriter.TensorData;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A small random Llama-layout F32 model (hidden 128, 2 layers, 4 heads of 32 with their own KV heads, MLP 256) with
 * stories260K's real tokenizer (vocab 512), and a few input channels whose norm weights are 20–50× the rest: the
 * outlier activations that make round-to-nearest int4 lose precision and AWQ's scaling worthwhile.
 */
final class TinyLlama {
    static final int HIDDEN = 128, FFN = 256, LAYERS = 2, HEADS = 4, HEAD_DIM = 32, VOCAB = 512;
    /** Channels with outlier norm weights, and their factors. */
    static final int[] OUTLIERS = {5, 37, 90, 111};
    static final float[] OUTLIER_FACTORS = {20f, 50f, 35f, 27f};

    private TinyLlama() {
    }

    static Path write(Path dir, long seed) throws IOException {
        return write(dir, seed, true);
    }

    /** @param outliers whether the norms have the outlier channels (else all their weights are 0.8–1.2) */
    static Path write(Path dir, long seed, boolean outliers) throws IOException {
        Files.createDirectories(dir);
        Path stories = Fixtures.model("stories260K-hf-derived");
        for (String f : List.of("tokenizer.json", "tokenizer_config.json", "generation_config.json",
                "special_tokens_map.json")) {
            Files.copy(stories.resolve(f), dir.resolve(f));
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode c = json.createObjectNode();
        c.putArray("architectures").add("LlamaForCausalLM");
        c.put("model_type", "llama");
        c.put("hidden_size", HIDDEN);
        c.put("intermediate_size", FFN);
        c.put("num_hidden_layers", LAYERS);
        c.put("num_attention_heads", HEADS);
        c.put("num_key_value_heads", HEADS);
        c.put("head_dim", HEAD_DIM);
        c.put("vocab_size", VOCAB);
        c.put("max_position_embeddings", 512);
        c.put("rms_norm_eps", 1e-5);
        c.put("rope_theta", 10000.0);
        c.put("hidden_act", "silu");
        c.put("tie_word_embeddings", false);
        c.put("bos_token_id", 1);
        c.put("eos_token_id", 2);
        c.put("torch_dtype", "float32");
        Files.writeString(dir.resolve("config.json"), json.writerWithDefaultPrettyPrinter().writeValueAsString(c));

        SplittableRandom random = new SplittableRandom(seed);
        List<TensorData> tensors = new ArrayList<>();
        tensors.add(matrix("model.embed_tokens.weight", VOCAB, HIDDEN, 1.0, random));
        for (int l = 0; l < LAYERS; l++) {
            String p = "model.layers." + l + ".";
            tensors.add(norm(p + "input_layernorm.weight", outliers, random));
            tensors.add(matrix(p + "self_attn.q_proj.weight", HEADS * HEAD_DIM, HIDDEN, fanIn(HIDDEN), random));
            tensors.add(matrix(p + "self_attn.k_proj.weight", HEADS * HEAD_DIM, HIDDEN, fanIn(HIDDEN), random));
            tensors.add(matrix(p + "self_attn.v_proj.weight", HEADS * HEAD_DIM, HIDDEN, fanIn(HIDDEN), random));
            tensors.add(matrix(p + "self_attn.o_proj.weight", HIDDEN, HEADS * HEAD_DIM, fanIn(HIDDEN), random));
            tensors.add(norm(p + "post_attention_layernorm.weight", outliers, random));
            tensors.add(matrix(p + "mlp.gate_proj.weight", FFN, HIDDEN, fanIn(HIDDEN), random));
            tensors.add(matrix(p + "mlp.up_proj.weight", FFN, HIDDEN, fanIn(HIDDEN), random));
            tensors.add(matrix(p + "mlp.down_proj.weight", HIDDEN, FFN, fanIn(FFN), random));
        }
        tensors.add(norm("model.norm.weight", false, random));
        tensors.add(matrix("lm_head.weight", VOCAB, HIDDEN, fanIn(HIDDEN), random));
        SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
        return dir;
    }

    private static double fanIn(int in) {
        return 1 / Math.sqrt(in);
    }

    /** Uniform values with the given standard deviation. */
    private static TensorData matrix(String name, int rows, int cols, double std, SplittableRandom random) {
        float[] v = new float[rows * cols];
        double half = std * Math.sqrt(3);
        for (int i = 0; i < v.length; i++) v[i] = (float) ((random.nextDouble() * 2 - 1) * half);
        return TensorData.f32(name, new long[] {rows, cols}, v);
    }

    private static TensorData norm(String name, boolean outliers, SplittableRandom random) {
        float[] v = new float[HIDDEN];
        for (int i = 0; i < v.length; i++) v[i] = (float) (0.8 + 0.4 * random.nextDouble());
        if (outliers) for (int i = 0; i < OUTLIERS.length; i++) v[OUTLIERS[i]] *= OUTLIER_FACTORS[i];
        return TensorData.f32(name, new long[] {HIDDEN}, v);
    }

    /** The logits at every position of {@code tokens}, decoded one token at a time with canal's forward pass. */
    static float[][] logits(Path modelDir, int[] tokens) {
        try (ModelSource source = ModelLoader.open(modelDir); CpuBackend backend = new CpuBackend(2)) {
            DecoderModel model = Architectures.forConfig(source.config()).load(source.config(), source.weights(),
                    backend);
            InferenceState state = model.newState(tokens.length, 1);
            float[][] out = new float[tokens.length][source.config().vocabSize()];
            for (int pos = 0; pos < tokens.length; pos++) {
                model.forward(state, new int[] {tokens[pos]}, 1, pos, out[pos]);
            }
            return out;
        }
    }

    /** The tokens of a prompt, with BOS, by the model's tokenizer. */
    static int[] encode(Path modelDir, String text) {
        try (ModelSource source = ModelLoader.open(modelDir)) {
            return source.tokenizer().encode(text, true, false);
        }
    }

    static double meanSquaredError(float[][] a, float[][] b) {
        double sum = 0;
        long n = 0;
        for (int p = 0; p < a.length; p++) {
            for (int i = 0; i < a[p].length; i++) {
                double d = (double) a[p][i] - b[p][i];
                sum += d * d;
                n++;
            }
        }
        return sum / n;
    }
}
