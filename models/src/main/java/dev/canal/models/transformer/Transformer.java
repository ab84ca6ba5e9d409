package dev.canal.models.transformer;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.backend.Activations;
import dev.canal.engine.backend.AttentionShape;
import dev.canal.engine.backend.Backend;
import dev.canal.engine.backend.KvCache;
import dev.canal.engine.backend.Rope;
import dev.canal.engine.backend.Weight;
import dev.canal.engine.config.ModelConfig;
import dev.canal.engine.spi.DecoderModel;
import dev.canal.engine.spi.InferenceState;
import dev.canal.engine.weights.WeightStore;

/**
 * The pre-norm decoder shared by Llama, Mistral, Qwen2 and Qwen3: RMSNorm → attention (GQA, RoPE) → residual →
 * RMSNorm → SwiGLU MLP → residual, then a final RMSNorm and the output head. Families differ only in what
 * {@link TransformerSpec} says. Tensor names are Hugging Face's.
 */
public final class Transformer implements DecoderModel {
    private final ModelConfig config;
    private final TransformerSpec spec;
    private final Backend backend;
    private final Weight embedding;
    private final LayerWeights[] layers;
    private final Weight finalNorm;
    private final Weight outputHead;
    private final Rope rope;
    private final AttentionShape attentionShape;
    private final float eps;
    private final long parameters;

    private Transformer(ModelConfig c, TransformerSpec spec, Backend backend, WeightStore store) {
        this.config = c;
        this.spec = spec;
        this.backend = backend;
        if (!"silu".equals(c.hiddenAct()) && !"swish".equals(c.hiddenAct())) {
            throw new CanalException(c.source() + ": hidden_act \"" + c.hiddenAct() + "\" is not supported by "
                    + spec.family() + " (supported: silu)");
        }
        if (c.mlpBias()) {
            throw new CanalException(c.source() + ": mlp_bias=true is not supported yet");
        }
        WeightBinder w = new WeightBinder(store, backend);
        int hidden = c.hiddenSize(), q = c.qDim(), kv = c.kvDim(), ffn = c.intermediateSize(), hd = c.headDim();
        this.embedding = w.matrix("model.embed_tokens.weight", c.vocabSize(), hidden);
        this.layers = new LayerWeights[c.numHiddenLayers()];
        for (int i = 0; i < layers.length; i++) {
            String p = "model.layers." + i + ".";
            layers[i] = new LayerWeights(
                    w.vector(p + "input_layernorm.weight", hidden),
                    w.matrix(p + "self_attn.q_proj.weight", q, hidden),
                    w.matrix(p + "self_attn.k_proj.weight", kv, hidden),
                    w.matrix(p + "self_attn.v_proj.weight", kv, hidden),
                    w.matrix(p + "self_attn.o_proj.weight", hidden, q),
                    spec.qkvBias() ? w.vector(p + "self_attn.q_proj.bias", q) : null,
                    spec.qkvBias() ? w.vector(p + "self_attn.k_proj.bias", kv) : null,
                    spec.qkvBias() ? w.vector(p + "self_attn.v_proj.bias", kv) : null,
                    spec.outputBias() ? w.vector(p + "self_attn.o_proj.bias", hidden) : null,
                    spec.qkNorm() ? w.vector(p + "self_attn.q_norm.weight", hd) : null,
                    spec.qkNorm() ? w.vector(p + "self_attn.k_norm.weight", hd) : null,
                    w.vector(p + "post_attention_layernorm.weight", hidden),
                    w.matrix(p + "mlp.gate_proj.weight", ffn, hidden),
                    w.matrix(p + "mlp.up_proj.weight", ffn, hidden),
                    w.matrix(p + "mlp.down_proj.weight", hidden, ffn));
        }
        this.finalNorm = w.vector("model.norm.weight", hidden);
        // Tied models may still ship lm_head.weight (a copy); an untied model must.
        this.outputHead = c.tieWordEmbeddings() && !w.has("lm_head.weight")
                ? embedding : w.matrix("lm_head.weight", c.vocabSize(), hidden);
        this.parameters = w.parameters();
        this.rope = Rope.of(c, spec.neoxRope());
        this.attentionShape = new AttentionShape(c.numAttentionHeads(), c.numKeyValueHeads(), hd,
                (float) (1.0 / Math.sqrt(hd)), spec.slidingWindow());
        this.eps = (float) c.rmsNormEps();
    }

    public static Transformer load(ModelConfig config, WeightStore store, Backend backend, TransformerSpec spec) {
        return new Transformer(config, spec, backend, store);
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    public TransformerSpec spec() {
        return spec;
    }

    /** Weights bound, the output head counted once when tied. */
    public long parameters() {
        return parameters;
    }

    @Override
    public InferenceState newState(int contextLength, int maxBatch) {
        return new State(contextLength, maxBatch);
    }

    @Override
    public void forward(InferenceState state, int[] tokens, int count, int startPos, float[] logits) {
        State s = (State) state;
        if (count < 1 || count > s.maxBatch) {
            throw new IllegalArgumentException("count " + count + " outside [1, " + s.maxBatch + "]");
        }
        if (startPos < 0 || startPos + count > s.contextLength) {
            throw new CanalException("context full: positions " + startPos + ".." + (startPos + count)
                    + " exceed the context length " + s.contextLength);
        }
        Backend b = backend;
        b.embed(s.x, embedding, tokens, count);
        for (int l = 0; l < layers.length; l++) {
            LayerWeights w = layers[l];
            // attention block
            b.rmsNorm(s.h, s.x, w.attnNorm(), eps, count);
            b.matmul(s.q, s.h, w.wq(), count);
            b.matmul(s.k, s.h, w.wk(), count);
            b.matmul(s.v, s.h, w.wv(), count);
            if (w.bq() != null) {
                b.addBias(s.q, w.bq(), count);
                b.addBias(s.k, w.bk(), count);
                b.addBias(s.v, w.bv(), count);
            }
            if (w.qNorm() != null) {
                b.rmsNorm(s.q, s.q, w.qNorm(), eps, count);
                b.rmsNorm(s.k, s.k, w.kNorm(), eps, count);
            }
            b.rope(s.q, config.numAttentionHeads(), rope, startPos, count);
            b.rope(s.k, config.numKeyValueHeads(), rope, startPos, count);
            b.attention(s.att, s.q, s.k, s.v, s.cache, l, startPos, count, attentionShape);
            b.matmul(s.h, s.att, w.wo(), count);
            if (w.bo() != null) b.addBias(s.h, w.bo(), count);
            b.add(s.x, s.h, count);
            // feed-forward block
            b.rmsNorm(s.h, s.x, w.ffnNorm(), eps, count);
            b.matmul(s.gate, s.h, w.wGate(), count);
            b.matmul(s.up, s.h, w.wUp(), count);
            b.swiglu(s.gate, s.up, count);
            b.matmul(s.h, s.gate, w.wDown(), count);
            b.add(s.x, s.h, count);
        }
        // Only the last token's logits are needed to pick the next one.
        b.copyRow(s.last, 0, s.x, count - 1);
        b.rmsNorm(s.last, s.last, finalNorm, eps, 1);
        b.matmul(s.logits, s.last, outputHead, 1);
        b.read(s.logits, 0, logits);
    }

    /** KV cache and scratch activations of one session. */
    private final class State implements InferenceState {
        final int contextLength;
        final int maxBatch;
        final KvCache cache;
        final Activations x, h, q, k, v, att, gate, up, last, logits;

        State(int contextLength, int maxBatch) {
            this.contextLength = contextLength;
            this.maxBatch = maxBatch;
            ModelConfig c = config;
            cache = backend.allocateKvCache(c.numHiddenLayers(), c.numKeyValueHeads(), c.headDim(), contextLength);
            x = backend.allocate(maxBatch, c.hiddenSize());
            h = backend.allocate(maxBatch, c.hiddenSize());
            q = backend.allocate(maxBatch, c.qDim());
            k = backend.allocate(maxBatch, c.kvDim());
            v = backend.allocate(maxBatch, c.kvDim());
            att = backend.allocate(maxBatch, c.qDim());
            gate = backend.allocate(maxBatch, c.intermediateSize());
            up = backend.allocate(maxBatch, c.intermediateSize());
            last = backend.allocate(1, c.hiddenSize());
            logits = backend.allocate(1, c.vocabSize());
        }

        @Override
        public int contextLength() {
            return contextLength;
        }

        @Override
        public int maxBatch() {
            return maxBatch;
        }
    }
}
