package dev.canal.engine.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.canal.engine.api.CanalException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Small templates from features.json (whitespace control, loops, slicing, string methods, tojson, tests,
 * filters, macros ...), each compared with what jinja2 printed for it, or required to fail where jinja2 failed.
 */
class JinjaFeaturesReferenceTest {

    @TestFactory
    @SuppressWarnings("unchecked")
    Stream<DynamicTest> matchesJinja2() {
        List<Map<String, Object>> features = (List<Map<String, Object>>) ReferenceData.json("features.json").get("features");
        List<DynamicTest> tests = new ArrayList<>();
        for (Map<String, Object> f : features) {
            tests.add(DynamicTest.dynamicTest((String) f.get("name"), () -> {
                String source = (String) f.get("template");
                Map<String, Object> variables = (Map<String, Object>) f.get("variables");
                if (f.containsKey("expected")) {
                    assertEquals(f.get("expected"), render(source, variables));
                } else {
                    String error = (String) f.get("error");
                    CanalException e = assertThrows(CanalException.class, () -> render(source, variables));
                    String pythonMessage = error.substring(error.indexOf(": ") + 2);
                    String firstSentence = pythonMessage.split("\\. ")[0];
                    assertTrue(e.getMessage().contains(firstSentence),
                            "expected an error like [" + error + "], got [" + e.getMessage() + "]");
                }
            }));
        }
        assertTrue(tests.size() >= 40, "expected the full feature set, found " + tests.size());
        return tests.stream();
    }

    private static String render(String source, Map<String, Object> variables) {
        return ChatTemplate.of(source, null, null).withClock(ReferenceData.FIXED_CLOCK)
                .render(List.of(), null, false, variables);
    }
}
