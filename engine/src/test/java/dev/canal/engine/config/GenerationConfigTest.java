package dev.canal.engine.config;

import dev.canal.engine.api.CanalException;
import dev.canal.engine.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GenerationConfigTest {

    @TempDir
    Path dir;

    private GenerationConfig parse(String json) throws IOException {
        Files.writeString(dir.resolve(GenerationConfig.FILE_NAME), json);
        return GenerationConfig.read(dir);
    }

    private void fails(String json, String... fragments) throws IOException {
        Files.writeString(dir.resolve(GenerationConfig.FILE_NAME), json);
        CanalException e = assertThrows(CanalException.class, () -> GenerationConfig.read(dir));
        assertTrue(e.getMessage().startsWith(dir.resolve(GenerationConfig.FILE_NAME) + ": "), e.getMessage());
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "expected \"" + f + "\" in: " + e.getMessage());
    }

    @Test
    void readsTheFixture() {
        GenerationConfig g = GenerationConfig.read(Fixtures.model("stories260K-hf-derived"));
        assertEquals(new GenerationConfig(List.of(2), 1, null, null, null, null, false), g);
    }

    @Test
    void absentFileMeansNothingGiven() {
        GenerationConfig g = GenerationConfig.read(dir);
        assertEquals(GenerationConfig.empty(), g);
        assertTrue(g.eosTokenIds().isEmpty());
        assertNull(g.temperature());
        assertNull(g.doSample());
    }

    @Test
    void readsSamplingFieldsAndEosList() throws IOException {
        // Shaped like Llama 3.1 Instruct's generation_config.json.
        GenerationConfig g = parse("""
                {"bos_token_id": 128000, "do_sample": true, "eos_token_id": [128001, 128008, 128009],
                 "temperature": 0.6, "top_p": 0.9, "top_k": 20, "repetition_penalty": 1.05,
                 "transformers_version": "4.42.3", "pad_token_id": null}""");
        assertEquals(List.of(128001, 128008, 128009), g.eosTokenIds());
        assertEquals(128000, g.bosTokenId());
        assertEquals(0.6, g.temperature());
        assertEquals(0.9, g.topP());
        assertEquals(20, g.topK());
        assertEquals(1.05, g.repetitionPenalty());
        assertEquals(true, g.doSample());
        assertEquals(List.of(7), parse("{\"eos_token_id\": 7, \"temperature\": 1}").eosTokenIds());
        assertEquals(1.0, parse("{\"temperature\": 1}").temperature(), "an integer is a valid number");
    }

    @Test
    void badJsonAndWrongTypesNameTheFile() throws IOException {
        fails("{\"eos_token_id\": ", "not valid JSON");
        fails("[2]", "expected a JSON object");
        fails("{\"eos_token_id\": \"</s>\"}", "eos_token_id must be an integer or a list of integers");
        fails("{\"eos_token_id\": [1, \"x\"]}", "eos_token_id list holds a non-integer");
        fails("{\"temperature\": \"hot\"}", "field \"temperature\" must be a number");
        fails("{\"top_k\": 2.5}", "field \"top_k\" must be an integer");
        fails("{\"do_sample\": 1}", "field \"do_sample\" must be true or false");
    }
}
