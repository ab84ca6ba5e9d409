package dev.canal.ggml.model;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.generate.ModelLoader;
import dev.canal.ggml.gguf.GgufWriter;
import dev.canal.ggml.quant.GgmlType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a GGUF file canal cannot run is told: one line naming the file and the key, tensor or value. */
class GgufModelErrorsTest {
    @TempDir
    Path dir;

    private CanalException opening(GgufWriter w, String... expectedParts) {
        Path file = TinyGguf.write(dir, "m.gguf", w);
        // Through the engine's loader: it must pick this format by the magic number, whatever the file is called.
        CanalException e = assertThrows(CanalException.class, () -> ModelLoader.open(file));
        String m = e.getMessage();
        assertTrue(m.startsWith(file.toString()), m);
        assertFalse(m.contains("\n"), "one line: " + m);
        for (String p : expectedParts) assertTrue(m.contains(p), "\"" + p + "\" not in: " + m);
        return e;
    }

    @Test
    void unknownArchitectureListsTheSupportedOnes() {
        opening(TinyGguf.base("gpt2"), "general.architecture \"gpt2\" is not supported",
                "llama", "mistral", "qwen2", "qwen3");
    }

    @Test
    void missingArchitectureKey() {
        opening(new GgufWriter().putString("general.name", "x"), "missing metadata key general.architecture");
    }

    @Test
    void missingHyperparameterNamesTheKey() {
        GgufWriter w = new GgufWriter().putString("general.architecture", "llama")
                .putUint32("llama.context_length", 256).putUint32("llama.block_count", 2)
                .putUint32("llama.feed_forward_length", 128).putUint32("llama.attention.head_count", 4);
        opening(w, "missing metadata key llama.embedding_length");
    }

    @Test
    void noVocabularySize() {
        opening(TinyGguf.withoutVocabSize("llama"), "neither llama.vocab_size, tokenizer.ggml.tokens nor token_embd.weight");
    }

    @Test
    void wronglyTypedOrZeroHyperparameters() {
        opening(TinyGguf.base("llama").putString("llama.block_count", "two"), "llama.block_count", "expected an integer");
        opening(TinyGguf.base("llama").putUint32("llama.attention.head_count_kv", 3),
                "head_count 4 is not a multiple of llama.attention.head_count_kv 3");
        opening(TinyGguf.base("llama").putUint32("llama.feed_forward_length", 0), "llama.feed_forward_length = 0");
        opening(TinyGguf.base("llama").putString("llama.rope.scaling.type", "longrope")
                .putFloat32("llama.rope.scaling.factor", 2f), "rope.scaling.type \"longrope\" is not supported");
    }

    @Test
    void unsupportedTensorTypeIsRefusedWithWhatWorks() {
        GgufWriter w = TinyGguf.base("llama");
        TinyGguf.zeros(w, "blk.0.attn_q.weight", GgmlType.Q2_K, 256, 4);
        opening(w, "blk.0.attn_q.weight is Q2_K", "which canal does not run yet", "Q8_0", "Q4_K");
    }

    @Test
    void ropeFrequencyFactorsThatAreNotLlama3ScalingAreRefused() {
        float[] factors = GgufModelConfigTest.converterFactors(500000.0, 16, 8.0, 1.0, 2.0, 8192);
        GgufWriter w = TinyGguf.base("llama").putFloat32("llama.rope.freq_base", 500000f);
        w.addTensor(RopeFrequencyFactors.TENSOR, GgmlType.F32, new long[] {8}, GgufModelConfigTest.floats(factors));
        opening(w, "rope_freqs.weight", "Llama 3 scaling", "canal runs only that scaling");

        GgufWriter wrongSize = TinyGguf.base("llama");
        TinyGguf.zeros(wrongSize, RopeFrequencyFactors.TENSOR, GgmlType.F32, 5);
        opening(wrongSize, "rope_freqs.weight", "expected F32[8]");
    }
}
