package dev.canal.tools.synth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.canal.engine.api.CanalException;
import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.Floats;
import dev.canal.engine.weights.SafetensorsWriter;
import dev.canal.engine.weights.SafetensorsWriter.TensorData;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Writes a random-weight model with a real geometry in Hugging Face layout: config.json, generation_config.json,
 * a real tokenizer, and sharded safetensors with an index. Weights are uniform with the variance that keeps
 * activations in range (1/fan_in for projections, 0.02 for embeddings, 1 for norms); each tensor is generated
 * into one reusable off-heap buffer just before it is written, so the model never sits in memory.
 */
public final class SyntheticModel {
    private static final long SHARD_BYTES = 2L << 30;
    private static final int CHUNK = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final SynthPreset preset;
    private final DType dtype;
    private final long seed;

    public SyntheticModel(SynthPreset preset, DType dtype, long seed) {
        if (!dtype.isDenseFloat()) throw new CanalException("synth writes f32, f16 or bf16, not " + dtype);
        this.preset = preset;
        this.dtype = dtype;
        this.seed = seed;
    }

    /** One tensor to generate: its name, shape and the half-width of its uniform distribution (0 = all ones). */
    private record Spec(String name, long[] shape, double halfWidth) {
        long elements() {
            long n = 1;
            for (long d : shape) n *= d;
            return n;
        }
    }

    public void write(Path dir, Path tokenizerDir, PrintStream progress) {
        try {
            Files.createDirectories(dir);
            writeJson(dir.resolve("config.json"), config());
            writeJson(dir.resolve("generation_config.json"), generationConfig());
            Files.copy(tokenizerDir.resolve("tokenizer.json"), dir.resolve("tokenizer.json"),
                    StandardCopyOption.REPLACE_EXISTING);
            if (Files.exists(tokenizerDir.resolve("tokenizer_config.json"))) {
                Files.copy(tokenizerDir.resolve("tokenizer_config.json"), dir.resolve("tokenizer_config.json"),
                        StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new CanalException(dir + ": cannot write: " + e.getMessage());
        }
        List<List<Spec>> shards = shard(specs());
        long maxBytes = 0, total = 0;
        for (List<Spec> shard : shards) {
            for (Spec s : shard) {
                maxBytes = Math.max(maxBytes, s.elements() * dtype.bytes());
                total += s.elements() * dtype.bytes();
            }
        }
        Map<String, String> weightMap = new LinkedHashMap<>();
        long[] done = {0};
        try (Arena arena = Arena.ofShared()) { // shared: chunks are filled in parallel
            MemorySegment buffer = arena.allocate(maxBytes, 64);
            for (int i = 0; i < shards.size(); i++) {
                String file = shards.size() == 1 ? "model.safetensors"
                        : String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
                List<TensorData> tensors = new ArrayList<>();
                for (Spec s : shards.get(i)) {
                    weightMap.put(s.name(), file);
                    long bytes = s.elements() * dtype.bytes();
                    long finalTotal = total;
                    tensors.add(new TensorData(s.name(), dtype, s.shape(), () -> {
                        MemorySegment out = buffer.asSlice(0, bytes);
                        fill(s, out);
                        done[0] += bytes;
                        progress.printf("\rwriting %s  %3d%%  (%.2f of %.2f GB)", file, done[0] * 100 / finalTotal,
                                done[0] / 1e9, finalTotal / 1e9);
                        return out;
                    }));
                }
                SafetensorsWriter.write(dir.resolve(file), tensors, Map.of("format", "pt"));
            }
        }
        if (shards.size() > 1) SafetensorsWriter.writeIndex(dir, weightMap, total);
        progress.println();
    }

    private List<Spec> specs() {
        SynthPreset p = preset;
        long q = (long) p.heads * p.headDim, kv = (long) p.kvHeads * p.headDim;
        List<Spec> specs = new ArrayList<>();
        specs.add(new Spec("model.embed_tokens.weight", new long[]{p.vocab, p.hidden}, uniform(0.02)));
        for (int l = 0; l < p.layers; l++) {
            String n = "model.layers." + l + ".";
            specs.add(new Spec(n + "input_layernorm.weight", new long[]{p.hidden}, 0));
            specs.add(new Spec(n + "self_attn.q_proj.weight", new long[]{q, p.hidden}, fanIn(p.hidden)));
            specs.add(new Spec(n + "self_attn.k_proj.weight", new long[]{kv, p.hidden}, fanIn(p.hidden)));
            specs.add(new Spec(n + "self_attn.v_proj.weight", new long[]{kv, p.hidden}, fanIn(p.hidden)));
            specs.add(new Spec(n + "self_attn.o_proj.weight", new long[]{p.hidden, q}, fanIn(q)));
            if (p.qkvBias) {
                specs.add(new Spec(n + "self_attn.q_proj.bias", new long[]{q}, uniform(0.02)));
                specs.add(new Spec(n + "self_attn.k_proj.bias", new long[]{kv}, uniform(0.02)));
                specs.add(new Spec(n + "self_attn.v_proj.bias", new long[]{kv}, uniform(0.02)));
            }
            if (p.arch.equals("qwen3")) {
                specs.add(new Spec(n + "self_attn.q_norm.weight", new long[]{p.headDim}, 0));
                specs.add(new Spec(n + "self_attn.k_norm.weight", new long[]{p.headDim}, 0));
            }
            specs.add(new Spec(n + "post_attention_layernorm.weight", new long[]{p.hidden}, 0));
            specs.add(new Spec(n + "mlp.gate_proj.weight", new long[]{p.ffn, p.hidden}, fanIn(p.hidden)));
            specs.add(new Spec(n + "mlp.up_proj.weight", new long[]{p.ffn, p.hidden}, fanIn(p.hidden)));
            specs.add(new Spec(n + "mlp.down_proj.weight", new long[]{p.hidden, p.ffn}, fanIn(p.ffn)));
        }
        specs.add(new Spec("model.norm.weight", new long[]{p.hidden}, 0));
        if (!p.tied) specs.add(new Spec("lm_head.weight", new long[]{p.vocab, p.hidden}, fanIn(p.hidden)));
        return specs;
    }

    /** Uniform(-a, a) has standard deviation a/√3. */
    private static double uniform(double std) {
        return std * Math.sqrt(3);
    }

    private static double fanIn(long in) {
        return uniform(1 / Math.sqrt(in));
    }

    private List<List<Spec>> shard(List<Spec> specs) {
        List<List<Spec>> shards = new ArrayList<>();
        List<Spec> current = new ArrayList<>();
        long bytes = 0;
        for (Spec s : specs) {
            long b = s.elements() * dtype.bytes();
            if (!current.isEmpty() && bytes + b > SHARD_BYTES) {
                shards.add(current);
                current = new ArrayList<>();
                bytes = 0;
            }
            current.add(s);
            bytes += b;
        }
        shards.add(current);
        return shards;
    }

    /** Fills out with the tensor's values, in parallel chunks each seeded from (seed, name, chunk). */
    private void fill(Spec s, MemorySegment out) {
        long n = s.elements();
        int chunks = (int) ((n + CHUNK - 1) / CHUNK);
        long base = seed * 0x9E3779B97F4A7C15L + s.name().hashCode();
        IntStream.range(0, chunks).parallel().forEach(c -> {
            SplittableRandom random = new SplittableRandom(base + c * 0xBF58476D1CE4E5B9L);
            long from = (long) c * CHUNK, to = Math.min(n, from + CHUNK);
            for (long i = from; i < to; i++) {
                float v = s.halfWidth() == 0 ? 1f : (float) ((random.nextDouble() * 2 - 1) * s.halfWidth());
                switch (dtype) {
                    case F32 -> out.set(Floats.F32_LE, i * 4, v);
                    case F16 -> out.set(Floats.I16_LE, i * 2, Floats.toF16(v));
                    case BF16 -> out.set(Floats.I16_LE, i * 2, Floats.toBf16(v));
                    default -> throw new IllegalStateException(dtype.name());
                }
            }
        });
    }

    private ObjectNode config() {
        SynthPreset p = preset;
        ObjectNode c = JSON.createObjectNode();
        c.putArray("architectures").add(switch (p.arch) {
            case "llama" -> "LlamaForCausalLM";
            case "mistral" -> "MistralForCausalLM";
            case "qwen2" -> "Qwen2ForCausalLM";
            case "qwen3" -> "Qwen3ForCausalLM";
            default -> throw new IllegalStateException(p.arch);
        });
        c.put("model_type", p.arch);
        c.put("hidden_size", p.hidden);
        c.put("intermediate_size", p.ffn);
        c.put("num_hidden_layers", p.layers);
        c.put("num_attention_heads", p.heads);
        c.put("num_key_value_heads", p.kvHeads);
        c.put("head_dim", p.headDim);
        c.put("vocab_size", p.vocab);
        c.put("max_position_embeddings", p.maxPositions);
        c.put("rms_norm_eps", p.arch.startsWith("qwen") ? 1e-6 : 1e-5);
        c.put("rope_theta", p.ropeTheta);
        if (p.ropeScaling != null) {
            try {
                c.set("rope_scaling", JSON.readTree(p.ropeScaling));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        } else {
            c.putNull("rope_scaling");
        }
        c.put("hidden_act", "silu");
        c.put("attention_bias", false);
        if (!p.arch.equals("qwen2") && !p.arch.equals("qwen3")) c.put("mlp_bias", false);
        if (p.arch.startsWith("qwen") || p.arch.equals("mistral")) {
            c.putNull("sliding_window");
            c.put("use_sliding_window", false);
        }
        c.put("tie_word_embeddings", p.tied);
        TokenIds ids = TokenIds.of(p.tokenizer);
        c.put("bos_token_id", ids.bos());
        c.put("eos_token_id", ids.eos());
        c.put("torch_dtype", switch (dtype) {
            case F32 -> "float32";
            case F16 -> "float16";
            default -> "bfloat16";
        });
        c.put("initializer_range", 0.02);
        c.put("use_cache", true);
        return c;
    }

    private ObjectNode generationConfig() {
        TokenIds ids = TokenIds.of(preset.tokenizer);
        ObjectNode g = JSON.createObjectNode();
        g.put("bos_token_id", ids.bos());
        g.put("eos_token_id", ids.eos());
        return g;
    }

    /** BOS/EOS of the tokenizers the presets ship with (base-model conventions). */
    private record TokenIds(int bos, int eos) {
        static TokenIds of(String tokenizer) {
            return switch (tokenizer) {
                case "llama3" -> new TokenIds(128000, 128001);
                case "qwen3" -> new TokenIds(151643, 151643);
                case "mistral" -> new TokenIds(1, 2);
                default -> throw new IllegalStateException(tokenizer);
            };
        }
    }

    private static void writeJson(Path file, ObjectNode node) throws IOException {
        Files.writeString(file, JSON.writeValueAsString(node) + "\n");
    }

    /** Bytes of weights this preset has at this dtype. */
    public long weightBytes() {
        long n = 0;
        for (Spec s : specs()) n += s.elements() * dtype.bytes();
        return n;
    }

}
