package dev.canal.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every corpus text, every tokenizer, against the ids and texts the reference tokenizer (@lenml/tokenizers, see
 * src/test/reference/tokenizer/make-expected.mjs) produced.
 */
class HfTokenizerReferenceTest {

    @TestFactory
    Stream<DynamicContainer> matchesReference() {
        return Stream.of("qwen3", "llama3", "mistral", "stories260K").map(name -> {
            JsonNode expected = readExpected(name);
            List<DynamicTest> tests = new ArrayList<>();
            int i = 0;
            for (JsonNode c : expected.get("cases")) {
                tests.add(DynamicTest.dynamicTest("#" + i++ + " " + abbreviate(c.get("text").asText()),
                        () -> checkCase(TokenizerFixtures.get(name), c)));
            }
            return DynamicContainer.dynamicContainer(name, tests);
        });
    }

    private static void checkCase(HfTokenizer tok, JsonNode c) {
        String text = c.get("text").asText();
        JsonNode ids = c.get("ids");
        int[] withSpecial = tok.encode(text, true, true);
        assertArrayEquals(ints(ids.get("addSpecial_parseSpecial")), withSpecial, "add+parse special");
        assertArrayEquals(ints(ids.get("plain_parseSpecial")), tok.encode(text, false, true), "parse special");
        assertArrayEquals(ints(ids.get("addSpecial_noParseSpecial")), tok.encode(text, true, false),
                "add special, special text as plain text");
        int[] plain = tok.encode(text, false, false);
        assertArrayEquals(ints(ids.get("plain_noParseSpecial")), plain, "special text as plain text");

        JsonNode decoded = c.get("decoded");
        assertEquals(decoded.get("addSpecial_parseSpecial").asText(), tok.decode(withSpecial, false));
        assertEquals(decoded.get("addSpecial_parseSpecial_skipSpecial").asText(), tok.decode(withSpecial, true));
        assertEquals(decoded.get("plain_noParseSpecial").asText(), tok.decode(plain, false));

        assertEquals(tok.decode(withSpecial, false), stream(tok, withSpecial, false), "streamed");
        assertEquals(tok.decode(withSpecial, true), stream(tok, withSpecial, true), "streamed, skipping special");
        assertEquals(tok.decode(plain, false), stream(tok, plain, false), "streamed plain");
    }

    /** stories260K is the end-to-end model: its prompt must tokenize exactly as the reference does. */
    @Test
    void stories260KOnceUponATime() {
        HfTokenizer tok = TokenizerFixtures.get("stories260K");
        assertArrayEquals(new int[] {1, 403, 407, 261, 378}, tok.encode("Once upon a time", true, true));
        assertEquals("Once upon a time", tok.decode(new int[] {1, 403, 407, 261, 378}, true));
    }

    static String stream(Tokenizer tok, int[] ids, boolean skipSpecial) {
        StreamingDecoder d = tok.streamingDecoder(skipSpecial);
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            String piece = d.push(id);
            assertEquals(-1, piece.indexOf('\uFFFD'), "a streamed piece holds half a character");
            sb.append(piece);
        }
        return sb.append(d.flush()).toString();
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).intValue();
        }
        return out;
    }

    private static JsonNode readExpected(String name) {
        try (InputStream in = HfTokenizerReferenceTest.class.getResourceAsStream(
                "/tokenizer/expected-" + name + ".json")) {
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static String abbreviate(String s) {
        String oneLine = s.replace("\n", "\\n").replace("\t", "\\t");
        return oneLine.length() > 40 ? oneLine.substring(0, 40) + "…" : oneLine;
    }
}
