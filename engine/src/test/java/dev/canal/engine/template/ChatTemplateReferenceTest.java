package dev.canal.engine.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.canal.engine.testing.Fixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The Qwen3 and Llama 3 chat templates from the shared fixtures, rendered for every conversation in
 * conversations.json, must equal Python jinja2's output (with transformers' settings) byte for byte.
 */
class ChatTemplateReferenceTest {

    @TestFactory
    @SuppressWarnings("unchecked")
    Stream<DynamicTest> rendersLikeJinja2() {
        List<Map<String, Object>> cases = (List<Map<String, Object>>) ReferenceData.json("conversations.json").get("cases");
        List<DynamicTest> tests = new ArrayList<>();
        for (Map<String, Object> c : cases) {
            for (String tpl : (List<String>) c.get("templates")) {
                String name = (String) c.get("name");
                tests.add(DynamicTest.dynamicTest(tpl + "/" + name, () -> {
                    ChatTemplate template = load(tpl);
                    String rendered = template.render((List<Map<String, Object>>) c.get("messages"),
                            (List<Map<String, Object>>) c.get("tools"), (Boolean) c.get("add_generation_prompt"),
                            (Map<String, Object>) c.get("extra"));
                    assertEquals(ReferenceData.text("expected/" + tpl + "/" + name + ".txt"), rendered);
                }));
            }
        }
        assertTrue(tests.size() >= 14, "expected the full reference set, found " + tests.size());
        return tests.stream();
    }

    static ChatTemplate load(String tokenizer) {
        Path config = Fixtures.models().resolve("tokenizers").resolve(tokenizer).resolve("tokenizer_config.json");
        return ChatTemplate.fromTokenizerConfig(config).orElseThrow().withClock(ReferenceData.FIXED_CLOCK);
    }
}
