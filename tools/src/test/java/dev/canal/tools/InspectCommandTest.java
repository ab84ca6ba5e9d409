package dev.canal.tools;

import dev.canal.engine.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InspectCommandTest {
    // stories260K: embeddings 512×64, 5 layers of q 64×64, k/v 32×64, o 64×64, gate/up 172×64, down 64×172 and
    // two norms of 64, a final norm of 64; tied output.
    private static final long PARAMETERS = 512 * 64 + 5 * (4096 + 2048 + 2048 + 4096 + 3 * 11008 + 2 * 64) + 64;

    @Test
    void hfDirectory() {
        Cli.Result r = Cli.run("inspect", Fixtures.stories().toString());
        assertEquals(0, r.exitCode(), r.stderr());
        List<String> lines = r.stdout().lines().toList();
        assertEquals("architecture: LlamaForCausalLM (llama): 5 layers, hidden 64, intermediate 172, 8 heads, "
                + "4 KV heads, head dim 8, vocab 512, context 512", lines.get(1));
        assertEquals(260_032, PARAMETERS);
        assertEquals("parameters:   260,032 (260.0K)", lines.get(2));
        assertEquals("bytes:        1,040,128 (1015.75 KiB)", lines.get(3)); // all F32
        assertEquals("tensors:      47 (F32 ×47)", lines.get(4));
        assertTrue(lines.get(6).matches("name +dtype +shape +size"), lines.get(6));
        assertTrue(lines.contains(
                "model.embed_tokens.weight                       F32      [512, 64]  128.00 KiB"), r.stdout());
        assertTrue(lines.contains(
                "model.layers.4.self_attn.k_proj.weight          F32      [32, 64]   8.00 KiB"), r.stdout());
        assertEquals(7 + 47, lines.size());
    }

    @Test
    void ggufFileShowsItsConfigAndTensorsUnderTheNamesCanalBinds() {
        Cli.Result r = Cli.run("inspect", Fixtures.model("stories260K-gguf").resolve("stories260K.gguf").toString());
        assertEquals(0, r.exitCode(), r.stderr());
        List<String> lines = r.stdout().lines().toList();
        assertTrue(lines.get(1).startsWith("architecture: LlamaForCausalLM (llama): 5 layers, hidden 64"), lines.get(1));
        // llama2.c's export keeps its own copy of the output head: 260,032 + 512 × 64 weights, 48 tensors.
        assertEquals("parameters:   292,800 (292.8K)", lines.get(2));
        assertEquals("tensors:      48 (F32 ×48)", lines.get(4));
        assertTrue(lines.contains(
                "model.layers.4.self_attn.k_proj.weight          F32      [32, 64]   8.00 KiB"), r.stdout());
        assertTrue(lines.contains(
                "lm_head.weight                                  F32      [512, 64]  128.00 KiB"), r.stdout());
    }

    @Test
    void awqLayersAreShownAsTheModelSeesThemAndCountTheWeightsOfTheOriginalModel() {
        Path dir = Fixtures.model("stories260K-awq-derived");
        Cli.Result r = Cli.run("inspect", dir.toString());
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.stdout().contains("\nquantization: awq (" + dir.resolve("config.json")
                + " quantization_config)\n"), r.stdout());
        assertTrue(r.stdout().contains("\nparameters:   260,032 (260.0K)\n"), r.stdout());
        // q/k/v/o of 5 layers: 60 packed tensors (qweight, qzeros, scales) shown as 20 weights
        assertTrue(r.stdout().contains("\ntensors:      47 (AWQ int4 g32 ×20, F16 ×27)\n"), r.stdout());
        // 64 × 64 codes of 4 bits + 2 groups × 64 F16 scales + 2 × 8 I32 zeros = 2,048 + 256 + 64 bytes
        assertTrue(r.stdout().contains(
                "model.layers.0.self_attn.q_proj.weight          AWQ int4 g32  [64, 64]   2.31 KiB"), r.stdout());
        assertFalse(r.stdout().contains("qweight"), r.stdout());
    }

    @Test
    void aQuantizationCanalCannotReadIsNamedAndTheRawTensorsListed(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("bnb"));
        Files.copy(Fixtures.stories().resolve("model.safetensors"), dir.resolve("model.safetensors"));
        String config = Files.readString(Fixtures.stories().resolve("config.json"));
        Files.writeString(dir.resolve("config.json"), config.replaceFirst("\\{",
                "{\"quantization_config\": {\"quant_method\": \"bitsandbytes\", \"load_in_4bit\": true},"));
        Cli.Result r = Cli.run("inspect", dir.toString());
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.stdout().contains("\nquantization: not readable by canal: " + dir.resolve("config.json")
                + " quantization_config: quant_method \"bitsandbytes\" is not supported (canal reads awq, "), r.stdout());
        assertTrue(r.stdout().contains("\nparameters:   260,032 (260.0K)\n"), r.stdout());
    }

    @Test
    void singleFileWithoutConfig(@TempDir Path tmp) throws Exception {
        Path copy = Files.copy(Fixtures.stories().resolve("model.safetensors"), tmp.resolve("weights.safetensors"));
        Cli.Result r = Cli.run("inspect", copy.toString());
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.stdout().startsWith("source:       " + copy + "\narchitecture: unknown (no config.json)\n"
                + "parameters:   260,032 (260.0K)\n"), r.stdout());
    }

    @Test
    void missingPath(@TempDir Path tmp) {
        Cli.Result r = Cli.run("inspect", tmp.resolve("nothing").toString());
        assertEquals(1, r.exitCode());
        assertEquals("error: " + tmp.resolve("nothing") + ": no such file or directory\n", r.stderr());
    }

    @Test
    void notSafetensors(@TempDir Path tmp) throws Exception {
        Path bogus = Files.writeString(tmp.resolve("model.safetensors"), "this is not a safetensors file");
        Cli.Result r = Cli.run("inspect", bogus.toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.stderr().startsWith("error: " + bogus), r.stderr());
        assertEquals(1, r.stderr().lines().count(), r.stderr());
        assertTrue(!r.stderr().contains("Exception"), r.stderr());
    }
}
