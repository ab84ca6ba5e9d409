package dev.canal.ggml.vocab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.canal.engine.tokenizer.Tokenizer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seeded random texts (written with llama.cpp's ids by src/test/reference/vocab/make-stress-expected.py):
 * concatenated vocabulary pieces for the SentencePiece vocabularies, where llama.cpp's score-driven SPM merging and
 * the BPE over derived merges could break ties differently, and mixed-script strings for the byte-level ones, which
 * stress the pre-tokenizer regexes.
 */
class LlamaCppVocabStressTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Stream<String> vocabularies() throws IOException {
        List<String> names = new ArrayList<>();
        LlamaCppVocabParityTest.resource("stress-expected.json").fieldNames().forEachRemaining(names::add);
        return names.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vocabularies")
    void randomTextsEncodeLikeLlamaCpp(String vocab) throws IOException {
        JsonNode cases = LlamaCppVocabParityTest.resource("stress-expected.json").path(vocab);
        Tokenizer tokenizer = LlamaCppVocabParityTest.tokenizer(vocab);
        List<String> mismatches = new ArrayList<>();
        for (JsonNode c : cases) {
            String text = c.get(0).asText();
            int[] want = new int[c.get(1).size()];
            for (int k = 0; k < want.length; k++) {
                want[k] = c.get(1).get(k).intValue();
            }
            int[] got = tokenizer.encode(text, true, false);
            if (!Arrays.equals(want, got)) {
                mismatches.add(JSON.valueToTree(text) + "\n  llama.cpp " + Arrays.toString(want) + "\n  ours      "
                        + Arrays.toString(got));
            }
        }
        assertTrue(cases.size() >= 80, vocab + ": too few cases");
        assertTrue(mismatches.isEmpty(), vocab + ": " + mismatches.size() + "/" + cases.size()
                + " texts differ from llama.cpp:\n" + String.join("\n", mismatches));
    }
}
