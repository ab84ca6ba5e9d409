package dev.canal.models;

import dev.canal.engine.api.Canal;
import dev.canal.engine.api.Generation;
import dev.canal.engine.api.GenerationOptions;
import dev.canal.engine.api.LoadOptions;
import dev.canal.engine.api.Model;
import dev.canal.engine.api.SamplerSettings;
import dev.canal.engine.api.Session;
import dev.canal.engine.api.StopReason;
import dev.canal.engine.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real stories260K Llama, greedy from BOS: must reproduce llama2.c's 200 tokens exactly; and the same model with
 * its attention projections in AutoAWQ's GEMM layout, run straight from the checkpoint, the 200 tokens of its
 * dequantized weights computed in fp32.
 */
class StoriesGreedyTest {
    private static final Path DIR = Fixtures.model("stories260K-hf-derived");
    private static final GenerationOptions GREEDY_200 =
            new GenerationOptions(200, SamplerSettings.greedy(), List.of());

    static int[] expectedIds() throws IOException {
        return expectedIds(DIR);
    }

    private static int[] expectedIds(Path dir) throws IOException {
        return Arrays.stream(Files.readString(dir.resolve("expected_greedy_200_ids.txt")).trim().split("\\s+"))
                .mapToInt(Integer::parseInt).toArray();
    }

    /** Batch sizes 1 (token by token), 7 (ragged chunks) and 64; threads 1 and 2: all must agree exactly. */
    @ParameterizedTest
    @CsvSource({"stories260K-hf-derived, 1, 1", "stories260K-hf-derived, 2, 7", "stories260K-hf-derived, 2, 64",
            "stories260K-awq-derived, 1, 1", "stories260K-awq-derived, 2, 64"})
    void greedyFromBosMatchesTheReference(String fixture, int threads, int batch) throws IOException {
        Path dir = Fixtures.model(fixture);
        try (Model model = Canal.load(dir, new LoadOptions(threads, 0, batch));
             Session session = model.newSession()) {
            StringBuilder streamed = new StringBuilder();
            Generation g = session.complete("", GREEDY_200, streamed::append);
            assertArrayEquals(expectedIds(dir), g.tokenIds());
            assertEquals(Files.readString(dir.resolve("expected_greedy_200.txt")), g.text());
            assertEquals(g.text(), streamed.toString());
            assertEquals(StopReason.MAX_TOKENS, g.stopReason());
            assertEquals(1, g.promptTokens(), "BOS alone");
        }
    }

    /** Prefill of a long prompt in one batch must give the same continuation as feeding it token by token. */
    @ParameterizedTest
    @ValueSource(strings = {"stories260K-hf-derived", "stories260K-awq-derived"})
    void batchedPrefillEqualsTokenByTokenPrefill(String fixture) {
        Path dir = Fixtures.model(fixture);
        String prompt = "Once upon a time, there was a little girl named Lily. She loved to play outside";
        GenerationOptions opts = new GenerationOptions(40, SamplerSettings.greedy(), List.of());
        int[] oneByOne;
        try (Model m = Canal.load(dir, new LoadOptions(1, 0, 1)); Session s = m.newSession()) {
            oneByOne = s.complete(prompt, opts, t -> { }).tokenIds();
        }
        try (Model m = Canal.load(dir, new LoadOptions(2, 0, 64)); Session s = m.newSession()) {
            Generation g = s.complete(prompt, opts, t -> { });
            assertArrayEquals(oneByOne, g.tokenIds());
            assertTrue(g.promptTokens() > 15, "the prompt is processed as one batch: " + g.promptTokens());
        }
    }

    /** A continuation resumes after the text generated so far, as if it had been one long generation. */
    @Test
    void completeContinuesFromTheKvCache() throws IOException {
        try (Model model = Canal.load(DIR, new LoadOptions(1, 0, 16)); Session session = model.newSession()) {
            Generation first = session.complete("", GREEDY_200.withMaxTokens(120), t -> { });
            Generation rest = session.complete("", GREEDY_200.withMaxTokens(80), t -> { });
            int[] both = new int[200];
            System.arraycopy(first.tokenIds(), 0, both, 0, 120);
            System.arraycopy(rest.tokenIds(), 0, both, 120, 80);
            assertArrayEquals(expectedIds(), both);
            assertEquals(1, rest.promptTokens(), "only the last generated token was not yet in the cache");
        }
    }

    @Test
    void stopStringEndsGenerationBeforeIt() {
        try (Model model = Canal.load(DIR, new LoadOptions(1, 0, 16)); Session session = model.newSession()) {
            Generation g = session.complete("", GREEDY_200.withStopStrings(List.of("Lily")), t -> { });
            assertEquals(StopReason.STOP_STRING, g.stopReason());
            assertEquals("Once upon a time, there was a little girl named ", g.text());
        }
    }

    @Test
    void aFullContextStopsGeneration() {
        try (Model model = Canal.load(DIR, new LoadOptions(1, 32, 16)); Session session = model.newSession()) {
            Generation g = session.complete("", GREEDY_200, t -> { });
            assertEquals(StopReason.CONTEXT_FULL, g.stopReason());
            assertEquals(32, session.contextUsed());
        }
    }
}
