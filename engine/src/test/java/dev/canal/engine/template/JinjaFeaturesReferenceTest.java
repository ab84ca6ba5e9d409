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
 * Small templates compared with what jinja2 printed for them (or required to fail where jinja2 failed):
 * features.json covers whitespace control, loops, slicing, string methods, tojson, tests, filters, macros;
 * whitespace-fuzz.json holds 600 seeded random mixes of text and tags with -/+ whitespace control, and
 * statement-fuzz.json 600 seeded random nests of loops, conditions, assignments, macros and loop controls.
 */
class JinjaFeaturesReferenceTest {

    @TestFactory
    Stream<DynamicTest> featuresMatchJinja2() {
        return cases("features.json", true, 40);
    }

    @TestFactory
    Stream<DynamicTest> whitespaceFuzzMatchesJinja2() {
        return cases("whitespace-fuzz.json", false, 600);
    }

    @TestFactory
    Stream<DynamicTest> statementFuzzMatchesJinja2() {
        return cases("statement-fuzz.json", false, 600);
    }

    @SuppressWarnings("unchecked")
    private static Stream<DynamicTest> cases(String resource, boolean sameErrorMessage, int atLeast) {
        List<Map<String, Object>> features = (List<Map<String, Object>>) ReferenceData.json(resource).get("features");
        List<DynamicTest> tests = new ArrayList<>();
        for (Map<String, Object> f : features) {
            tests.add(DynamicTest.dynamicTest((String) f.get("name"), () -> {
                String source = (String) f.get("template");
                Map<String, Object> variables = (Map<String, Object>) f.get("variables");
                if (f.containsKey("expected")) {
                    assertEquals(f.get("expected"), render(source, variables), () -> "template: " + source);
                    return;
                }
                String error = (String) f.get("error");
                CanalException e = assertThrows(CanalException.class, () -> render(source, variables),
                        () -> "jinja2 failed with [" + error + "] on: " + source);
                if (sameErrorMessage) {
                    String firstSentence = error.substring(error.indexOf(": ") + 2).split("\\. ")[0];
                    assertTrue(e.getMessage().contains(firstSentence),
                            "expected an error like [" + error + "], got [" + e.getMessage() + "]");
                }
            }));
        }
        assertTrue(tests.size() >= atLeast, "expected the full set in " + resource + ", found " + tests.size());
        return tests.stream();
    }

    private static String render(String source, Map<String, Object> variables) {
        return ChatTemplate.of(source, null, null).withClock(ReferenceData.FIXED_CLOCK)
                .render(List.of(), null, false, variables);
    }
}
