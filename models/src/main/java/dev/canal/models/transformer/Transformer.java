package dev.canal.models.transformer;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.backend.Activations;
import dev.canal.engine.backend.AttentionShape;
import dev.canal.engine.backend.Backend;
import dev.canal.engine.backend.KvCache;
import dev.canal.engine.backend.Placement;
import dev.canal.engine.backend.Rope;
import dev.canal.engine.backend.Weight;
import dev.canal.engine.config.ModelConfig;
import dev.canal.engine.spi.DecoderModel;
import dev.canal.engine.spi.InferenceState;
import dev.canal.engine.weights.WeightStore;

/**
 * The pre-norm decoder shared by Llama, Mistral, Qwen2 and Qwen3: RMSNorm → attention (GQA, RoPE) → residual →
 * RMSNorm → SwiGLU MLP → residual, then a final RMSNorm and the output head. Families differ only in what
 * {@link TransformerSpec} says. Tensor names are Hugging Face's. Each layer runs on the backend its
 * {@link Placement} gives it; where the layers are split between two, the residual stream crosses once.
 */
public final class Transformer implements DecoderModel {
    private final ModelConfig config;
    private final TransformerSpec spec;
    private final Placement placement;
    private final Weight embedding;
    private final LayerWeights[] layers;
    private final Weight finalNorm;
    private final Weight outputHead;
    private final Rope rope;
    private final AttentionShape attentionShape;
    private final float eps;
    private final long parameters;

    private Transformer(ModelConfig c, TransformerSpec spec, Placement placement, WeightStore store) {
        this.config = c;
        this.spec = spec;
        this.placement = placement;
        if (!"silu".equals(c.hiddenAct()) && !"swish".equals(c.hiddenAct())) {
            throw new CanalException(c.source() + ": hidden_act \"" + c.hiddenAct() + "\" is not supported by "
                    + spec.family() + " (supported: silu)");
        }
        if (c.mlpBias()) {
            throw new CanalException(c.source() + ": mlp_bias=true is not supported yet");
        }
        WeightBinder first = new WeightBinder(store, placement.first());
        int hidden = c.hiddenSize(), q = c.qDim(), kv = c.kvDim(), ffn = c.intermediateSize(), hd = c.headDim();
        this.embedding = first.matrix("model.embed_tokens.weight", c.vocabSize(), hidden);
        this.layers = new LayerWeights[c.numHiddenLayers()];
        for (int i = 0; i < layers.length; i++) {
            String p = "model.layers." + i + ".";
            WeightBinder w = first.on(placement.layer(i));
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
        WeightBinder last = first.on(placement.last());
        this.finalNorm = last.vector("model.norm.weight", hidden);
        // Tied models may still ship lm_head.weight (a copy); an untied model must. A tied head on another backend
        // than the embedding is bound there too.
        boolean tied = c.tieWordEmbeddings() && !last.has("lm_head.weight");
        this.outputHead = tied && !placement.split() ? embedding
                : last.matrix(tied ? "model.embed_tokens.weight" : "lm_head.weight", c.vocabSize(), hidden);
        this.parameters = first.parameters();
        this.rope = Rope.of(c, spec.neoxRope());
        this.attentionShape = new AttentionShape(c.numAttentionHeads(), c.numKeyValueHeads(), hd,
                (float) (1.0 / Math.sqrt(hd)), spec.slidingWindow());
        this.eps = (float) c.rmsNormEps();
    }

    public static Transformer load(ModelConfig config, WeightStore store, Placement placement,
                                   TransformerSpec spec) {
        return new Transformer(config, spec, placement, store);
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
        placement.last().read(logitsOf(s, tokens, count, startPos), 0, logits);
    }

    /** Selects the k best logits on the head's backend: a GPU downloads k candidates, not the vocabulary. */
    @Override
    public void forwardTopK(InferenceState state, int[] tokens, int count, int startPos, int k, float[] values,
                            int[] ids) {
        State s = (State) state;
        placement.last().topK(logitsOf(s, tokens, count, startPos), 0, k, values, ids);
    }

    /** Runs the tokens through the layers and the head; the last token's logits are left in row 0 of the result. */
    private Activations logitsOf(State s, int[] tokens, int count, int startPos) {
        if (count < 1 || count > s.maxBatch) {
            throw new IllegalArgumentException("count " + count + " outside [1, " + s.maxBatch + "]");
        }
        if (startPos < 0 || startPos + count > s.contextLength) {
            throw new CanalException("context full: positions " + startPos + ".." + (startPos + count)
                    + " exceed the context length " + s.contextLength);
        }
        Scratch on = s.firstScratch; // the embedding is bound to the first backend, whatever layer 0's is
        on.backend.embed(on.x, embedding, tokens, count);
        for (int l = 0; l < layers.length; l++) {
            LayerWeights w = layers[l];
            Scratch was = on;
            on = s.scratch(l);
            if (on != was) handOver(was, on, count, s.row);
            Backend b = on.backend;
            int cacheLayer = l - on.firstLayer;
            // attention block
            b.rmsNorm(on.h, on.x, w.attnNorm(), eps, count);
            b.matmul(on.q, on.h, w.wq(), count);
            b.matmul(on.k, on.h, w.wk(), count);
            b.matmul(on.v, on.h, w.wv(), count);
            if (w.bq() != null) {
                b.addBias(on.q, w.bq(), count);
                b.addBias(on.k, w.bk(), count);
                b.addBias(on.v, w.bv(), count);
            }
            if (w.qNorm() != null) {
                b.rmsNorm(on.q, on.q, w.qNorm(), eps, count);
                b.rmsNorm(on.k, on.k, w.kNorm(), eps, count);
            }
            b.rope(on.q, config.numAttentionHeads(), rope, startPos, count);
            b.rope(on.k, config.numKeyValueHeads(), rope, startPos, count);
            b.attention(on.att, on.q, on.k, on.v, on.cache, cacheLayer, startPos, count, attentionShape);
            b.matmul(on.h, on.att, w.wo(), count);
            if (w.bo() != null) b.addBias(on.h, w.bo(), count);
            b.add(on.x, on.h, count);
            // feed-forward block
            b.rmsNorm(on.h, on.x, w.ffnNorm(), eps, count);
            b.matmul(on.gate, on.h, w.wGate(), count);
            b.matmul(on.up, on.h, w.wUp(), count);
            b.swiglu(on.gate, on.up, count);
            b.matmul(on.h, on.gate, w.wDown(), count);
            b.add(on.x, on.h, count);
        }
        // Only the last token's logits are needed to pick the next one.
        Backend head = placement.last();
        if (on.backend == head) {
            head.copyRow(s.last, 0, on.x, count - 1);
        } else {
            on.backend.read(on.x, count - 1, s.row);
            head.write(s.last, 0, s.row);
        }
        head.rmsNorm(s.last, s.last, finalNorm, eps, 1);
        head.matmul(s.logits, s.last, outputHead, 1);
        return s.logits;
    }

    /** The residual stream's rows cross from one backend's scratch to the next's, through the host. */
    private static void handOver(Scratch from, Scratch to, int rows, float[] row) {
        for (int r = 0; r < rows; r++) {
            from.backend.read(from.x, r, row);
            to.backend.write(to.x, r, row);
        }
    }

    /** KV cache and scratch activations of one session: one {@link Scratch} per backend, the head's on the last. */
    private final class State implements InferenceState {
        final int contextLength;
        final int maxBatch;
        final Scratch firstScratch, lastScratch;
        final Activations last, logits;
        final float[] row; // a residual row crossing between backends

        State(int contextLength, int maxBatch) {
            this.contextLength = contextLength;
            this.maxBatch = maxBatch;
            int onFirst = placement.split() ? Math.min(placement.firstOnLast(), layers.length) : layers.length;
            firstScratch = new Scratch(placement.first(), 0, onFirst, contextLength, maxBatch);
            // Where the last backend holds only the output head, it needs no KV cache or layer activations.
            lastScratch = onFirst < layers.length
                    ? new Scratch(placement.last(), onFirst, layers.length - onFirst, contextLength, maxBatch)
                    : firstScratch;
            last = placement.last().allocate(1, config.hiddenSize());
            logits = placement.last().allocate(1, config.vocabSize());
            row = new float[config.hiddenSize()];
        }

        Scratch scratch(int layer) {
            return placement.layer(layer) == firstScratch.backend ? firstScratch : lastScratch;
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

    /** One backend's activations and the KV cache of its layers, {@code [firstLayer, firstLayer + layers)}. */
    private final class Scratch {
        final Backend backend;
        final int firstLayer;
        final KvCache cache;
        final Activations x, h, q, k, v, att, gate, up;

        Scratch(Backend backend, int firstLayer, int layers, int contextLength, int maxBatch) {
            ModelConfig c = config;
            this.backend = backend;
            this.firstLayer = firstLayer;
            // none where this backend holds only the embedding (every layer on the next one)
            cache = layers > 0 ? backend.allocateKvCache(layers, c.numKeyValueHeads(), c.headDim(), contextLength)
                    : null;
            x = backend.allocate(maxBatch, c.hiddenSize());
            h = backend.allocate(maxBatch, c.hiddenSize());
            q = backend.allocate(maxBatch, c.qDim());
            k = backend.allocate(maxBatch, c.kvDim());
            v = backend.allocate(maxBatch, c.kvDim());
            att = backend.allocate(maxBatch, c.qDim());
            gate = backend.allocate(maxBatch, c.intermediateSize());
            up = backend.allocate(maxBatch, c.intermediateSize());
        }
    }
}
