using System.Text.Json.Nodes;
using PersonaVectors.Engine.ChatTemplates;

namespace PersonaVectors.Tests.Engine.ChatTemplates;

/// <summary>
/// Each case is rendered three ways that must agree: our engine, Python Jinja2 configured like transformers,
/// and the expected text written by hand (so a shared misunderstanding of both engines cannot pass unnoticed).
/// </summary>
public sealed class JinjaSemanticsTests
{
    public sealed record Case(string Name, string Template, string Expected, string Vars = "{}");

    const string Users = """{"users": [{"name": "al", "admin": true, "age": 40}, {"name": "bo", "admin": false, "age": 30}]}""";

    static readonly Case[] Cases =
    [
        // whitespace control, trim_blocks and lstrip_blocks
        new("ws_trim_blocks", "{% if true %}\nyes\n{% endif %}\nend", "yes\nend"),
        new("ws_lstrip_blocks", "  {% if true %}\n  x\n  {% endif %}\n", "  x\n"),
        new("ws_minus_blocks", "a  {%- if true -%}  b  {%- endif -%}  c", "abc"),
        new("ws_minus_variables", "a \n {{- 'x' -}} \n b", "axb"),
        new("ws_plus_keeps_indent", "  {%+ if true %}x{% endif %}", "  x"),
        new("ws_plus_keeps_newline", "{% if true +%}\nx{% endif %}", "\nx"),
        new("ws_comment_line", "a\n  {# note #}\nb", "a\nb"),
        new("ws_comment_multiline", "a{# multi\nline #}b", "ab"),
        new("ws_variable_not_trimmed", "{{ 'a' }}\nb", "a\nb"),
        new("ws_trailing_newline_dropped", "x\n", "x"),
        new("ws_crlf", "a\r\n{% if true %}\r\nb\r\n{% endif %}\r\n", "a\nb\n"),
        new("ws_lstrip_needs_line_start", "x {% if true %}y{% endif %}", "x y"),
        new("ws_indented_loop", "<ul>\n  {% for i in [1, 2] %}\n    <li>{{ i }}</li>\n  {% endfor %}\n</ul>", "<ul>\n    <li>1</li>\n    <li>2</li>\n</ul>"),
        new("ws_raw", "{% raw %}{{ x }}{% endraw %}", "{{ x }}"),

        // loops
        new("loop_variables",
            "{% for x in ['a','b','c'] %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}|{% endfor %}",
            "1032TrueFalse3|2121FalseFalse3|3210FalseTrue3|"),
        new("loop_prev_next", "{% for x in [1,2,3] %}{{ loop.previtem }}-{{ loop.nextitem }};{% endfor %}", "-2;1-3;2-;"),
        new("loop_else", "{% for x in [] %}x{% else %}empty{% endfor %}", "empty"),
        new("loop_filter", "{% for x in [1,2,3,4] if x is even %}{{ x }}{{ loop.length }}{% endfor %}", "2242"),
        new("loop_unpack_items", "{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }};{% endfor %}", "a=1;b=2;"),
        new("loop_break_continue",
            "{% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 5 %}{% break %}{% endif %}{{ x }}{% endfor %}", "0134"),
        new("loop_else_after_early_break_or_all_continue",
            "{% for x in [1,2] %}{% break %}{% else %}A{% endfor %}|{% for x in [1,2] %}{% continue %}{% else %}B{% endfor %}|{% for x in [1,2] %}{% if x == 2 %}{% break %}{% endif %}{% else %}C{% endfor %}|{% for x in [1,2] %}x{% else %}D{% endfor %}",
            "A|B||xx"),
        new("loop_scope_does_not_leak", "{% set x = 0 %}{% for i in [1,2] %}{{ x }}{% set x = x + 1 %}{{ x }}{% endfor %}{{ x }}", "01010"),
        new("loop_dict_keys", "{% for k in {'b': 1, 'a': 2} %}{{ k }}{% endfor %}", "ba"),
        new("loop_string_chars", "{% for c in 'héllo' %}[{{ c }}]{% endfor %}", "[h][é][l][l][o]"),
        new("loop_cycle", "{% for x in range(4) %}{{ loop.cycle('a','b') }}{% endfor %}", "abab"),
        new("loop_nested", "{% for a in [1,2] %}{% for b in [3,4] %}{{ a }}{{ b }}{{ loop.index }} {% endfor %}{{ loop.index }};{% endfor %}",
            "131 142 1;231 242 2;"),
        new("loop_over_undefined", "{% for x in nothing %}x{% else %}none{% endfor %}", "none"),
        new("loop_changed", "{% for x in [1,1,2,2,1] %}{% if loop.changed(x) %}{{ x }}{% endif %}{% endfor %}", "121"),
        new("loop_reversed_messages", "{% for m in ms[::-1] %}{{ (ms|length - 1) - loop.index0 }}{{ m }}{% endfor %}", "2c1b0a", """{"ms": ["a", "b", "c"]}"""),

        // assignment, namespaces, scopes
        new("namespace_survives_loop",
            "{% set ns = namespace(found=false, n=0) %}{% for x in [1,2,3] %}{% set ns.n = ns.n + x %}{% if x == 2 %}{% set ns.found = true %}{% endif %}{% endfor %}{{ ns.found }} {{ ns.n }}",
            "True 6"),
        new("namespace_repr", "{{ namespace(a=1) }}", "<Namespace {'a': 1}>"),
        new("set_tuple", "{% set a, b = 1, 2 %}{{ a }}{{ b }}", "12"),
        new("set_block", "{% set x %}Hello {{ name }}{% endset %}[{{ x }}]", "[Hello W]", """{"name": "W"}"""),
        new("set_block_filtered", "{% set x | upper %}abc{% endset %}{{ x }}", "ABC"),
        new("if_scope_leaks", "{% if true %}{% set z = 4 %}{% endif %}{{ z }}", "4"),
        new("set_shadows_variable", "{{ x }}{% set x = 2 %}{{ x }}", "12", """{"x": 1}"""),
        new("with_block", "{% set a = 1 %}{% with a = 2, b = a %}{{ a }}{{ b }}{% endwith %}{{ a }}", "211"),
        new("elif_chain", "{% for x in [1,2,3] %}{% if x == 1 %}a{% elif x == 2 %}b{% else %}c{% endif %}{% endfor %}", "abc"),

        // macros
        new("macro_call",
            "{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('A') }} {{ greet('B', '?') }} {{ greet(name='C', punct='.') }}",
            "Hi A! Hi B? Hi C."),
        new("macro_missing_argument", "{% macro m(a, b) %}[{{ a }}|{{ b }}]{% endmacro %}{{ m(1) }}", "[1|]"),
        new("macro_varargs_kwargs", "{% macro m(a) %}{{ a }}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, 3, x=4) }}", "1(2, 3){'x': 4}"),
        new("macro_sees_later_globals", "{% set a = 1 %}{% macro m() %}{{ a }}{% endmacro %}{% set a = 2 %}{{ m() }}", "2"),
        new("macro_default_uses_earlier_param", "{% macro m(a, b=a) %}{{ a }}{{ b }}{% endmacro %}{{ m(5) }}", "55"),
        new("macro_recursion", "{% macro fact(n) %}{% if n <= 1 %}1{% else %}{{ n * fact(n - 1) | int }}{% endif %}{% endmacro %}{{ fact(10) }}", "3628800"),
        new("macro_repr", "{% macro m() %}{% endmacro %}{{ m }}", "<Macro 'm'>"),
        new("call_block", "{% macro dummy(a, b='!') %}{{ a }} {{ caller() }}{{ b }}{% endmacro %}{% call dummy('hello') %}name{% endcall %}", "hello name!"),
        new("call_block_with_arguments", "{% macro each(items) %}{% for i in items %}{{ caller(i) }}{% endfor %}{% endmacro %}{% call(x) each([1, 2]) %}<{{ x }}>{% endcall %}",
            "<1><2>"),
        new("star_arguments", "{% macro mul(a, b, c) %}{{ a * b * c }}{% endmacro %}{{ mul(*[1, 2, 3]) }} {{ mul(1, **{'b': 2, 'c': 4}) }}", "6 8"),

        // expressions and Python value semantics
        new("arithmetic", "{{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 4 / 2 }} {{ 2 ** 10 }} {{ 2 ** -1 }} {{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }}",
            "3 -4 2 3.5 2.0 1024 0.5 7 9"),
        new("float_arithmetic", "{{ 7.5 // 2 }} {{ -7.5 % 2 }} {{ 1 + 1.5 }} {{ 10 - 0.5 }} {{ 1 + true }}", "3.0 0.5 2.5 9.5 2"),
        new("power_is_left_associative", "{{ 2**3**2 }} {{ -2**2 }}", "64 4"),
        new("float_repr", "{{ 1e16 }} {{ 1.5e-5 }} {{ 0.1 + 0.2 }} {{ 1e15 }} {{ 0.0001 }} {{ 3.0 }} {{ -0.0 }} {{ 1/3 }} {{ 2.5e-300 * 1e-10 }}",
            "1e+16 1.5e-05 0.30000000000000004 1000000000000000.0 0.0001 3.0 -0.0 0.3333333333333333 2.5e-310"),
        new("integer_literals", "{{ 1_000 + 0x10 + 0b11 + 0o7 }}", "1026"),
        new("repetition", "{{ 3 * 'ab' }} {{ [0] * 3 }} {{ 'x' * 0 }}|", "ababab [0, 0, 0] |"),
        new("tilde_concat", "{{ 1 ~ 'a' ~ none ~ true ~ missing }}", "1aNoneTrue"),
        new("string_escapes", """{{ 'a\nb\t\'c\'' }}|{{ "d\"e" }}|{{ 'x' 'y' }}|{{ '\u00e9\x41' }}|{{ 'back\\slash' }}""", "a\nb\t'c'|d\"e|xy|éA|back\\slash"),
        new("comparisons", "{{ 1 < 2 < 3 }} {{ 1 < 3 < 2 }} {{ 'a' < 'b' }} {{ [1,2] < [1,3] }} {{ 1 == 1.0 }} {{ true == 1 }} {{ 'a' != 'b' }} {{ none == none }}",
            "True False True True True True True True"),
        new("membership", "{{ 'b' in 'abc' }} {{ 2 in [1,2] }} {{ 'k' in {'k': 1} }} {{ 3 not in [1,2] }} {{ 'z' in missing }}", "True True True True False"),
        new("and_or_return_operands", "{{ 0 or 'x' }} {{ 'a' and 'b' }} {{ '' and 'b' }}|{{ none or none }} {{ not 0 }}", "x b |None True"),
        new("not_precedence", "{{ not 1 == 2 }} {{ not 'a' in 'abc' }} {{ 1 is not string }}", "True False True"),
        new("filter_binds_tighter", "{{ 'a' + 'b' | upper }} {{ -3 | abs }} {{ '42' | int + 1 }}", "aB 3 43"),
        new("inline_if", "{{ 'y' if true else 'n' }}{{ 'y' if false else 'n' }}[{{ 'y' if false }}]", "yn[]"),
        new("literal_repr", """{{ [1, 'a', None, True, 1.0, (1,), {'a': "it's"}] }}""", """[1, 'a', None, True, 1.0, (1,), {'a': "it's"}]"""),
        new("tuple_repr", "{{ (1, 2) }}|{{ () }}|{{ 1, 2 }}|{{ [1,2,] }}|{{ {'a':1,} }}", "(1, 2)|()|(1, 2)|[1, 2]|{'a': 1}"),
        new("string_repr", """{{ ["a\nb", 'it\'s', 'q"', 'é', '\\', 'a\'b"', '\x01'] }}""", """['a\nb', "it's", 'q"', 'é', '\\', 'a\'b"', '\x01']"""),
        new("bool_none_output", "{{ true }} {{ false }} {{ none }} {{ True }} {{ None }}", "True False None True None"),
        new("slicing",
            "{{ [1,2,3,4][1:] }} {{ [1,2,3,4][::-1] }} {{ 'hello'[1:3] }} {{ 'hello'[::-1] }} {{ [1,2,3][-1] }} {{ [1,2,3,4,5][::2] }} {{ 'abc'[-2:] }} {{ [1,2,3][:-1] }} {{ [1,2,3][5:] }}",
            "[2, 3, 4] [4, 3, 2, 1] el olleh 3 [1, 3, 5] bc [1, 2] []"),
        new("subscript_and_attribute", "{{ m.role }} {{ m['content'] }} {{ m.missing }}|{{ m['missing'] }}|{{ xs.0 }}|{{ xs[9] }}|{{ {}[[1]] }}",
            "user hi ||7||", """{"m": {"role": "user", "content": "hi"}, "xs": [7]}"""),
        new("dict_methods", "{% set d = {'a': 1, 'b': 2} %}{{ d.keys() | list }} {{ d.values() | list }} {{ d.get('a') }} {{ d.get('z') }} {{ d.get('z', 9) }} {{ d.items() | list }} {{ d.keys() }}",
            "['a', 'b'] [1, 2] 1 None 9 [('a', 1), ('b', 2)] dict_keys(['a', 'b'])"),
        new("dict_key_shadowed_by_method", "{{ d['items'] }} {{ d.content }}", "x y", """{"d": {"items": "x", "content": "y"}}"""),
        new("string_methods",
            "{{ '  x  '.strip() }}|{{ 'xxaxx'.strip('x') }}|{{ '  x '.lstrip() }}|{{ ' x  '.rstrip() }}|{{ 'abc'.startswith('a') }}|{{ 'abc'.endswith(('x','c')) }}|{{ 'Hi'.upper() }}{{ 'Hi'.lower() }}|{{ 'a-b-c'.replace('-', '+', 1) }}|{{ \"they're bill's\".title() }}|{{ 'ab'.find('b') }}|{{ 'x\\ny'.splitlines() }}|{{ 'abc'.count('') }}|{{ 'a=b=c'.partition('=') }}",
            "x|a|x | x|True|True|HIhi|a+b-c|They'Re Bill'S|1|['x', 'y']|4|('a', '=', 'b=c')"),
        new("split_maxsplit_keeps_the_rest", "|{{ ' 1 2 3 '.split(none, 1) }}|{{ ' 1 2 3 '.rsplit(none, 1) }}|", "|['1', '2 3 ']|[' 1 2', '3']|"),
        new("string_split", "{{ 'a,b,,c'.split(',') }}|{{ ' a  b '.split() }}|{{ 'a b c'.split(None, 1) }}|{{ 'a b c'.rsplit(' ', 1) }}|{{ 'x'.split('x') }}",
            "['a', 'b', '', 'c']|['a', 'b']|['a', 'b c']|['a b', 'c']|['', '']"),
        new("string_format", "{{ '{} {}'.format(1, 'a') }}|{{ '{0}{name}{0}'.format(1, name=2) }}|{{ '{:>5}|{:<4}|{:^6}|{:05d}|{:.2f}|{:+d}'.format('a', 'b', 'c', 42, 3.14159, 7) }}",
            "1 a|121|    a|b   |  c   |00042|3.14|+7"),
        new("thinking_split",
            "{{ c.split('</think>')[-1].lstrip('\\n') }}|{{ c.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') }}",
            "answer|reason", """{"c": "<think>\nreason\n</think>\n\nanswer"}"""),
        new("emoji_is_one_character", "{{ '😀a' | length }} {{ '😀a'[0] }} {{ '😀a'[::-1] }}", "2 😀 a😀"),
        new("unicode_case", "{{ 'straße' | upper }} {{ 'ÉCOLE' | lower }}", "STRASSE école"),

        // filters
        new("filters_basic",
            "{{ '  a  ' | trim }}|{{ 'abc' | length }}|{{ [1,2] | count }}|{{ 'ab' | upper }}|{{ 'AB' | lower }}|{{ 'hello wORLD-x(y' | title }}|{{ 'hELLO' | capitalize }}|{{ [3,1,2] | first }}|{{ [3,1,2] | last }}|{{ [1,2,3] | join('-') }}|{{ 'aXbX' | replace('X', 'y') }}|{{ 'ab' | list }}|{{ 5 | string }}|{{ '3.5' | float }}",
            "a|3|2|AB|ab|Hello World-X(Y|Hello|3|2|1-2-3|ayby|['a', 'b']|5|3.5"),
        new("filter_trim_chars", "{{ '--a--' | trim('-') }}", "a"),
        new("filter_default", "{{ x | default('d') }}|{{ '' | default('d') }}|{{ '' | default('d', true) }}|{{ none | d('n') }}|{{ false | default('f', boolean=true) }}",
            "d||d|None|f"),
        new("filter_items_dictsort", "{% for k, v in {'b': 2, 'a': 1} | items %}{{ k }}{{ v }}{% endfor %}|{{ {'b': 2, 'a': 1} | dictsort }}|{{ {'b': 1, 'a': 2} | dictsort(by='value', reverse=true) }}",
            "b2a1|[('a', 1), ('b', 2)]|[('a', 2), ('b', 1)]"),
        new("filter_map_select",
            "{{ users | map(attribute='name') | join(',') }}|{{ users | selectattr('admin') | map(attribute='name') | list }}|{{ users | rejectattr('admin') | map(attribute='name') | list }}|{{ [1,2,3,4] | select('odd') | list }}|{{ [1,2,3,4] | reject('odd') | list }}|{{ ['a','b'] | map('upper') | list }}|{{ users | selectattr('name', 'equalto', 'bo') | list | length }}|{{ users | map(attribute='x', default='-') | join }}",
            "al,bo|['al']|['bo']|[1, 3]|[2, 4]|['A', 'B']|1|--", Users),
        new("filter_sort_unique_reverse",
            "{{ ['b','A','a','c'] | unique | list }}|{{ [3,1,2] | sort }}|{{ ['b','a','C'] | sort }}|{{ ['b','a','C'] | sort(case_sensitive=true) }}|{{ [1,2,3] | reverse | list }}|{{ 'abc' | reverse }}|{{ [3,1,2] | sort(reverse=true) }}|{{ users | sort(attribute='age') | map(attribute='name') | join }}",
            "['b', 'A', 'c']|[1, 2, 3]|['a', 'b', 'C']|['C', 'a', 'b']|[3, 2, 1]|cba|[3, 2, 1]|boal", Users),
        new("filter_round", "{{ 2.5 | round }} {{ 3.5 | round }} {{ 2.675 | round(2) }} {{ 5 | round }} {{ 2.1 | round(0, 'ceil') }} {{ 2.9 | round(method='floor') }} {{ 1234.5678 | round(-2) }}",
            "2.0 4.0 2.67 5 3.0 2.0 1200.0"),
        new("filter_tojson", "{{ x | tojson }}|{{ x | tojson(indent=2) }}",
            "{\"a\": [1, 2.5, null, true, \"é\\n\\\"<\"], \"b\": {}}|{\n  \"a\": [\n    1,\n    2.5,\n    null,\n    true,\n    \"é\\n\\\"<\"\n  ],\n  \"b\": {}\n}",
            """{"x": {"a": [1, 2.5, null, true, "é\n\"<"], "b": {}}}"""),
        new("filter_tojson_options",
            "{{ x | tojson(sort_keys=true) }}|{{ x | tojson(separators=(',', ':')) }}|{{ 'é😀' | tojson(ensure_ascii=true) }}|{{ [1.0, 1e20, 'a', (1, 2)] | tojson }}|{{ '\\x01\\x7f' | tojson }}",
            "{\"a\": [1, 2], \"b\": 1}|{\"b\":1,\"a\":[1,2]}|\"\\u00e9\\ud83d\\ude00\"|[1.0, 1e+20, \"a\", [1, 2]]|\"\\u0001\u007f\"",
            """{"x": {"b": 1, "a": [1, 2]}}"""),
        new("filter_indent", "{{ 'a\\nb\\n\\nc' | indent(2) }}|{{ 'a\\nb' | indent(2, true) }}|{{ 'a\\n\\nb' | indent('>', blank=true) }}",
            "a\n  b\n\n  c|  a\n  b|a\n>\n>b"),
        new("filter_int_float",
            "{{ 'x' | int }} {{ 'x' | int(7) }} {{ none | int }} {{ '0x1A' | int(base=16) }} {{ ' 12 ' | int }} {{ 'x' | float }} {{ true | int }} {{ 3.99 | int }} {{ '-3.99' | int }} {{ '1e3' | float }}",
            "0 7 0 26 12 0.0 1 3 -3 1000.0"),
        new("filter_min_max_sum", "{{ [3,1,2] | min }} {{ [3,1,2] | max }} {{ [1,2,3] | sum }} {{ ['b','A'] | min }} {{ users | sum(attribute='age') }} {{ users | max(attribute='age') | attr('name') }}|{{ users | min(attribute='age') }}",
            "1 3 6 A 70 |{'name': 'bo', 'admin': False, 'age': 30}", Users),
        new("filter_escape_and_markup", """{{ '<a href="x">&' | e }}|{{ '<b>' | safe }}|{{ ('<' | safe) + '<' }}|{{ '<' + ('<' | safe) }}|{{ ('<' | safe) ~ '<' }}""",
            "&lt;a href=&#34;x&#34;&gt;&amp;|<b>|<&lt;|&lt;<|<<"),
        new("markup_survives_string_filters", "{{ ('<a>' | safe | upper) + '<' }}|{{ ('x' | e | trim) + '&' }}|{{ ('x' | safe | replace('x', 'y')) + '<' }}",
            "<A>&lt;|x&amp;|y<"),
        new("filter_block", "{% filter upper %}abc{{ 'd' }}{% endfilter %}", "ABCD"),
        new("filter_wordcount_center", "{{ 'a b  c' | wordcount }}|{{ 'ab' | center(6) }}|{{ 'abc' | center(6) }}|", "3|  ab  | abc  |"),
        new("constant_slices_fold_to_undefined", "[{{ none[:1] }}][{{ [1, 2]['a':] }}][{{ 5[1:] }}]", "[][][]"),
        new("sort_keys_compare_as_lists", "{{ [None, None] | sort }} {{ [{'a': 2}, {'a': 1}] | sort(attribute='a') }}", "[None, None] [{'a': 1}, {'a': 2}]"),
        new("printf_formatting",
            "{{ '%s and %r' % ('a', 'b') }}|{{ '%5.2f|%-4d|%04d|%x|%+d' % (3.14159, 7, 42, 255, 3) }}|{{ '%(name)s=%(v)d' % {'name': 'n', 'v': 2} }}|{{ 'no args' % [] }}|{{ '%s' | format([1]) }}|{{ '%s-%s' | format(1, 2) }}|{{ '100%%' % () }}",
            "a and 'b'| 3.14|7   |0042|ff|+3|n=2|no args|[1]|1-2|100%"),
        new("batch_and_slice",
            "{{ [1,2,3,4,5] | batch(2) | list }}|{{ [1,2,3] | batch(2, 'x') | list }}|{{ [1,2,3,4,5] | slice(2) | list }}|{{ [1,2,3] | slice(2, 0) | list }}",
            "[[1, 2], [3, 4], [5]]|[[1, 2], [3, 'x']]|[[1, 2, 3], [4, 5]]|[[1, 2], [3, 0]]"),
        new("map_of_falsy_value", "{{ 0 | map('upper') | list }}{{ none | map(attribute='x') | list }}", "[][]"),
        new("negative_constant_power_quirk", "{{ -3 ** x }} {{ (-3) ** x }} {{ -3 ** 0 }} {{ -y ** 2 }}", "-1 -1 1 9", """{"x": 0, "y": 3}"""),
        new("constant_subexpressions_fold", "{{ d if (not (false)[1:]) else 'x' }}|{{ (-0.0)[::2] or [] }}", "D|[]", """{"d": "D"}"""),
        new("generator_is_truthy", "{% if [] | select %}yes{% else %}no{% endif %}{% if [] | list %}yes{% else %}no{% endif %}", "yesno"),
        new("generator_consumed_once", "{% set g = [1, 2] | map('string') %}{{ g | join }}|{{ g | join }}", "12|"),

        // tests
        new("is_tests_true",
            "{{ x is defined }}{{ y is undefined }}{{ none is none }}{{ 'a' is string }}{{ {} is mapping }}{{ [] is iterable }}{{ 'a' is sequence }}{{ 1 is number }}{{ 1.5 is number }}{{ true is boolean }}{{ true is true }}{{ false is false }}{{ 3 is odd }}{{ 4 is even }}{{ 9 is divisibleby 3 }}{{ 1 is integer }}{{ 1.0 is float }}{{ x is not none }}{{ 'ab' is lower }}{{ 'AB' is upper }}{{ 2 is in [1,2] }}{{ 1 is eq 1 }}{{ 'upper' is filter }}{{ 'odd' is test }}{{ y is iterable }}{{ y is sequence }}{{ true is number }}",
            string.Concat(Enumerable.Repeat("True", 27)), """{"x": 1}"""),
        new("is_tests_false",
            "{{ x is undefined }}{{ 1 is string }}{{ 'a' is mapping }}{{ 1 is iterable }}{{ 1 is sequence }}{{ 'a' is number }}{{ 1 is boolean }}{{ 1 is true }}{{ 0 is false }}{{ true is integer }}{{ 1 is float }}{{ none is string }}{{ 'Ab' is lower }}",
            string.Concat(Enumerable.Repeat("False", 13)), """{"x": 1}"""),

        // undefined
        new("undefined_semantics",
            "[{{ missing }}][{{ missing | length }}][{{ missing is defined }}][{% if missing %}t{% else %}f{% endif %}][{% for x in missing %}x{% endfor %}][{{ missing | default('d') }}][{{ missing == missing }}][{{ missing | upper }}][{{ d.nope }}][{{ missing ~ 'a' }}][{{ missing | list }}][{{ missing | first }}]",
            "[][0][False][f][][d][True][][][a][[]][]", """{"d": {}}"""),
        new("undefined_from_none_and_index", "{{ n.attr }}|{{ n['k'] }}|{{ [1][5] }}|{{ 'ab'[9] }}", "|||", """{"n": null}"""),
        new("globals", "{{ range(3) | list }} {{ range(1, 7, 2) | list }} {{ range(3) }} {{ dict(a=1) }}", "[0, 1, 2] [1, 3, 5] range(0, 3) {'a': 1}"),
        new("generation_tag", "{% for m in ['a','b'] %}{% generation %}{{ m }}!{% endgeneration %}{% endfor %}", "a!b!"),
        new("print_tag", "{% print 'a' ~ 1 %}", "a1"),
        new("nested_messages",
            "{% for m in messages %}{{ m.role }}:{{ m.content }}{% if m.tool_calls %}[{% for t in m.tool_calls %}{{ t.function.name }}({{ t.function.arguments | tojson }}){% endfor %}]{% endif %};{% endfor %}",
            "user:hi;assistant:None[get({\"city\": \"Zürich\"})];",
            """{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": null, "tool_calls": [{"function": {"name": "get", "arguments": {"city": "Zürich"}}}]}]}"""),
    ];

    public sealed record ErrorCase(string Name, string Template, string Vars = "{}");

    static readonly ErrorCase[] ErrorCases =
    [
        new("attribute_of_undefined", "{{ missing.attr }}"),
        new("subscript_of_undefined", "{{ missing[0] }}"),
        new("add_str_int", "{{ 1 + 'a' }}"),
        new("add_undefined", "{{ missing + 1 }}"),
        new("compare_str_int", "{{ 'a' < 1 }}"),
        new("call_undefined", "{{ missing() }}"),
        new("mutating_method", "{{ x.append(2) }}", """{"x": [1]}"""),
        new("assign_attribute_of_non_namespace", "{% set x.y = 1 %}"),
        new("inline_if_without_else_then_attribute", "{{ (1 if false).x }}"),
        new("items_of_string", "{{ 'abc' | items | list }}"),
        new("length_of_none", "{{ none | length }}"),
        new("length_of_generator", "{{ [1, 2] | select | length }}"),
        new("unpack_mismatch", "{% for a, b in [[1, 2, 3]] %}{% endfor %}"),
        new("division_by_zero", "{{ 1 / 0 }}"),
        new("int_of_undefined", "{{ missing | int }}"),
        new("iterate_none", "{% for x in none %}{% endfor %}"),
        new("first_of_int", "{{ 5 | first }}"),
        new("macro_too_many_arguments", "{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}"),
        new("tojson_of_undefined", "{{ missing | tojson }}"),
        new("join_non_strings_method", "{{ ', '.join([1, 2]) }}"),
        new("last_of_generator", "{{ [1] | map('string') | last }}"),
        new("raise_exception", "{{ raise_exception('boom') }}"),
        new("printf_unused_argument", "{{ 'a' % 1 }}"),
        new("printf_missing_argument", "{{ '%s %s' % ('a',) }}"),
        new("indent_of_list", "{{ [1] | indent }}"),
        new("runaway_recursion", "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"),
        new("caller_for_macro_without_caller", "{% macro m() %}x{% endmacro %}{% call m() %}y{% endcall %}"),
        new("slice_of_generator", "{{ ([1, 2] | select)[1:] }}"),
        new("slice_of_undefined", "{{ missing[1:] }}"),
        new("slice_of_none", "{{ n[:1] }}", """{"n": null}"""),
        new("slice_of_dict", "{{ d[1:] }}", """{"d": {}}"""),
        new("slice_with_string_bound", "{{ xs['a':] }}", """{"xs": [1, 2]}"""),
        new("dictsort_of_equal_none_values", "{{ {'a': none, 'b': none} | dictsort(by='value') }}"),
    ];

    static JsonObject Vars(string json) => JsonNode.Parse(json)!.AsObject();

    static readonly Lazy<Dictionary<string, PythonResult>> Reference = new(() =>
    {
        var requests = Cases.Select(c => new PythonCase(c.Template, Vars(c.Vars)))
            .Concat(ErrorCases.Select(c => new PythonCase(c.Template, Vars(c.Vars)))).ToList();
        var results = PythonJinja.RenderMany(requests);
        var names = Cases.Select(c => c.Name).Concat(ErrorCases.Select(c => c.Name));
        return names.Zip(results).ToDictionary(p => p.First, p => p.Second);
    });

    public static TheoryData<string> CaseNames => new(Cases.Select(c => c.Name));
    public static TheoryData<string> ErrorCaseNames => new(ErrorCases.Select(c => c.Name));

    [Fact]
    public void Case_names_are_unique() =>
        Assert.Equal(Cases.Length + ErrorCases.Length, Cases.Select(c => c.Name).Concat(ErrorCases.Select(c => c.Name)).Distinct().Count());

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Renders_like_python_jinja2(string name)
    {
        var c = Cases.Single(x => x.Name == name);
        var reference = Reference.Value[name];
        Assert.True(reference.Ok, $"Python Jinja2 failed on '{name}': {reference.Error}");
        Assert.Equal(c.Expected, reference.Text);

        string ours = JinjaTemplate.Parse(c.Template).Render(PythonJinja.ToVariables(Vars(c.Vars)));
        Assert.Equal(c.Expected, ours);
    }

    [Theory]
    [MemberData(nameof(ErrorCaseNames))]
    public void Fails_where_python_jinja2_fails(string name)
    {
        var c = ErrorCases.Single(x => x.Name == name);
        var reference = Reference.Value[name];
        Assert.False(reference.Ok, $"Python Jinja2 rendered '{name}' as {reference.Text}");

        var error = Assert.Throws<ChatTemplateException>(() => JinjaTemplate.Parse(c.Template).Render(PythonJinja.ToVariables(Vars(c.Vars))));
        Assert.Equal(1, error.Line);
    }
}
