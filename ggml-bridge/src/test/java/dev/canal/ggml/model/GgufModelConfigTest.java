package dev.canal.ggml.model;

import dev.canal.engine.backend.Rope;
import dev.canal.engine.config.ModelConfig;
import dev.canal.engine.config.RopeScaling;
import dev.canal.ggml.gguf.GgufWriter;
import dev.canal.ggml.quant.GgmlType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GGUF hyperparameters → the Hugging Face config each architecture reads. */
class GgufModelConfigTest {
    @TempDir
    Path dir;

    @Test
    void qwen2IsTheHuggingFaceClassWithBiasesAndNeoxRope() {
        GgufWriter w = TinyGguf.base("qwen2").putFloat32("qwen2.rope.freq_base", 1_000_000f)
                .putUint32("qwen2.vocab_size", 1000);
        TinyGguf.zeros(w, "output.weight", GgmlType.F32, 64, 1000);
        TinyGguf.withFile(dir, w, f -> {
            ModelConfig c = GgufModelConfig.from(f);
            assertEquals(List.of("Qwen2ForCausalLM"), c.architectures());
            assertEquals("qwen2", c.modelType());
            assertTrue(c.attentionBias());
            assertFalse(c.ropeInterleaved(), "Qwen files keep Hugging Face's rotate_half pairing");
            assertFalse(c.tieWordEmbeddings(), "output.weight present");
            assertEquals(1_000_000.0, c.ropeTheta());
            assertEquals(1000, c.vocabSize());
            assertEquals(16, c.headDim(), "embedding_length / head_count");
            assertEquals(1e-6, c.rmsNormEps(), 1e-12);
        });
    }

    @Test
    void qwen3HeadSizeComesFromKeyLengthAndYarnScalingIsRead() {
        GgufWriter w = TinyGguf.withoutVocabSize("qwen3").putUint32("qwen3.attention.key_length", 32)
                .putUint32("qwen3.attention.value_length", 32)
                .putString("qwen3.rope.scaling.type", "yarn").putFloat32("qwen3.rope.scaling.factor", 4f)
                .putUint32("qwen3.rope.scaling.original_context_length", 32768);
        TinyGguf.zeros(w, "token_embd.weight", GgmlType.F32, 64, 300);
        TinyGguf.withFile(dir, w, f -> {
            ModelConfig c = GgufModelConfig.from(f);
            assertEquals(List.of("Qwen3ForCausalLM"), c.architectures());
            assertEquals(32, c.headDim());
            assertEquals(128, c.qDim());
            assertFalse(c.ropeInterleaved());
            assertTrue(c.tieWordEmbeddings(), "no output.weight: the embedding is the output head");
            assertEquals(300, c.vocabSize(), "token_embd rows when neither vocab_size nor tokens are given");
            RopeScaling s = c.ropeScaling();
            assertEquals("yarn", s.type());
            assertEquals(4.0, s.factor());
            assertEquals(32768, s.originalMaxPositionEmbeddings());
            assertEquals(32.0, s.betaFast());
            assertEquals(1.0, s.betaSlow());
        });
    }

    @Test
    void llamaLinearScalingPartialRotaryAndTheOldScaleKey() {
        GgufWriter w = TinyGguf.base("llama").putString("llama.rope.scaling.type", "linear")
                .putFloat32("llama.rope.scaling.factor", 2f).putUint32("llama.rope.dimension_count", 8);
        TinyGguf.withFile(dir, w, f -> {
            ModelConfig c = GgufModelConfig.from(f);
            assertEquals("linear", c.ropeScaling().type());
            assertEquals(2.0, c.ropeScaling().factor());
            assertEquals(0.5, c.partialRotaryFactor(), "8 of 16 dimensions rotate");
            assertTrue(c.ropeInterleaved());
            assertFalse(c.attentionBias());
        });
        GgufWriter old = TinyGguf.base("llama").putFloat32("llama.rope.scale_linear", 4f);
        TinyGguf.withFile(dir, old, f -> assertEquals(4.0, GgufModelConfig.from(f).ropeScaling().factor()));
        GgufWriter none = TinyGguf.base("llama").putString("llama.rope.scaling.type", "none");
        TinyGguf.withFile(dir, none, f -> assertNull(GgufModelConfig.from(f).ropeScaling()));
    }

    /**
     * Llama 3.1's rope_freqs.weight as llama.cpp's converter computes it (convert_hf_to_gguf.py, LlamaModel
     * generate_extra_tensors: float32 base frequencies, factors 1, `factor` or the smooth blend) must come back
     * as the Hugging Face "llama3" scaling, whose frequencies equal the base ones divided by the file's factors.
     */
    @Test
    void llama3FrequencyFactorsBecomeLlama3Scaling() {
        float[] factors = converterFactors(500000.0, 16, 8.0, 1.0, 4.0, 8192);
        GgufWriter w = TinyGguf.base("llama").putFloat32("llama.rope.freq_base", 500000f);
        w.addTensor(RopeFrequencyFactors.TENSOR, GgmlType.F32, new long[] {factors.length}, floats(factors));
        TinyGguf.withFile(dir, w, f -> {
            ModelConfig c = GgufModelConfig.from(f);
            assertEquals("llama3", c.ropeScaling().type());
            assertEquals(8.0, c.ropeScaling().factor());
            assertEquals(8192, c.ropeScaling().originalMaxPositionEmbeddings());
            float[] plain = Rope.of(unscaled(c), false).invFreq();
            float[] scaled = Rope.of(c, false).invFreq();
            for (int i = 0; i < factors.length; i++) {
                assertEquals(plain[i] / factors[i], scaled[i], 1e-6f * plain[i], "pair " + i);
            }
        });
    }

    @Test
    void unitFrequencyFactorsChangeNothing() {
        float[] ones = new float[8];
        java.util.Arrays.fill(ones, 1f);
        GgufWriter w = TinyGguf.base("llama");
        w.addTensor(RopeFrequencyFactors.TENSOR, GgmlType.F32, new long[] {8}, floats(ones));
        TinyGguf.withFile(dir, w, f -> assertNull(GgufModelConfig.from(f).ropeScaling()));
    }

    static float[] converterFactors(double base, int headDim, double factor, double low, double high, int oldContext) {
        float[] out = new float[headDim / 2];
        double lowWavelen = oldContext / low, highWavelen = oldContext / high;
        for (int i = 0; i < out.length; i++) {
            float freq = (float) (1.0 / Math.pow(base, (float) (2 * i) / headDim));
            double wavelen = 2 * Math.PI / freq;
            if (wavelen < highWavelen) out[i] = 1f;
            else if (wavelen > lowWavelen) out[i] = (float) factor;
            else {
                double smooth = (oldContext / wavelen - low) / (high - low);
                out[i] = (float) (1 / ((1 - smooth) / factor + smooth));
            }
        }
        return out;
    }

    static MemorySegment floats(float[] v) {
        MemorySegment s = MemorySegment.ofArray(new byte[v.length * 4]);
        for (int i = 0; i < v.length; i++) s.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, v[i]);
        return s;
    }

    private static ModelConfig unscaled(ModelConfig c) {
        return new ModelConfig(c.source(), c.architectures(), c.modelType(), c.hiddenSize(), c.intermediateSize(),
                c.numHiddenLayers(), c.numAttentionHeads(), c.numKeyValueHeads(), c.headDim(), c.vocabSize(),
                c.maxPositionEmbeddings(), c.rmsNormEps(), c.ropeTheta(), null, c.partialRotaryFactor(), c.hiddenAct(),
                c.attentionBias(), c.mlpBias(), c.tieWordEmbeddings(), c.slidingWindow(), c.ropeInterleaved(),
                c.torchDtype(), c.bosTokenIds(), c.eosTokenIds(), c.quantizationConfig(), c.raw());
    }
}
