package dev.canal.models.quant;

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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * stories260K with its attention projections in AutoAWQ's GEMM layout, run straight from the checkpoint: greedy from
 * BOS must reproduce the 200 tokens of the dequantized model computed in fp32.
 */
class AwqStoriesGreedyTest {
    private static final Path DIR = Fixtures.model("stories260K-awq-derived");
    private static final GenerationOptions GREEDY_200 =
            new GenerationOptions(200, SamplerSettings.greedy(), List.of());

    private static int[] expectedIds() throws IOException {
        return Arrays.stream(Files.readString(DIR.resolve("expected_greedy_200_ids.txt")).trim().split("\\s+"))
                .mapToInt(Integer::parseInt).toArray();
    }

    /** On 1 and 2 threads (decode kernel: from BOS every step is one row): exact. */
    @ParameterizedTest
    @CsvSource({"1, 1", "2, 64"})
    void greedyFromBosMatchesTheReference(int threads, int batch) throws IOException {
        try (Model model = Canal.load(DIR, new LoadOptions(threads, 0, batch));
             Session session = model.newSession()) {
            Generation g = session.complete("", GREEDY_200, t -> { });
            assertArrayEquals(expectedIds(), g.tokenIds());
            assertEquals(Files.readString(DIR.resolve("expected_greedy_200.txt")), g.text());
            assertEquals(StopReason.MAX_TOKENS, g.stopReason());
        }
    }

    /** A prompt prefilled in one batch (tile kernel) continues as when fed token by token (decode kernel). */
    @Test
    void batchedPrefillEqualsTokenByTokenPrefill() {
        String prompt = "Once upon a time, there was a little girl named Lily. She loved to play outside";
        GenerationOptions opts = new GenerationOptions(40, SamplerSettings.greedy(), List.of());
        int[] oneByOne;
        try (Model m = Canal.load(DIR, new LoadOptions(1, 0, 1)); Session s = m.newSession()) {
            oneByOne = s.complete(prompt, opts, t -> { }).tokenIds();
        }
        try (Model m = Canal.load(DIR, new LoadOptions(2, 0, 64)); Session s = m.newSession()) {
            Generation g = s.complete(prompt, opts, t -> { });
            assertArrayEquals(oneByOne, g.tokenIds());
            assertTrue(g.promptTokens() > 15, "the prompt is processed as one batch: " + g.promptTokens());
        }
    }
}
