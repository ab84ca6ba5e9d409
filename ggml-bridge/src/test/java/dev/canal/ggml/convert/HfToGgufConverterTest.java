package dev.canal.ggml.convert;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.tensor.Floats;
import dev.canal.engine.tensor.Tensor;
import dev.canal.engine.weights.SafetensorsStore;
import dev.canal.ggml.gguf.GgufFile;
import dev.canal.ggml.gguf.GgufTensor;
import dev.canal.ggml.quant.GgmlType;
import dev.canal.ggml.quant.QuantFormats;
import dev.canal.engine.testing.Fixtures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Converts the real stories260K checkpoint (HF layout) and checks the GGUF against two independent references:
 * the HF safetensors rows (permuted here with the numpy formula spelled out) and llama.cpp's own stories260K.gguf,
 * converted from llama2.c's original weights, whose Q/K rows are in the order our inverse permutation must recover.
 */
class HfToGgufConverterTest {
    @TempDir
    static Path tmp;

    static Path hfDir;
    static Path originalGguf;

    @BeforeAll
    static void fixtures() {
        hfDir = Fixtures.models().resolve("stories260K-hf-derived");
        originalGguf = Fixtures.models().resolve("stories260K-gguf/stories260K.gguf");
    }

    private static Path convert(TargetType type) {
        Path out = tmp.resolve("stories-" + type.cliName() + ".gguf");
        if (!Files.exists(out)) {
            new HfToGgufConverter(type, new PrintStream(new ByteArrayOutputStream())).convert(hfDir, out);
        }
        return out;
    }

    @Test
    void f16MetadataAsLlamaCppExpects() {
        try (GgufFile g = GgufFile.open(convert(TargetType.F16)); GgufFile orig = GgufFile.open(originalGguf)) {
            assertEquals(3, g.version());
            assertEquals("llama", g.getString("general.architecture"));
            assertEquals("stories260K-hf-derived", g.getString("general.name"));
            assertEquals(1, g.getInt("general.file_type"));
            assertEquals(512, g.getInt("llama.context_length"));
            assertEquals(64, g.getInt("llama.embedding_length"));
            assertEquals(5, g.getInt("llama.block_count"));
            assertEquals(172, g.getInt("llama.feed_forward_length"));
            assertEquals(8, g.getInt("llama.attention.head_count"));
            assertEquals(4, g.getInt("llama.attention.head_count_kv"));
            assertEquals(8, g.getInt("llama.attention.key_length"));
            assertEquals(8, g.getInt("llama.attention.value_length"));
            assertEquals(8, g.getInt("llama.rope.dimension_count"));
            assertEquals(512, g.getInt("llama.vocab_size"));
            assertEquals(1e-5f, g.getFloat("llama.attention.layer_norm_rms_epsilon"));
            assertEquals(10000f, g.getFloat("llama.rope.freq_base"));
            assertFalse(g.has("llama.rope.scaling.type"));

            assertEquals("llama", g.getString("tokenizer.ggml.model"));
            assertEquals("default", g.getString("tokenizer.ggml.pre"));
            // The vocabulary, types and (rebuilt) scores equal llama.cpp's conversion of the original tokenizer.
            assertEquals(orig.getStringArray("tokenizer.ggml.tokens"), g.getStringArray("tokenizer.ggml.tokens"));
            assertArrayEquals(orig.getIntArray("tokenizer.ggml.token_type"), g.getIntArray("tokenizer.ggml.token_type"));
            assertArrayEquals(orig.getFloatArray("tokenizer.ggml.scores"), g.getFloatArray("tokenizer.ggml.scores"));
            assertEquals(1, g.getInt("tokenizer.ggml.bos_token_id"));
            assertEquals(2, g.getInt("tokenizer.ggml.eos_token_id"));
            assertEquals(0, g.getInt("tokenizer.ggml.unknown_token_id"));
            assertTrue(g.getBool("tokenizer.ggml.add_bos_token"));
            assertFalse(g.getBool("tokenizer.ggml.add_eos_token"));
            assertFalse(g.has("tokenizer.ggml.merges"));
            assertFalse(g.has("tokenizer.chat_template"), "stories260K has no chat template");
        }
    }

    @Test
    void f16TensorNamesShapesAndTypes() {
        try (GgufFile g = GgufFile.open(convert(TargetType.F16))) {
            Map<String, GgufTensor> t = g.tensors();
            assertEquals(2 + 5 * 9, t.size(), t.keySet().toString());
            assertEquals("token_embd.weight", t.keySet().iterator().next());
            assertFalse(t.containsKey("output.weight"), "tied embeddings: llama.cpp reuses token_embd");
            assertTensor(t, "token_embd.weight", GgmlType.F16, 64, 512);
            assertTensor(t, "output_norm.weight", GgmlType.F32, 64);
            for (int l = 0; l < 5; l++) {
                String b = "blk." + l + ".";
                assertTensor(t, b + "attn_q.weight", GgmlType.F16, 64, 64);
                assertTensor(t, b + "attn_k.weight", GgmlType.F16, 64, 32);
                assertTensor(t, b + "attn_v.weight", GgmlType.F16, 64, 32);
                assertTensor(t, b + "attn_output.weight", GgmlType.F16, 64, 64);
                assertTensor(t, b + "ffn_gate.weight", GgmlType.F16, 64, 172);
                assertTensor(t, b + "ffn_up.weight", GgmlType.F16, 64, 172);
                assertTensor(t, b + "ffn_down.weight", GgmlType.F16, 172, 64);
                assertTensor(t, b + "attn_norm.weight", GgmlType.F32, 64);
                assertTensor(t, b + "ffn_norm.weight", GgmlType.F32, 64);
            }
        }
    }

    private static void assertTensor(Map<String, GgufTensor> t, String name, GgmlType type, long... ne) {
        GgufTensor x = t.get(name);
        assertTrue(x != null, "missing " + name);
        assertEquals(type, x.type(), name);
        assertArrayEquals(ne, x.ne(), name);
    }

    /** attn_q/attn_k rows are the HF rows permuted as numpy's reshape(n_head, 2, half, cols).swapaxes(1, 2) does. */
    @Test
    void f16QkRowsArePermutedHfRows() {
        try (GgufFile g = GgufFile.open(convert(TargetType.F16)); SafetensorsStore hf = SafetensorsStore.open(hfDir)) {
            for (int l = 0; l < 5; l++) {
                checkPermuted(g.tensor("blk." + l + ".attn_q.weight"),
                        hf.tensor("model.layers." + l + ".self_attn.q_proj.weight"), 8);
                checkPermuted(g.tensor("blk." + l + ".attn_k.weight"),
                        hf.tensor("model.layers." + l + ".self_attn.k_proj.weight"), 4);
            }
        }
    }

    private static void checkPermuted(GgufTensor gguf, Tensor hf, int heads) {
        int rows = (int) hf.dim(0);
        int cols = (int) hf.dim(1);
        int half = rows / heads / 2;
        boolean anyMoved = false;
        // numpy: out[h][i][j][c] = w[h][j][i][c] for w viewed as (heads, 2, half, cols), out as (heads, half, 2, cols).
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < half; i++) {
                for (int j = 0; j < 2; j++) {
                    int outRow = (h * half + i) * 2 + j;
                    int inRow = (h * 2 + j) * half + i;
                    anyMoved |= outRow != inRow;
                    for (int c = 0; c < cols; c++) {
                        float expected = Float.float16ToFloat(Float.floatToFloat16(Floats.get(hf, (long) inRow * cols + c)));
                        float actual = Float.float16ToFloat(gguf.data().get(Floats.I16_LE, 2L * ((long) outRow * cols + c)));
                        assertEquals(expected, actual, gguf.name() + " row " + outRow + " col " + c);
                    }
                }
            }
        }
        assertTrue(anyMoved, "the permutation must move rows");
    }

    /** F32: every tensor equals llama.cpp's GGUF of the original llama2.c weights, bit for bit. */
    @Test
    void f32EqualsTheOriginalGgufBitForBit() {
        try (GgufFile g = GgufFile.open(convert(TargetType.F32)); GgufFile orig = GgufFile.open(originalGguf)) {
            assertEquals(0, g.getInt("general.file_type"));
            for (GgufTensor t : g.tensors().values()) {
                GgufTensor o = orig.tensor(t.name());
                assertEquals(GgmlType.F32, t.type());
                assertArrayEquals(o.ne(), t.ne(), t.name());
                assertEquals(-1, t.data().mismatch(o.data()), t.name() + " differs from llama.cpp's stories260K.gguf");
            }
        }
    }

    /** Q8_0 / Q4_0 bytes are ggml's reference quantization of the original rows; rows of 172 fall back to F16. */
    @Test
    void q8AndQ4BytesAreTheReferenceQuantization() {
        for (TargetType type : List.of(TargetType.Q8_0, TargetType.Q4_0)) {
            try (GgufFile g = GgufFile.open(convert(type)); GgufFile orig = GgufFile.open(originalGguf)) {
                assertEquals(type.fileType(), g.getInt("general.file_type"));
                assertEquals(2, g.getInt("general.quantization_version"));
                int quantized = 0;
                for (GgufTensor t : g.tensors().values()) {
                    GgufTensor o = orig.tensor(t.name());
                    GgmlType expectedType = o.rank() == 1 ? GgmlType.F32
                            : o.rowLength() % 32 == 0 ? type.ggmlType() : GgmlType.F16;
                    assertEquals(expectedType, t.type(), t.name());
                    assertEquals(-1, t.data().mismatch(encode(o, expectedType)), t.name() + " " + t.type());
                    if (expectedType == type.ggmlType()) quantized++;
                }
                assertEquals(1 + 5 * 6, quantized, "token_embd and all 2-D weights but ffn_down");
                assertEquals(GgmlType.F16, g.tensor("blk.0.ffn_down.weight").type());
            }
        }
    }

    @Test
    void q4kAndQ6kFallBackLikeLlamaQuantizeWhenRowsAreShorterThan256() {
        try (GgufFile g = GgufFile.open(convert(TargetType.Q4_K))) {
            assertEquals(GgmlType.Q5_0, g.tensor("blk.0.attn_q.weight").type());
            assertEquals(GgmlType.F16, g.tensor("blk.0.ffn_down.weight").type());
            assertEquals(14, g.getInt("general.file_type"));
        }
        assertEquals(GgmlType.Q6_K, TargetType.Q6_K.typeFor(new long[] {256, 8}));
        assertEquals(GgmlType.Q8_0, TargetType.Q6_K.typeFor(new long[] {64, 8}));
        assertEquals(GgmlType.F16, TargetType.Q6_K.typeFor(new long[] {172, 8}));
        assertEquals(GgmlType.F32, TargetType.Q6_K.typeFor(new long[] {256}));
    }

    /** Encodes the original GGUF's F32 tensor row by row with the quant package (independently of RowEncoder). */
    private static MemorySegment encode(GgufTensor o, GgmlType type) {
        int n = (int) o.rowLength();
        long rows = o.rowCount();
        MemorySegment out = MemorySegment.ofArray(new byte[(int) (rows * type.rowBytes(n))]);
        float[] row = new float[n];
        for (long r = 0; r < rows; r++) {
            MemorySegment.copy(o.data(), Floats.F32_LE, r * n * 4L, row, 0, n);
            long at = r * type.rowBytes(n);
            switch (type) {
                case F32 -> MemorySegment.copy(row, 0, out, Floats.F32_LE, at, n);
                case F16 -> {
                    for (int i = 0; i < n; i++) out.set(Floats.I16_LE, at + 2L * i, Float.floatToFloat16(row[i]));
                }
                default -> QuantFormats.of(type).quantizeRow(row, 0, out, at, n);
            }
        }
        return out;
    }

    @Test
    void refusesAwqInputBeforeWritingAnything() {
        Path awq = Fixtures.models().resolve("stories260K-awq-derived");
        Path out = tmp.resolve("awq.gguf");
        CanalException e = assertThrows(CanalException.class,
                () -> new HfToGgufConverter(TargetType.F16, new PrintStream(new ByteArrayOutputStream())).convert(awq, out));
        assertTrue(e.getMessage().contains("model.layers.0.self_attn.") && e.getMessage().contains("AWQ-quantized")
                && e.getMessage().contains("original F32/F16/BF16"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertFalse(Files.exists(out));
        assertFalse(Files.exists(tmp.resolve("awq.gguf.partial")));
    }

    @Test
    void progressGoesToTheGivenStreamAndNoPartialFileRemains() {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Path out = tmp.resolve("bf16/stories.gguf");
        new HfToGgufConverter(TargetType.BF16, new PrintStream(log, true)).convert(hfDir, out);
        String text = log.toString();
        assertTrue(text.contains("[1/47] token_embd.weight") && text.contains("(q/k rows permuted)"), text);
        assertTrue(Files.exists(out));
        assertFalse(Files.exists(tmp.resolve("bf16/stories.gguf.partial")));
        try (GgufFile g = GgufFile.open(out)) {
            assertEquals(GgmlType.BF16, g.tensor("token_embd.weight").type());
            assertEquals(32, g.getInt("general.file_type"));
            GgufTensor t = g.tensor("blk.2.ffn_up.weight");
            try (GgufFile orig = GgufFile.open(originalGguf)) {
                GgufTensor o = orig.tensor("blk.2.ffn_up.weight");
                for (long i = 0; i < o.elementCount(); i++) {
                    float f = o.data().get(Floats.F32_LE, 4 * i);
                    assertEquals(Floats.toBf16(f), t.data().get(Floats.I16_LE, 2 * i), "element " + i);
                }
            }
        }
    }

    @Test
    void bf16RoundingMatchesGgml() {
        assertEquals((short) 0x3F80, RowEncoder.toBf16(1.0f));
        assertEquals((short) 0x3F80, RowEncoder.toBf16(Float.intBitsToFloat(0x3F808000))); // tie → even
        assertEquals((short) 0x3F82, RowEncoder.toBf16(Float.intBitsToFloat(0x3F818000))); // tie → even (up)
        assertEquals((short) 0x7FC1, RowEncoder.toBf16(Float.intBitsToFloat(0x7F810000))); // NaN stays NaN
    }
}
