package dev.canal.tools;

import dev.canal.engine.testing.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** bench's output format (llama-bench's JSON field names, the table); speeds are measured, never asserted. */
class BenchCommandTest {

    @Test
    void jsonHasOneObjectPerTestWithLlamaBenchFields() throws Exception {
        Cli.Result r = Cli.run("bench", Fixtures.stories().toString(), "-p", "16,32", "-n", "8", "-t", "1,2",
                "-r", "2", "--json");
        assertEquals(0, r.exitCode(), r.stderr());
        List<String> lines = r.stdout().lines().toList();
        assertEquals(6, lines.size(), r.stdout()); // (2 pp + 1 tg) × 2 thread counts
        ObjectMapper json = new ObjectMapper();
        JsonNode first = json.readTree(lines.get(0));
        for (String field : List.of("build_commit", "model_filename", "model_type", "model_size", "model_n_params",
                "n_batch", "n_threads", "n_prompt", "n_gen", "test_time", "avg_ns", "stddev_ns", "avg_ts",
                "stddev_ts", "samples_ns", "samples_ts")) {
            assertTrue(first.has(field), "missing " + field + " in " + first);
        }
        assertEquals(16, first.get("n_prompt").asInt());
        assertEquals(0, first.get("n_gen").asInt());
        assertEquals(1, first.get("n_threads").asInt());
        assertEquals(2, first.get("samples_ns").size());
        assertEquals(260_032, first.get("model_n_params").asLong());
        JsonNode tg = json.readTree(lines.get(5));
        assertEquals(8, tg.get("n_gen").asInt());
        assertEquals(2, tg.get("n_threads").asInt());
        assertTrue(tg.get("avg_ts").asDouble() > 0);
        assertTrue(tg.has("weight_gb_per_s"));
    }

    @Test
    void tableHasAHeaderAndARowPerTest() {
        Cli.Result r = Cli.run("bench", Fixtures.stories().toString(), "-p", "8", "-n", "4", "-t", "1", "-r", "1");
        assertEquals(0, r.exitCode(), r.stderr());
        List<String> lines = r.stdout().lines().toList();
        assertEquals(4, lines.size(), r.stdout());
        assertTrue(lines.get(0).contains("t/s") && lines.get(0).contains("test"), lines.get(0));
        assertTrue(lines.get(2).contains("pp8"), lines.get(2));
        assertTrue(lines.get(3).contains("tg4"), lines.get(3));
        assertTrue(lines.get(3).contains("llama F32"), lines.get(3));
    }

    @Test
    void badArgumentsAreOneLineErrors() {
        Cli.Result r = Cli.run("bench", Fixtures.stories().toString(), "-r", "0");
        assertEquals(1, r.exitCode());
        assertTrue(r.stderr().contains("--repetitions"), r.stderr());
        r = Cli.run("bench", "/nonexistent/model");
        assertEquals(1, r.exitCode());
        assertTrue(r.stderr().contains("no such file"), r.stderr());
    }
}
