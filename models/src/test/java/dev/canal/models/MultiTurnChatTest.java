package dev.canal.models;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.canal.engine.api.CanalException;
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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Multi-turn chat keeps the conversation in the KV cache: the second turn processes only what is new, and
 * answers exactly as a fresh session given the whole conversation at once.
 */
class MultiTurnChatTest {
    /**
     * As in real templates, each message ends with a special token (so turn boundaries tokenize the same) and the
     * generation prompt is the beginning of how the answer is rendered in the history.
     */
    private static final String TEMPLATE = "{{ bos_token }}{% for m in messages %}{{ m['role'] }}:{{ m['content'] }}"
            + "{{ eos_token }}{% endfor %}{% if add_generation_prompt %}assistant:{% endif %}";
    private static final GenerationOptions OPTS = new GenerationOptions(24, SamplerSettings.greedy(), List.of());

    @TempDir
    Path dir;

    private Path storiesWithTemplate() throws IOException {
        Path src = Fixtures.model("stories260K-hf-derived");
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json", "generation_config.json")) {
            Files.copy(src.resolve(f), dir.resolve(f));
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode cfg = (ObjectNode) json.readTree(src.resolve("tokenizer_config.json").toFile());
        cfg.put("chat_template", TEMPLATE);
        json.writeValue(dir.resolve("tokenizer_config.json").toFile(), cfg);
        return dir;
    }

    @Test
    void secondTurnReusesTheCacheAndMatchesAFreshSession() throws IOException {
        Path model = storiesWithTemplate();
        try (Model m = Canal.load(model, new LoadOptions(2, 0, 16))) {
            assertTrue(m.hasChatTemplate());
            String firstAnswer;
            Generation second;
            try (Session s = m.newSession()) {
                firstAnswer = s.chat("Tell me about Lily.", OPTS, t -> { }).text();
                int afterFirst = s.contextUsed();
                second = s.chat("What did Tom do?", OPTS, t -> { });
                assertTrue(second.promptTokens() < afterFirst,
                        "turn two re-read " + second.promptTokens() + " tokens of " + afterFirst + " cached");
            }
            String whole = "user:Tell me about Lily.</s>assistant:" + firstAnswer + "</s>user:What did Tom do?</s>assistant:";
            // Same tokens either way: the template's "<s>" text and the BOS that complete() adds.
            assertArrayEquals(m.tokenizer().encode("<s>" + whole, false, true), m.tokenizer().encode(whole, true, true));
            try (Session fresh = m.newSession()) {
                Generation g = fresh.complete(whole, OPTS, t -> { });
                assertArrayEquals(g.tokenIds(), second.tokenIds());
                assertEquals(g.text(), second.text());
            }
        }
    }

    @Test
    void clearForgetsTheConversation() throws IOException {
        Path model = storiesWithTemplate();
        try (Model m = Canal.load(model, new LoadOptions(1, 0, 16)); Session s = m.newSession()) {
            String first = s.chat("Hello", OPTS, t -> { }).text();
            s.chat("Again", OPTS, t -> { });
            s.reset();
            assertEquals(0, s.contextUsed());
            assertEquals(first, s.chat("Hello", OPTS, t -> { }).text());
        }
    }

    @Test
    void chatWithoutATemplateSaysSo() {
        try (Model m = Canal.load(Fixtures.model("stories260K-hf-derived"), new LoadOptions(1, 0, 16));
             Session s = m.newSession()) {
            assertFalse(m.hasChatTemplate());
            CanalException e = assertThrows(CanalException.class, () -> s.chat("hi", OPTS, t -> { }));
            assertTrue(e.getMessage().contains("no chat template"), e.getMessage());
        }
    }
}
