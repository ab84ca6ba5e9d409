package dev.canal.ggml.quant;

import dev.canal.engine.backend.cpu.CpuBackend;
import dev.canal.engine.config.ModelConfig;
import dev.canal.engine.spi.DecoderModel;
import dev.canal.engine.spi.InferenceState;
import dev.canal.engine.tensor.DType;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.weights.SafetensorsStore;
import dev.canal.engine.weights.WeightStore;
import dev.canal.engine.testing.Fixtures;
import dev.canal.models.llama.Llama;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * End to end: the real stories260K Llama with every matrix whose rows are a multiple of 32 re-encoded as Q8_0 (all
 * but the MLP down projections, whose rows are 172 long; the tied embedding / output head included), run through the
 * engine's CPU backend, against the same model whose weights are those Q8_0 values dequantized to dense F32. Both
 * compute with identical weight values, so any difference is the kernels': float summation order (the Q8_0 dot
 * sums per block, then scales) and, for a format with quantized activations, the int8 rounding of the activations.
 *
 * <p>Tolerance on logits: with the same weight values on both sides only float32 rounding differs — per product
 * chain about 2⁻²⁴ · Σ|wᵢxᵢ| times a small factor, carried through five layers; measured max |Δlogit| ≈ 5e-7 of the
 * logit scale. The bound asserted, 1e-4 · max |logit|, leaves two orders of magnitude of headroom yet fails on any
 * misread block or row (which moves logits by a sizable fraction of their scale) and on a switch to int8-rounded
 * activations, whose error (up to amax/254 per element) is far larger and would need a new justification. The
 * greedy tokens must match exactly. A batched prefill of 20 tokens (rows dequantized once per panel, F32 kernel) is
 * held to the same bound.
 */
class QuantizedStoriesTest {
    private static final Path DIR = Fixtures.models().resolve("stories260K-hf-derived");
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int TOKENS = 60;
    private static final int LOGIT_POSITIONS = 10;
    private static final int PREFILL = 20;
    private static final double RELATIVE_TOLERANCE = 1e-4;
    private static final int BOS = 1;

    @Test
    void q8WeightsGenerateWhatTheirDequantizedValuesGenerate() {
        ModelConfig config = ModelConfig.read(DIR.resolve("config.json"));
        QuantFormat q8 = QuantFormats.of(GgmlType.Q8_0);
        try (Arena arena = Arena.ofShared(); SafetensorsStore source = SafetensorsStore.open(DIR);
             CpuBackend backend = new CpuBackend(2)) {
            Map<String, Tensor> quantized = new HashMap<>();
            Map<String, Tensor> dequantized = new HashMap<>();
            for (String name : source.names()) {
                Tensor t = source.tensor(name);
                if (t.rank() == 2 && t.dim(1) % q8.blockSize() == 0) {
                    assertEquals(DType.F32, t.dtype(), name);
                    Tensor q = quantize(arena, q8, t);
                    quantized.put(name, q);
                    dequantized.put(name, dequantize(arena, q8, q));
                } else {
                    quantized.put(name, t);
                    dequantized.put(name, t);
                }
            }
            assertTrue(quantized.values().stream().filter(t -> t.dtype() == DType.BLOCK).count() >= 5 * 6 + 1,
                    "q, k, v, o, gate, up of 5 layers and the embedding are Q8_0");
            try (DecoderModel reference = new Llama().load(config, new MapStore(source, dequantized), backend);
                 DecoderModel model = new Llama().load(config, new MapStore(source, quantized), backend)) {
                float[][] want = greedy(reference);
                float[][] got = greedy(model);
                int[] wantTokens = argmaxes(want);
                assertArrayEquals(wantTokens, argmaxes(got), "greedy tokens");

                double maxDiff = 0;
                double scale = 0;
                for (int p = 0; p < LOGIT_POSITIONS; p++) {
                    for (int i = 0; i < want[p].length; i++) {
                        maxDiff = Math.max(maxDiff, Math.abs(want[p][i] - got[p][i]));
                        scale = Math.max(scale, Math.abs(want[p][i]));
                    }
                }
                System.out.printf("stories260K Q8_0 vs dequantized F32: greedy %d tokens equal; max |dlogit| %.3g "
                        + "over %d positions, logit scale %.3g, relative %.3g%n", TOKENS, maxDiff, LOGIT_POSITIONS,
                        scale, maxDiff / scale);
                assertTrue(maxDiff <= RELATIVE_TOLERANCE * scale, "max |dlogit| " + maxDiff + " vs scale " + scale);

                // BOS and the first PREFILL - 1 generated tokens in one batch: logits of the last position
                int[] prompt = new int[PREFILL];
                prompt[0] = BOS;
                System.arraycopy(wantTokens, 0, prompt, 1, PREFILL - 1);
                float[] prefilled = new float[want[0].length];
                model.forward(model.newState(PREFILL, PREFILL), prompt, PREFILL, 0, prefilled);
                double prefillDiff = 0;
                double prefillScale = 0;
                for (int i = 0; i < prefilled.length; i++) {
                    prefillDiff = Math.max(prefillDiff, Math.abs(want[PREFILL - 1][i] - prefilled[i]));
                    prefillScale = Math.max(prefillScale, Math.abs(want[PREFILL - 1][i]));
                }
                System.out.printf("batched prefill of %d: max |dlogit| %.3g, relative %.3g%n", PREFILL, prefillDiff,
                        prefillDiff / prefillScale);
                assertTrue(prefillDiff <= RELATIVE_TOLERANCE * prefillScale,
                        "prefill: max |dlogit| " + prefillDiff + " vs scale " + prefillScale);
            }
        }
    }

    /** Greedy decoding from BOS, one token per forward: the logits after each of the {@link #TOKENS} steps. */
    private static float[][] greedy(DecoderModel model) {
        InferenceState state = model.newState(TOKENS + 1, 1);
        float[][] logits = new float[TOKENS][model.config().vocabSize()];
        int token = BOS;
        for (int pos = 0; pos < TOKENS; pos++) {
            model.forward(state, new int[] {token}, 1, pos, logits[pos]);
            token = argmax(logits[pos]);
        }
        return logits;
    }

    private static int[] argmaxes(float[][] logits) {
        int[] t = new int[logits.length];
        for (int i = 0; i < logits.length; i++) t[i] = argmax(logits[i]);
        return t;
    }

    private static int argmax(float[] a) {
        int best = 0;
        for (int i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
        return best;
    }

    private static Tensor quantize(Arena arena, QuantFormat f, Tensor t) {
        int rows = (int) t.dim(0);
        int cols = (int) t.dim(1);
        float[] values = new float[rows * cols];
        MemorySegment.copy(t.data(), F32, 0, values, 0, values.length);
        return CpuBackendBlockTest.quantize(arena, f, t.name(), values, rows, cols);
    }

    private static Tensor dequantize(Arena arena, QuantFormat f, Tensor q) {
        int rows = (int) q.dim(0);
        int cols = (int) q.dim(1);
        float[] values = CpuBackendBlockTest.dequantize(f, q.data(), rows, cols);
        MemorySegment data = arena.allocate((long) values.length * 4, 4);
        MemorySegment.copy(values, 0, data, F32, 0, values.length);
        return new Tensor(q.name(), DType.F32, q.shape(), data);
    }

    /** The source store's names with replaced tensors; closing it leaves the source open (the test closes it). */
    private record MapStore(WeightStore base, Map<String, Tensor> tensors) implements WeightStore {
        @Override
        public String source() {
            return base.source() + " (re-encoded)";
        }

        @Override
        public Set<String> names() {
            return tensors.keySet();
        }

        @Override
        public Optional<Tensor> find(String name) {
            return Optional.ofNullable(tensors.get(name));
        }

        @Override
        public void close() {
        }
    }
}
