#!/usr/bin/env python3
"""Renders the reference outputs the Java chat-template tests compare against, byte for byte.

It renders exactly as Hugging Face transformers does (transformers/utils/chat_template_utils.py):
jinja2 ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols]),
tojson = json.dumps(ensure_ascii=False, ...), raise_exception, strftime_now, and the variables messages, tools,
documents=None, add_generation_prompt, bos_token/eos_token (when set) plus extra kwargs. strftime_now uses
a fixed clock (2024-07-26 10:30:00) that the Java tests also use.

Writes into engine/src/test/resources/template/:
  conversations.json         the conversations (inputs) and which templates render them
  expected/<tpl>/<case>.txt  the rendered prompt for each template and conversation
  features.json              small templates exercising interpreter features, with jinja2's output or error
  whitespace-fuzz.json       random (seeded) mixes of text and tags with -, + and plain whitespace control
  statement-fuzz.json        random (seeded) nests of for/if/set/with/filter/macro calls, break and continue

Run from anywhere:  python3 engine/src/test/reference/template/make-expected.py   (needs jinja2 3.1.x)
"""
import json
import os
import random
import sys
from datetime import datetime

import jinja2
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", "..", "..", ".."))
SHARED = os.environ.get("CANAL_SHARED", os.path.join(ROOT, "..", "shared"))
OUT = os.path.join(ROOT, "engine", "src", "test", "resources", "template")
FIXED_NOW = datetime(2024, 7, 26, 10, 30, 0)


def make_env():
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(format):
        return FIXED_NOW.strftime(format)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


ENV = make_env()


def render(template, messages, tools, add_generation_prompt, bos_token, eos_token, extra):
    kwargs = {}
    if bos_token is not None:
        kwargs["bos_token"] = bos_token
    if eos_token is not None:
        kwargs["eos_token"] = eos_token
    kwargs.update(extra)
    return ENV.from_string(template).render(messages=messages, tools=tools, documents=None,
                                            add_generation_prompt=add_generation_prompt, **kwargs)


def special(config, field):
    v = config.get(field)
    return v["content"] if isinstance(v, dict) else v


TOOLS = [
    {"type": "function", "function": {
        "name": "get_weather",
        "description": "Get the current weather in a city.",
        "parameters": {"type": "object", "properties": {
            "city": {"type": "string", "description": "City name, e.g. \"Zürich\""},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"], "default": "celsius"}},
            "required": ["city"]}}},
    {"type": "function", "function": {
        "name": "convert_currency",
        "description": "Convert an amount between currencies.",
        "parameters": {"type": "object", "properties": {
            "amount": {"type": "number", "minimum": 0.01},
            "from": {"type": "string"}, "to": {"type": "string"},
            "round_to": {"type": "integer", "default": 2}},
            "required": ["amount", "from", "to"]}}},
]

TOOL_CONVERSATION = [
    {"role": "system", "content": "You are a helpful travel assistant."},
    {"role": "user", "content": "What's the weather in Zürich, and what are 100 EUR in CHF?"},
    {"role": "assistant", "content": "", "tool_calls": [
        {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Zürich", "unit": "celsius"}}},
        {"type": "function", "function": {"name": "convert_currency",
                                          "arguments": "{\"amount\": 100, \"from\": \"EUR\", \"to\": \"CHF\"}"}}]},
    {"role": "tool", "name": "get_weather", "content": "{\"temperature\": 21.5, \"condition\": \"sunny ☀\"}"},
    {"role": "tool", "name": "convert_currency", "content": "{\"result\": 94.37}"},
    {"role": "assistant", "content": "It is 21.5 °C and sunny in Zürich; 100 EUR are 94.37 CHF."},
    {"role": "user", "content": "Thanks! And tomorrow?"},
]

CASES = [
    {"name": "single_user", "templates": ["qwen3", "llama3"],
     "messages": [{"role": "user", "content": "Hello!"}], "tools": None, "add_generation_prompt": False, "extra": {}},
    {"name": "single_user_generation_prompt", "templates": ["qwen3", "llama3"],
     "messages": [{"role": "user", "content": "Hello!"}], "tools": None, "add_generation_prompt": True, "extra": {}},
    {"name": "system_multi_turn", "templates": ["qwen3", "llama3"],
     "messages": [{"role": "system", "content": "You are a concise assistant."},
                  {"role": "user", "content": "  What is 2+2?\n"},
                  {"role": "assistant", "content": "4"},
                  {"role": "user", "content": "And 3+3? Answer in 日本語, please 🙂"}],
     "tools": None, "add_generation_prompt": True, "extra": {}},
    {"name": "reasoning_history", "templates": ["qwen3", "llama3"],
     "messages": [{"role": "user", "content": "Is 17 prime?"},
                  {"role": "assistant", "content": "<think>\nCheck divisors up to 4: 2, 3 do not divide 17.\n</think>\n\nYes, 17 is prime."},
                  {"role": "user", "content": "And 21?"}],
     "tools": None, "add_generation_prompt": True, "extra": {}},
    {"name": "reasoning_last_assistant", "templates": ["qwen3"],
     "messages": [{"role": "user", "content": "Is 17 prime?"},
                  {"role": "assistant", "content": "<think>\nCheck 2 and 3.\n</think>\n\nYes."},
                  {"role": "user", "content": "And 21?"},
                  {"role": "assistant", "content": "No, 21 = 3 * 7.", "reasoning_content": "\n21 is divisible by 3.\n"}],
     "tools": None, "add_generation_prompt": False, "extra": {}},
    {"name": "tools_and_tool_calls", "templates": ["qwen3", "llama3"],
     "messages": TOOL_CONVERSATION, "tools": TOOLS, "add_generation_prompt": True, "extra": {}},
    {"name": "tools_without_system", "templates": ["qwen3"],
     "messages": TOOL_CONVERSATION[1:3] + TOOL_CONVERSATION[3:5], "tools": TOOLS, "add_generation_prompt": True,
     "extra": {}},
    {"name": "enable_thinking_false", "templates": ["qwen3"],
     "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi there"}],
     "tools": None, "add_generation_prompt": True, "extra": {"enable_thinking": False}},
    {"name": "enable_thinking_true", "templates": ["qwen3"],
     "messages": [{"role": "user", "content": "Hi there"}],
     "tools": None, "add_generation_prompt": True, "extra": {"enable_thinking": True}},
]

# Small templates that pin down interpreter behaviour; "error" cases must fail in both implementations.
FEATURES = [
    ("trim_blocks", "{% if true %}\nyes\n{% endif %}\nafter", {}),
    ("lstrip_blocks", "line\n    {% if true %}\n    indented\n    {% endif %}\nend", {}),
    ("lstrip_not_after_text", "a  {% if true %}b{% endif %}  c\n  {{ 'v' }}  \n", {}),
    ("whitespace_control", "a   \n  {%- if true -%}  \n  b  \n  {%- endif -%}\n\n  c {{- ' d ' -}} e", {}),
    ("plus_disables", "x\n  {%+ if true +%}\ny{% endif %}\n", {}),
    ("comments", "a\n  {# comment #}\nb{#- x -#}   c\n{# multi\nline #}\nd", {}),
    ("raw_block", "{% raw %}{{ not evaluated }}{% endraw %}!", {}),
    ("trailing_newline_dropped", "text\n", {}),
    ("crlf_normalized", "a\r\nb\rc", {}),
    ("for_loop_vars", "{% for x in items %}{{ loop.index }}/{{ loop.index0 }}/{{ loop.revindex }}/{{ loop.first }}/{{ loop.last }}/{{ loop.length }} {% endfor %}", {"items": ["a", "b", "c"]}),
    ("for_else", "{% for x in [] %}x{% else %}empty{% endfor %}", {}),
    ("for_else_after_only_continue_or_break", "{% for x in 'ab' %}{% continue %}{% else %}E1{% endfor %}|{% for x in 'ab' %}{% break %}{% else %}E2{% endfor %}|{% for x in 'ab' %}{% if loop.last %}{% break %}{% endif %}{% else %}E3{% endfor %}", {}),
    ("for_filter", "{% for x in range(10) if x is odd %}{{ x }}{{ ',' if not loop.last }}{% endfor %}", {}),
    ("break_continue", "{% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 5 %}{% break %}{% endif %}{{ x }}{% endfor %}", {}),
    ("nested_loops", "{% for a in [1, 2] %}{% for b in 'xy' %}{{ a }}{{ b }}{{ loop.index }} {% endfor %}{% endfor %}", {}),
    ("unpacking", "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}{% set a, b = 1, 2 %}{{ a + b }}", {"d": {"x": 1, "y": [1, 2]}}),
    ("dict_iteration_and_items_filter", "{% for k in d %}{{ k }}{% endfor %}|{% for k, v in d|items %}{{ k }}{{ v }}{% endfor %}", {"d": {"b": 1, "a": 2}}),
    ("loop_scoping", "{% set x = 0 %}{% for i in range(3) %}{{ x }}{% set x = x + 1 %}{{ x }};{% endfor %}{{ x }}", {}),
    ("if_does_not_scope", "{% if true %}{% set y = 5 %}{% endif %}{{ y }}", {}),
    ("namespace", "{% set ns = namespace(count=0, found=none) %}{% for m in msgs %}{% if m.role == 'user' %}{% set ns.count = ns.count + 1 %}{% set ns.found = loop.index0 %}{% endif %}{% endfor %}{{ ns.count }} {{ ns.found }}", {"msgs": [{"role": "user"}, {"role": "assistant"}, {"role": "user"}]}),
    ("slicing", "{{ xs[1:] }} {{ xs[::-1] }} {{ xs[:-1] }} {{ xs[-2] }} {{ xs[1:4:2] }} {{ 'hello'[::-1] }} {{ 'hello'[1:3] }} {{ xs[10] }}|{{ xs[5:] }}", {"xs": [1, 2, 3, 4, 5]}),
    ("string_methods", "{{ s.startswith('He') }} {{ s.endswith(('x', 'd!')) }} {{ s.split(' ') }} {{ s.split() }} {{ '  a b  '.strip() }}|{{ 'xxhixx'.strip('x') }} {{ '\\n\\nhi'.lstrip('\\n') }} {{ 'hi\\n\\n'.rstrip() }} {{ s.upper() }} {{ s.lower() }} {{ s.replace('l', 'L') }} {{ s.replace('l', 'L', 1) }} {{ 'hello wORLD 3rd'.title() }} {{ 'a,b,,c'.split(',') }} {{ 'a b c'.split(' ', 1) }} {{ 'a b c'.rsplit(' ', 1) }} {{ s.find('o') }} {{ s.count('l') }} {{ '-'.join(['a', 'b']) }} {{ 'x{}y{}'.format(1, 'z') }} {{ 'abc'.capitalize() }} {{ '42'.isdigit() }}", {"s": "Hello World!"}),
    ("think_split", "{% set c = m.split('</think>')[-1].lstrip('\\n') %}{% set r = m.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') %}[{{ r }}][{{ c }}]", {"m": "<think>\nreason\n</think>\n\nanswer"}),
    ("tojson", "{{ v | tojson }}\n{{ v | tojson(indent=2) }}\n{{ v | tojson(separators=(',', ':')) }}\n{{ v | tojson(sort_keys=true) }}\n{{ 'é\"\\\\\\n\\t\\u0001' | tojson }}\n{{ 'é' | tojson(ensure_ascii=true) }}", {"v": {"b": [1, 2.5, True, None, "ü"], "a": {}, "c": [], "d": 1e20, "e": 0.1}}),
    ("is_tests", "{{ s is string }} {{ d is mapping }} {{ x is defined }} {{ u is defined }} {{ n is none }} {{ l is iterable }} {{ l is sequence }} {{ 3 is odd }} {{ 4 is even }} {{ 9 is divisibleby 3 }} {{ false is false }} {{ 1 is true }} {{ 1 is number }} {{ 1.5 is float }} {{ 1 is integer }} {{ true is boolean }} {{ 'a' is in 'cat' }} {{ 3 is eq 3 }} {{ u is not defined }} {{ d is not string }}", {"s": "x", "d": {"a": 1}, "x": 1, "n": None, "l": [1]}),
    ("in_operator", "{{ 'a' in 'cat' }} {{ 2 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 'z' not in 'cat' }} {{ 'x' in u }}", {}),
    ("concat_tilde", "{{ 'a' ~ 1 ~ none ~ true ~ [1] ~ u }}", {}),
    ("arithmetic", "{{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 4 / 2 }} {{ 2 ** 10 }} {{ 2 ** -1 }} {{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 'ab' * 3 }} {{ true + 1 }} {{ 10 - 2.5 }} {{ 1e3 }} {{ 0.1 + 0.2 }} {{ 1 / 3 }} {{ 2.0 ** 60 }} {{ 1e-5 }} {{ -0.0 }}", {}),
    ("comparisons", "{{ 1 == 1.0 }} {{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 'a' < 'b' }} {{ [1, 2] == [1, 2] }} {{ (1, 2) == [1, 2] }} {{ none == none }} {{ u == u }} {{ 1 != 2 }} {{ true == 1 }}", {}),
    ("printing_values", "{{ none }} {{ true }} {{ [1, 'a', none, 1.5, {'k': \"it's\"}] }} {{ (1,) }} {{ () }} {{ {'a': (1, 2)} }} {{ 12345678901234567 }} {{ 1e16 }} {{ 123456789.125 }} {{ u }}|", {}),
    ("filters", "{{ '  x  ' | trim }}|{{ [3, 1, 2] | sort | join(',') }}|{{ 'abc' | list }}|{{ [1, 2] | first }}{{ [1, 2] | last }}|{{ u | default('dflt') }}|{{ '' | default('e', true) }}|{{ none | default('n') }}|{{ 'hi' | upper }}{{ 'HI' | lower }}|{{ 'hello world' | title }}|{{ '12' | int + 1 }}|{{ '1.9' | int }}|{{ 'x' | int }}|{{ 3 | string ~ 'x' }}|{{ [1, 2, 3] | reverse | list }}|{{ 'abc' | reverse }}|{{ [1, 2] | length }}{{ 'ab' | count }}|{{ 2.5 | round }}|{{ 3.14159 | round(2) }}|{{ -3 | abs }}|{{ [1, 2, 2, 3] | unique | list }}|{{ [1, 5, 3] | max }}{{ [4, 2] | min }}|{{ [1, 2, 3] | sum }}|{{ 'a\\nb' | indent(2) }}|{{ 'a\\nb' | indent(2, true) }}|{{ 'x' | safe }}|{{ '<a>' | e }}|{{ 'a b c' | wordcount }}|{{ 3 | float }}|{{ {'b': 1, 'a': 2} | dictsort }}", {}),
    ("select_map", "{{ ms | selectattr('role', 'equalto', 'user') | map(attribute='content') | join(' ') }}|{{ ms | rejectattr('role', 'eq', 'user') | list | length }}|{{ [1, 2, 3, 4] | select('even') | list }}|{{ ms | map(attribute='role') | list }}|{{ ['a', 'b'] | map('upper') | join }}|{{ ms | selectattr('tool') | list | length }}|{{ ms | map(attribute='missing', default='d') | join }}", {"ms": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b", "tool": 1}, {"role": "user", "content": "c"}]}),
    ("macros", "{% macro render(m, prefix='> ') %}{{ prefix }}{{ m.content }}{% endmacro %}{% for m in ms %}{{ render(m) }}|{{ render(m, prefix='* ') }}|{% endfor %}", {"ms": [{"content": "a"}, {"content": "b"}]}),
    ("set_block_and_filter_block", "{% set body %}Hello {{ name }}{% endset %}[{{ body }}]{% set up | upper %}x{{ 1 }}{% endset %}{{ up }}{% filter upper %}shout {{ name }}{% endfilter %}", {"name": "bob"}),
    ("conditional_expression", "{{ 'yes' if flag else 'no' }} {{ 'shown' if flag }}[{{ 'hidden' if not flag }}] {{ a or 'fallback' }} {{ a and 'x' }} {{ 0 or none }}", {"flag": True, "a": ""}),
    ("dict_methods", "{{ d.get('a') }} {{ d.get('z', 'dflt') }} {{ d.get('z') }} {{ d.keys() | list }} {{ d.values() | list }} {{ d['a'] }} {{ d.a }} {{ d.items() | list }}", {"d": {"a": 1, "b": "two"}}),
    ("attribute_vs_item", "{{ d.items is defined }} {{ d['items'] }} {{ d.nope is defined }} {{ l.0 }} {{ l['0'] is defined }}", {"d": {"items": 3}, "l": [7]}),
    ("string_escapes", "{{ 'tab\\there' }}|{{ \"dq \\\"q\\\" 'sq'\" }}|{{ 'unicode \\u00e9 \\U0001F600 \\x41' }}|{{ 'back\\\\slash' }}|{{ 'unknown \\d escape' }}", {}),
    ("unicode_text", "{{ s | length }} {{ s[1] }} {{ s[::-1] }} {{ s.upper() }}", {"s": "a😀ü"}),
    ("strftime_now", "{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%Y-%m-%d %H:%M:%S') }}|{{ strftime_now('%A %B %-d') }}", {}),
    ("llama31_date_default", "{%- if not date_string is defined %}\n    {%- set date_string = \"26 Jul 2024\" %}\n{%- endif %}\nToday Date: {{ date_string }}", {}),
    ("with_block", "{% with a = 1, b = 'x' %}{{ a }}{{ b }}{% endwith %}{{ a is defined }}", {}),
    ("range_and_list_literals", "{{ range(3) | list }} {{ range(1, 10, 3) | list }} {{ [1, [2, 3]] | length }} {{ {'a': 1, 'a': 2} }}", {}),
    ("whitespace_in_loop_template", "{%- for m in ms %}\n    {{- m + '\\n' }}\n    {%- if not loop.last %}\n        {{- '---\\n' }}\n    {%- endif %}\n{%- endfor %}\n", {"ms": ["a", "b"]}),
    ("printf_format", "{{ '%s=%d (%.2f) %5s|%-5s|%05.1f %x %r %e %g %%' % ('a', 3.9, 2.345, 'r', 'l', -2.25, 255, 'q', 12345.678, 0.0001) }}|{{ '%s and %s' | format('A', 'B') }}|{{ '%(name)s' % {'name': 'N'} }}", {}),
    ("undefined_attribute_chain_error", "{{ u.foo }}", {}, ),
    ("raise_exception_error", "{{ raise_exception('Conversation roles must alternate user/assistant') }}", {}),
    ("mutation_refused_error", "{{ l.append(1) }}", {"l": []}),
    ("type_error_concat", "{{ 'a' + 1 }}", {}),
    ("syntax_error_unknown_tag", "line1\n{% frobnicate %}", {}),
    ("syntax_error_unclosed_for", "{% for x in y %}\nno end", {}),
]


def whitespace_fuzz(count, seed):
    """Random templates mixing whitespace-heavy text with if/for/set/raw/comment/print tags and -/+ modifiers:
    the lexer's trim_blocks/lstrip_blocks/line_starting rules are where a re-implementation usually drifts."""
    rnd = random.Random(seed)
    texts = ["", " ", "  ", "\n", "\n\n", " \n ", "\t", "a", " b ", "c\n", "\n  d", "  \n\t  ", "x y", "\u00a0",
             "\r\n", " \r\n  "]

    def mod():
        return rnd.choice(["", "", "-", "+"])

    def tag(depth):
        r = rnd.random()
        if r < 0.25 and depth < 3:
            body = "".join(piece(depth + 1) for _ in range(rnd.randint(0, 3)))
            kw = rnd.choice(["if true", "if false", "for i in [1, 2]", "for i in []"])
            end = "endif" if kw.startswith("if") else "endfor"
            middle = ""
            if rnd.random() < 0.3:
                middle = "{%" + mod() + " else " + mod() + "%}" + "".join(piece(depth + 1) for _ in range(rnd.randint(0, 2)))
            return "{%" + mod() + " " + kw + " " + mod() + "%}" + body + middle + "{%" + mod() + " " + end + " " + mod() + "%}"
        if r < 0.5:
            return "{{" + rnd.choice(["", "-"]) + " " + rnd.choice(["'v'", "i", "'\\n'", "' w '"]) + " " + rnd.choice(["", "-"]) + "}}"
        if r < 0.65:
            return "{#" + rnd.choice(["", "-", "+"]) + " c " + rnd.choice(["", "-", "+"]) + "#}"
        if r < 0.8:
            return "{%" + mod() + " set z = 1 " + mod() + "%}"
        if r < 0.85:
            return ("{%" + mod() + " raw " + mod() + "%}" + rnd.choice(texts) + "{{ r }}" + rnd.choice(texts)
                    + "{%" + mod() + " endraw " + mod() + "%}")
        return rnd.choice(texts)

    def piece(depth):
        return rnd.choice(texts) + tag(depth) + rnd.choice(texts)

    cases = []
    for n in range(count):
        template = "".join(piece(0) for _ in range(rnd.randint(1, 5)))
        entry = {"name": "ws%d" % n, "template": template, "variables": {"i": 0}}
        try:
            entry["expected"] = ENV.from_string(template).render(**entry["variables"])
        except Exception as e:
            entry["error"] = type(e).__name__ + ": " + str(e)
        cases.append(entry)
    return cases


def statement_fuzz(count, seed):
    """Random nests of statements: scoping of set in loops, namespaces, for-else after break/continue, loop
    variables (previtem, nextitem, cycle), tuple targets with loop filters, captured blocks and macros."""
    rnd = random.Random(seed)
    iterables = ["items", "d", "d.items()", "d | items", "range(3)", "'ab'", "[]", "pairs", "items[1:]", "items[::-1]",
                 "d | dictsort"]
    pair_iterables = ("d.items()", "d | items", "pairs", "d | dictsort")
    outputs = ["x", "loop.index", "loop.revindex0", "loop.previtem", "loop.nextitem", "loop.cycle('o', 'e')", "ns.n", "acc",
               "k ~ '=' ~ v", "m(x)", "m(x, sep='/')", "x | string | upper", "outer", "loop.length",
               "loop.first and loop.last", "(x ~ '') * 2"]

    def stmt(depth):
        r = rnd.random()
        if depth > 2 or r < 0.25:
            return "{{ " + rnd.choice(outputs) + " }}"
        if r < 0.45:
            iterable = rnd.choice(iterables)
            target = rnd.choice(["x", "k, v"]) if iterable in pair_iterables else "x"
            condition = rnd.choice(["", "", " if x", " if loop is undefined"])
            body = "".join(stmt(depth + 1) for _ in range(rnd.randint(1, 3)))
            otherwise = rnd.choice(["", "{% else %}E"])
            return "{% for " + target + " in " + iterable + condition + " %}" + body + otherwise + "{% endfor %}"
        if r < 0.55:
            return ("{% if " + rnd.choice(["x", "loop.first", "ns.n > 1", "acc", "k is defined"]) + " %}" + stmt(depth + 1)
                    + "{% elif " + rnd.choice(["true", "false"]) + " %}EL{% else %}" + stmt(depth + 1) + "{% endif %}")
        if r < 0.63:
            return "{% set ns.n = ns.n + 1 %}"
        if r < 0.7:
            return "{% set acc = acc ~ '.' %}"
        if r < 0.75:
            return "{% set outer = loop %}" if rnd.random() < 0.5 else "{% set a, b = [1, 2] %}{{ a }}{{ b }}"
        if r < 0.82:
            return rnd.choice(["{% break %}", "{% continue %}"])
        if r < 0.88:
            return "{% with y = " + rnd.choice(["1", "x", "acc"]) + " %}[{{ y }}]" + stmt(depth + 1) + "{% endwith %}"
        if r < 0.94:
            return "{% filter upper %}" + stmt(depth + 1) + "{% endfilter %}"
        return "{% set cap %}" + stmt(depth + 1) + "{% endset %}<{{ cap }}>"

    prefix = ("{% macro m(v, sep='-') %}{{ sep }}{{ v }}{{ sep }}{% endmacro %}{% set ns = namespace(n=0) %}"
              "{% set acc = '' %}{% set x = 'X' %}")
    variables = {"items": ["a", "b", "c"], "d": {"z": 1, "y": 2}, "pairs": [[1, 2], [3, 4]]}
    cases = []
    for n in range(count):
        template = prefix + "".join(stmt(0) for _ in range(rnd.randint(1, 4))) + "|{{ ns.n }}|{{ acc }}|{{ x }}"
        entry = {"name": "st%d" % n, "template": template, "variables": variables}
        try:
            entry["expected"] = ENV.from_string(template).render(**json.loads(json.dumps(variables)))
        except Exception as e:
            entry["error"] = type(e).__name__ + ": " + str(e)
        cases.append(entry)
    return cases


def main():
    configs = {}
    for name in ("qwen3", "llama3"):
        with open(os.path.join(SHARED, "models", "tokenizers", name, "tokenizer_config.json"), encoding="utf-8") as f:
            configs[name] = json.load(f)
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "conversations.json"), "w", encoding="utf-8", newline="") as f:
        json.dump({"cases": CASES}, f, ensure_ascii=False, indent=1)
        f.write("\n")
    for case in CASES:
        for tpl in case["templates"]:
            c = configs[tpl]
            out = render(c["chat_template"], case["messages"], case["tools"], case["add_generation_prompt"],
                         special(c, "bos_token"), special(c, "eos_token"), case["extra"])
            path = os.path.join(OUT, "expected", tpl, case["name"] + ".txt")
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write(out)
    features = []
    for name, template, variables in FEATURES:
        entry = {"name": name, "template": template, "variables": variables}
        try:
            entry["expected"] = ENV.from_string(template).render(**variables)
        except Exception as e:  # jinja2 errors and the Python TypeErrors a template can cause
            entry["error"] = type(e).__name__ + ": " + str(e)
        features.append(entry)
    with open(os.path.join(OUT, "features.json"), "w", encoding="utf-8", newline="") as f:
        json.dump({"jinja2": jinja2.__version__, "features": features}, f, ensure_ascii=False, indent=1)
        f.write("\n")
    with open(os.path.join(OUT, "whitespace-fuzz.json"), "w", encoding="utf-8", newline="") as f:
        json.dump({"jinja2": jinja2.__version__, "features": whitespace_fuzz(600, 7)}, f, ensure_ascii=False, indent=0)
        f.write("\n")
    with open(os.path.join(OUT, "statement-fuzz.json"), "w", encoding="utf-8", newline="") as f:
        json.dump({"jinja2": jinja2.__version__, "features": statement_fuzz(600, 3)}, f, ensure_ascii=False, indent=0)
        f.write("\n")
    print("wrote", OUT, file=sys.stderr)


if __name__ == "__main__":
    main()
