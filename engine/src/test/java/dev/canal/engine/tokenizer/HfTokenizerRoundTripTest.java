package dev.canal.engine.tokenizer;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.text.Normalizer;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * decode(encode(s)) gives s back for random Unicode text (up to what the tokenizer's own normalizer and
 * clean-up change), and streaming the ids one by one gives the same text as decoding them at once.
 */
class HfTokenizerRoundTripTest {
    /** Code point ranges the random strings draw from: ASCII, Latin, combining marks, scripts, CJK, emoji. */
    private static final int[][] RANGES = {
            {0x20, 0x7E}, {0x20, 0x7E}, {0x20, 0x7E}, {'\t', '\r'}, {0xA0, 0x17F}, {0x300, 0x36F}, {0x391, 0x3C9},
            {0x400, 0x44F}, {0x600, 0x64A}, {0x900, 0x97F}, {0x3040, 0x30FF}, {0x4E00, 0x9FFF}, {0xAC00, 0xD7A3},
            {0x1F300, 0x1F64F}, {0x1F3FB, 0x1F3FF}, {0x200B, 0x200D}, {0xFE0F, 0xFE0F}, {0x2000, 0x200A},
            {0x20000, 0x2A6DF},
    };

    @ParameterizedTest
    @ValueSource(strings = {"qwen3", "llama3", "mistral", "stories260K"})
    void randomUnicodeRoundTrips(String name) {
        HfTokenizer tok = TokenizerFixtures.get(name);
        Random random = new Random(name.hashCode());
        for (int i = 0; i < 300; i++) {
            String s = randomString(random, 1 + random.nextInt(30));
            int[] ids = tok.encode(s, false, false);
            String expected = switch (name) {
                case "qwen3" -> Normalizer.normalize(s, Normalizer.Form.NFC);
                case "llama3" -> TokenizationCleanup.apply(s);
                default -> s;
            };
            String decoded = tok.decode(ids, false);
            assertEquals(expected, decoded, () -> "round trip of " + codePoints(s));
            assertEquals(decoded, HfTokenizerReferenceTest.stream(tok, ids, false), () -> "streaming " + codePoints(s));
        }
    }

    private static String randomString(Random random, int length) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < length; i++) {
            int[] r = RANGES[random.nextInt(RANGES.length)];
            int cp = r[0] + random.nextInt(r[1] - r[0] + 1);
            if (Character.isDefined(cp) && !Character.isSurrogate((char) cp)) {
                sb.appendCodePoint(cp);
            }
        }
        return sb.toString();
    }

    private static String codePoints(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints().forEach(cp -> sb.append(String.format("U+%04X ", cp)));
        return sb.toString();
    }
}
