package dev.canal.ggml.convert;

import dev.canal.engine.api.Canal;
import dev.canal.engine.api.Generation;
import dev.canal.engine.api.GenerationOptions;
import dev.canal.engine.api.LoadOptions;
import dev.canal.engine.api.Model;
import dev.canal.engine.api.SamplerSettings;
import dev.canal.engine.api.Session;
import dev.canal.engine.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The converted stories260K runs through canal's GGUF loader and reproduces llama2.c's greedy continuation. */
class ConvertedGgufRunsTest {
    private static final Path HF = Fixtures.models().resolve("stories260K-hf-derived");

    @TempDir
    Path tmp;

    private static int[] expectedIds() throws IOException {
        return Arrays.stream(Files.readString(HF.resolve("expected_greedy_200_ids.txt")).trim().split("\\s+"))
                .mapToInt(Integer::parseInt).toArray();
    }

    private int[] greedy200(TargetType type) {
        Path out = tmp.resolve("stories-" + type.cliName() + ".gguf");
        new HfToGgufConverter(type, new PrintStream(new ByteArrayOutputStream())).convert(HF, out);
        try (Model model = Canal.load(out, new LoadOptions(2, 0, 16)); Session session = model.newSession()) {
            Generation g = session.complete("", new GenerationOptions(200, SamplerSettings.greedy(), List.of()),
                    t -> { });
            assertEquals(1, g.promptTokens(), "BOS alone");
            return g.tokenIds();
        }
    }

    private static int matchingPrefix(int[] expected, int[] actual) {
        int n = 0;
        while (n < Math.min(expected.length, actual.length) && expected[n] == actual[n]) n++;
        return n;
    }

    @Test
    void f32ConversionGivesTheExpected200TokensExactly() throws IOException {
        assertArrayEquals(expectedIds(), greedy200(TargetType.F32));
    }

    /**
     * F16 rounding of the weights could change late tokens (the smallest top-1/top-2 logit margin of this run is
     * 0.0042); measured, none changes, so the check is exact.
     */
    @Test
    void f16ConversionAlsoGivesThe200Tokens() throws IOException {
        assertArrayEquals(expectedIds(), greedy200(TargetType.F16));
    }

    /** Q8_0 (ffn_down F16): a quantized run diverges eventually; the prefix that still matches is printed. */
    @Test
    void q8ConversionRunsAndFollowsTheExpectedStart() throws IOException {
        int prefix = matchingPrefix(expectedIds(), greedy200(TargetType.Q8_0));
        System.out.println("Q8_0 conversion: first " + prefix + " of 200 greedy tokens equal llama2.c's");
        assertTrue(prefix >= 50, "only " + prefix + " tokens match (measured: 114)");
    }
}
