package dev.canal.engine.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.canal.engine.api.CanalException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Interpreter features on small templates, with expectations checked against Python jinja2 3.1.6. */
class ChatTemplateTest {

    private static String render(String template, Map<String, Object> variables) {
        return ChatTemplate.of(template, "<s>", "</s>").withClock(ReferenceData.FIXED_CLOCK)
                .render(List.of(), null, false, variables);
    }

    private static String render(String template) {
        return render(template, Map.of());
    }

    @Test
    void trimBlocksRemovesTheNewlineAfterABlockTag() {
        assertEquals("yes\nafter", render("{% if true %}\nyes\n{% endif %}\nafter"));
    }

    @Test
    void lstripBlocksRemovesIndentationBeforeABlockTagButNotBeforeOutput() {
        assertEquals("line\n    indented\nend", render("line\n    {% if true %}\n    indented\n    {% endif %}\nend"));
        assertEquals("  x", render("  {{ 'x' }}"));
    }

    @Test
    void minusStripsAllWhitespaceAndPlusKeepsIt() {
        assertEquals("abc d e", render("a   \n  {%- if true -%}  \n  b  \n  {%- endif -%}\n\n  c {{- ' d ' -}} e"));
        assertEquals("x\n  \ny", render("x\n  {%+ if true +%}\ny{% endif %}\n"));
    }

    @Test
    void oneTrailingNewlineIsDroppedAndCrLfIsNormalised() {
        assertEquals("text\n", render("text\n\n"));
        assertEquals("a\nb\nc", render("a\r\nb\rc"));
    }

    @Test
    void loopVariablesAndLoopControls() {
        assertEquals("1/0/3/True/False 2/1/2/False/False 3/2/1/False/True ",
                render("{% for x in 'abc' %}{{ loop.index }}/{{ loop.index0 }}/{{ loop.revindex }}/{{ loop.first }}/"
                        + "{{ loop.last }} {% endfor %}"));
        assertEquals("0134", render("{% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}"
                + "{% if x == 5 %}{% break %}{% endif %}{{ x }}{% endfor %}"));
        assertEquals("empty", render("{% for x in [] %}x{% else %}empty{% endfor %}"));
        assertEquals("1,3,5", render("{% for x in range(6) if x is odd %}{{ x }}{{ ',' if not loop.last }}{% endfor %}"));
    }

    @Test
    void setInsideALoopDoesNotLeakButANamespaceCarriesState() {
        assertEquals("01;01;0", render("{% set x = 0 %}{% for i in range(2) %}{{ x }}{% set x = x + 1 %}{{ x }};{% endfor %}{{ x }}"));
        assertEquals("2 2", render("{% set ns = namespace(n=0, last=none) %}{% for m in ms %}{% if m.role == 'user' %}"
                + "{% set ns.n = ns.n + 1 %}{% set ns.last = loop.index0 %}{% endif %}{% endfor %}{{ ns.n }} {{ ns.last }}",
                Map.of("ms", List.of(Map.of("role", "user"), Map.of("role", "assistant"), Map.of("role", "user")))));
    }

    @Test
    void slicingFollowsPython() {
        Map<String, Object> v = Map.of("xs", List.of(1, 2, 3, 4, 5));
        assertEquals("[2, 3, 4, 5] [5, 4, 3, 2, 1] [1, 2, 3, 4] 4 [2, 4] olleh",
                render("{{ xs[1:] }} {{ xs[::-1] }} {{ xs[:-1] }} {{ xs[-2] }} {{ xs[1:4:2] }} {{ 'hello'[::-1] }}", v));
        assertEquals("3 😀 ü😀a", render("{{ s | length }} {{ s[1] }} {{ s[::-1] }}", Map.of("s", "a😀ü")));
    }

    @Test
    void pythonStringMethods() {
        assertEquals("True True ['a', 'b', '', 'c'] ['x', 'y'] hi|hi|hi HeLLo Hello World 3Rd",
                render("{{ s.startswith('a,') }} {{ s.endswith(('q', 'c')) }} {{ s.split(',') }} {{ ' x  y '.split() }} "
                        + "{{ '  hi '.strip() }}|{{ '\\n\\nhi'.lstrip('\\n') }}|{{ 'hi\\n'.rstrip() }} "
                        + "{{ 'Hello'.replace('l', 'L') }} {{ 'hello wORLD 3rd'.title() }}", Map.of("s", "a,b,,c")));
        assertEquals("[reason][answer]", render("{% set c = m.split('</think>')[-1].lstrip('\\n') %}"
                + "{% set r = m.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') %}[{{ r }}][{{ c }}]",
                Map.of("m", "<think>\nreason\n</think>\n\nanswer")));
    }

    @Test
    void tojsonIsPythonJsonDumpsWithoutAsciiEscaping() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("b", List.of(1, 2.5, true, "ü"));
        value.put("a", new HashMap<>());
        value.put("n", null);
        Map<String, Object> v = Map.of("v", value);
        assertEquals("{\"b\": [1, 2.5, true, \"ü\"], \"a\": {}, \"n\": null}", render("{{ v | tojson }}", v));
        assertEquals("{\n  \"b\": [\n    1,\n    2.5,\n    true,\n    \"ü\"\n  ],\n  \"a\": {},\n  \"n\": null\n}",
                render("{{ v | tojson(indent=2) }}", v));
        assertEquals("{\"a\":{},\"b\":[1,2.5,true,\"ü\"],\"n\":null}",
                render("{{ v | tojson(separators=(',', ':'), sort_keys=true) }}", v));
        assertEquals("\"\\u00e9\\\"\\n\"", render("{{ 'é\"\\n' | tojson(ensure_ascii=true) }}"));
    }

    @Test
    void isTestsAndPythonTruthiness() {
        Map<String, Object> v = new HashMap<>();
        v.put("n", null);
        v.put("d", Map.of("k", 1));
        assertEquals("True True False True True True False False",
                render("{{ 'x' is string }} {{ d is mapping }} {{ u is defined }} {{ n is none }} {{ n is defined }} "
                        + "{{ d is iterable }} {{ [] is true }} {{ 1 is false }}", v));
        assertEquals("no no no no yes", render("{% for x in [0, '', [], none, 'a'] %}{{ 'yes' if x else 'no' }}"
                + "{{ ' ' if not loop.last }}{% endfor %}"));
        assertEquals("True False", render("{{ enable_thinking is defined and enable_thinking is false }} {{ x is defined }}",
                Map.of("enable_thinking", false)));
    }

    @Test
    void pythonValuesPrintLikePython() {
        assertEquals("None True [1, 'a', None, 1.5, {'k': \"it's\"}] (1,) 1e+16 0.30000000000000004 1e-05 3.5 2.0 -4",
                render("{{ none }} {{ true }} {{ [1, 'a', none, 1.5, {'k': \"it's\"}] }} {{ (1,) }} {{ 1e16 }} "
                        + "{{ 0.1 + 0.2 }} {{ 0.00001 }} {{ 7 / 2 }} {{ 4 / 2 }} {{ -7 // 2 }}"));
    }

    @Test
    void macrosSetBlocksAndFilters() {
        assertEquals("> a|* a|", render("{% macro show(m, p='> ') %}{{ p }}{{ m.content }}{% endmacro %}"
                + "{{ show(m) }}|{{ show(m, p='* ') }}|", Map.of("m", Map.of("content", "a"))));
        assertEquals("[Hi bob]BOB", render("{% set b %}Hi {{ n }}{% endset %}[{{ b }}]{% filter upper %}{{ n }}{% endfilter %}",
                Map.of("n", "bob")));
        assertEquals("a c|1,2,3|dflt|x", render("{{ ms | selectattr('role', 'equalto', 'user') | map(attribute='c') | join(' ') }}|"
                + "{{ [3, 1, 2] | sort | join(',') }}|{{ u | default('dflt') }}|{{ '  x ' | trim }}",
                Map.of("ms", List.of(Map.of("role", "user", "c", "a"), Map.of("role", "bot", "c", "b"),
                        Map.of("role", "user", "c", "c")))));
    }

    @Test
    void strftimeNowUsesTheInjectedClock() {
        assertEquals("26 Jul 2024|Friday July 26", render("{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%A %B %-d') }}"));
    }

    @Test
    void raiseExceptionBecomesACanalExceptionWithTheTemplatesMessage() {
        CanalException e = assertThrows(CanalException.class,
                () -> render("{% if true %}{{ raise_exception('Conversation roles must alternate') }}{% endif %}"));
        assertEquals("Conversation roles must alternate", e.getMessage());
    }

    @Test
    void syntaxErrorsNameTheLine() {
        CanalException e = assertThrows(CanalException.class, () -> ChatTemplate.of("ok\n{{ 1 }}\n{% frobnicate %}", null, null));
        assertEquals("chat template: syntax error at line 3: Encountered unknown tag 'frobnicate'.", e.getMessage());
        CanalException unclosed = assertThrows(CanalException.class, () -> ChatTemplate.of("{% for x in y %}\n\nx", null, null));
        assertTrue(unclosed.getMessage().contains("line 2") && unclosed.getMessage().contains("'endfor'"), unclosed.getMessage());
        CanalException unbalanced = assertThrows(CanalException.class, () -> ChatTemplate.of("\n{{ (1 }}", null, null));
        assertTrue(unbalanced.getMessage().contains("line 2"), unbalanced.getMessage());
    }

    @Test
    void runtimeErrorsNameTheLineAndMatchPythonsMessage() {
        CanalException e = assertThrows(CanalException.class, () -> render("a\n\n{{ 'x' + 1 }}"));
        assertEquals("chat template: error at line 3: can only concatenate str (not \"int\") to str", e.getMessage());
        CanalException undefined = assertThrows(CanalException.class, () -> render("{{ nothing.role }}"));
        assertTrue(undefined.getMessage().endsWith("'nothing' is undefined"), undefined.getMessage());
    }

    @Test
    void theSandboxRefusesMutationAndPrivateAttributes() {
        Map<String, Object> v = Map.of("l", List.of(1));
        CanalException e = assertThrows(CanalException.class, () -> render("{{ l.append(2) }}", v));
        assertTrue(e.getMessage().endsWith("access to attribute 'append' of 'list' object is unsafe."), e.getMessage());
        assertEquals("", render("{{ l.__class__ }}", v));
    }

    @Test
    void renderVariablesFollowTransformers() {
        ChatTemplate t = ChatTemplate.of("{{ bos_token }}|{{ eos_token }}|{{ tools is none }}|{{ add_generation_prompt }}|"
                + "{{ documents is none }}|{{ messages | length }}|{{ extra }}", "<s>", null);
        List<Map<String, Object>> messages = List.of(Map.of("role", "user", "content", "hi"));
        assertEquals("<s>||True|True|True|1|42", t.render(messages, null, true, Map.of("extra", 42)));
        assertEquals("<s>||False|False|True|1|", t.render(messages, List.of(Map.of("type", "function")), false, null));
    }

    @Test
    void renderDoesNotChangeTheCallersDataAndRejectsNonJsonValues() {
        List<Object> tools = new ArrayList<>(List.of("a"));
        ChatTemplate t = ChatTemplate.of("{% set x = tools + ['b'] %}{{ x }}", null, null);
        assertEquals("['a', 'b']", t.render(List.of(), List.of(Map.of("t", tools)), false, Map.of("tools", tools)));
        assertEquals(List.of("a"), tools);
        CanalException e = assertThrows(CanalException.class,
                () -> t.render(List.of(), null, false, Map.of("tools", new Object())));
        assertTrue(e.getMessage().contains("tools"), e.getMessage());
    }

    @Test
    void fromTokenizerConfigReadsStringOrNamedTemplatesAndTokenObjects(@TempDir Path dir) throws IOException {
        Path plain = Files.writeString(dir.resolve("plain.json"),
                "{\"chat_template\": \"{{ bos_token }}{{ messages[0].content }}{{ eos_token }}\", "
                        + "\"bos_token\": {\"content\": \"<s>\", \"lstrip\": false}, \"eos_token\": \"</s>\"}");
        ChatTemplate t = ChatTemplate.fromTokenizerConfig(plain).orElseThrow();
        assertEquals("<s>hi</s>", t.render(List.of(Map.of("role", "user", "content", "hi")), null, false, Map.of()));

        Path named = Files.writeString(dir.resolve("named.json"), "{\"chat_template\": [{\"name\": \"tool_use\", "
                + "\"template\": \"T\"}, {\"name\": \"default\", \"template\": \"D\"}]}");
        assertEquals("D", ChatTemplate.fromTokenizerConfig(named).orElseThrow().render(List.of(), null, false, null));

        Path none = Files.writeString(dir.resolve("none.json"), "{\"eos_token\": \"</s>\"}");
        assertFalse(ChatTemplate.fromTokenizerConfig(none).isPresent());
    }

    @Test
    void fromTokenizerConfigFallsBackToChatTemplateJinjaBesideIt(@TempDir Path dir) throws IOException {
        Path config = Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": \"</s>\"}");
        Files.writeString(dir.resolve("chat_template.jinja"), "{% for m in messages %}{{ m.content }}{{ eos_token }}{% endfor %}\n");
        ChatTemplate t = ChatTemplate.fromTokenizerConfig(config).orElseThrow();
        assertEquals("hi</s>", t.render(List.of(Map.of("role", "user", "content", "hi")), null, false, null));
    }

    @Test
    void fromTokenizerConfigErrorsNameTheFile(@TempDir Path dir) throws IOException {
        Path broken = Files.writeString(dir.resolve("broken.json"), "{\"chat_template\": ");
        CanalException json = assertThrows(CanalException.class, () -> ChatTemplate.fromTokenizerConfig(broken));
        assertTrue(json.getMessage().startsWith(broken.toString()), json.getMessage());

        Path badTemplate = Files.writeString(dir.resolve("bad.json"), "{\"chat_template\": \"a\\n{% if %}\"}");
        CanalException syntax = assertThrows(CanalException.class, () -> ChatTemplate.fromTokenizerConfig(badTemplate));
        assertTrue(syntax.getMessage().startsWith(badTemplate + ": chat_template: syntax error at line 2"), syntax.getMessage());

        Path noDefault = Files.writeString(dir.resolve("nodefault.json"), "{\"chat_template\": [{\"name\": \"x\", \"template\": \"T\"}]}");
        CanalException missing = assertThrows(CanalException.class, () -> ChatTemplate.fromTokenizerConfig(noDefault));
        assertTrue(missing.getMessage().contains("default"), missing.getMessage());
    }
}
