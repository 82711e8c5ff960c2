/* test_tpl_stmt.c - statements, scoping, whitespace control, macros,
 * include/import/extends through a loader, syntax errors. */
#include "tpl_test_util.h"

static void test_if_for(void **state)
{
    (void)state;
    RENDER_EQ("{% for n in [1, 5, 10, 20] %}{% if n < 5 %}a{% elif n < 10 %}b{% elif n < 20 %}c"
              "{% else %}d{% endif %}{% endfor %}",
              NULL, "abcd");
    RENDER_EQ("{% for x in 'abc' %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ "
              "loop.revindex0 }}"
              "{{ loop.first }}{{ loop.last }}{{ loop.length }};{% endfor %}",
              NULL, "1032TrueFalse3;2121FalseFalse3;3210FalseTrue3;");
    RENDER_EQ("{% for x in [1, 2, 3] %}{{ loop.previtem }}-{{ loop.nextitem }}|{{ loop.cycle('o', "
              "'e') }};"
              "{% endfor %}",
              NULL, "-2|o;1-3|e;2-|o;");
    RENDER_EQ(
        "{% for x in [1, 1, 2, 2, 1] %}{% if loop.changed(x) %}{{ x }}{% endif %}{% endfor %}",
        NULL, "121");
    RENDER_EQ("{% for x in [1, 2, 3, 4] if x > 2 %}{{ x }}:{{ loop.index }}/{{ loop.length }} {% "
              "endfor %}",
              NULL, "3:1/2 4:2/2 ");
    RENDER_EQ("{% for a, (b, c) in [(1, (2, 3))] %}{{ a }}{{ b }}{{ c }}{% endfor %}", NULL, "123");
    RENDER_EQ(
        "{% for x in [[1, [2, 3]], [4]] recursive %}[{% if x is iterable %}{{ loop(x) }}{% else %}"
        "{{ x }}@{{ loop.depth }}{% endif %}]{% endfor %}",
        NULL, "[[1@2][[2@3][3@3]]][[4@2]]");
    RENDER_EQ("{% for x in [] %}{{ x }}{% else %}empty{% endfor %}", NULL, "empty");
    RENDER_ERR("{% for a, b in [(1, 2, 3)] %}{% endfor %}", NULL, "too many values to unpack");
}

static void test_set_scoping(void **state)
{
    (void)state;
    RENDER_EQ("{% set total = 0 %}{% for i in [1, 2, 3] %}{% set total = total + i %}{% endfor "
              "%}{{ total }}",
              NULL, "0");
    RENDER_EQ(
        "{% set ns = namespace(total=0) %}{% for i in [1, 2, 3] %}{% set ns.total = ns.total + i %}"
        "{% endfor %}{{ ns.total }}",
        NULL, "6");
    RENDER_EQ(
        "{% set x = 1 %}{% for i in [1, 2] %}{{ x }}{% set x = 5 %}{{ x }}{% endfor %}{{ x }}",
        NULL, "15151");
    RENDER_EQ(
        "{% set x %}Hello {{ n }}!{% endset %}[{{ x }}]{% set y | upper %}abc{% endset %}{{ y }}",
        "{\"n\": \"Ann\"}", "[Hello Ann!]ABC");
    RENDER_EQ("{% set a, b = 1, 2 %}{{ a }}{{ b }}", NULL, "12");
    RENDER_EQ("{% with a = 1, b = 2 %}{{ a + b }}{% endwith %}[{{ a }}]", NULL, "3[]");
    RENDER_EQ("{% set l = [3, 1] %}{{ l.append(2) }}{{ l }}{% set _ = l.sort() %}{{ l }}", NULL,
              "None[3, 1, 2][1, 2, 3]");
}

static void test_macros(void **state)
{
    (void)state;
    RENDER_EQ("{% macro greet(name, greeting='Hello') %}{{ greeting }}, {{ name }}!{% endmacro %}"
              "{{ greet('Bob') }} {{ greet('Ann', 'Hi') }} {{ greet(greeting='Yo', name='Z') }}",
              NULL, "Hello, Bob! Hi, Ann! Yo, Z!");
    RENDER_EQ("{% macro wrap(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}"
              "{% call wrap('b') %}bold{% endcall %}",
              NULL, "<b>bold</b>");
    RENDER_EQ("{% macro m() %}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, a=3) }}", NULL,
              "(1, 2){'a': 3}");
    RENDER_EQ("{% macro l(items) %}{% for i in items %}{{ caller(i) }}{% endfor %}{% endmacro %}"
              "{% call(x) l([1, 2]) %}<{{ x }}>{% endcall %}",
              NULL, "<1><2>");
    RENDER_EQ(
        "{% macro f(n) %}{% if n > 0 %}{{ n }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(5) }}",
        NULL, "54321");
    RENDER_ERR("{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1, 2) }}", NULL,
               "takes not more than 1 argument");
    RENDER_ERR("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", NULL, "maximum recursion depth");
}

static void test_misc_stmts(void **state)
{
    (void)state;
    RENDER_EQ("{% raw %}{{ x }}{% if %}{% endraw %}", NULL, "{{ x }}{% if %}");
    RENDER_EQ("{% filter upper %}hello {{ n }}{% endfilter %}", "{\"n\": \"ann\"}", "HELLO ANN");
    RENDER_EQ("{# comment #}a{#- c -#} b", NULL, "ab");
    RENDER_EQ("{% set c = cycler('a', 'b') %}{{ c.next() }}{{ c.next() }}{{ c.next() }}"
              "{% set j = joiner('|') %}{% for x in [1, 2] %}{{ j() }}{{ x }}{% endfor %}",
              NULL, "aba1|2");
    RENDER_EQ("{% autoescape true %}{{ '<' }}{% endautoescape %}{{ '<' }}", NULL, "&lt;<");
    RENDER_ERR("{% do x %}", NULL, "Encountered unknown tag 'do'");
}

static void test_whitespace(void **state)
{
    (void)state;
    RENDER_EQ("hello\n", NULL, "hello");
    RENDER_EQ("{%- for x in [1, 2] -%}\n {{ x }}\n{%- endfor -%}", NULL, "12");
    RENDER_EQ("{% if true %}\nyes\n{% endif %}\n", NULL, "\nyes\n");
    RENDER_EQ("a {{- 1 -}} b {{+ 2 }} c", NULL, "a1b 2 c");
    RENDER_EQ("a\r\nb\rc\r\n", NULL, "a\nb\nc");
}

static void test_syntax_errors(void **state)
{
    (void)state;
    RENDER_ERR(
        "{% if x %}no end", NULL,
        "t:1: Unexpected end of template. Jinja was looking for the following tags: 'elif' or "
        "'else' or 'endif'. The innermost block that needs to be closed is 'if'.");
    RENDER_ERR("{{ x|nosuchfilter }}", NULL, "No filter named 'nosuchfilter'.");
    RENDER_ERR("{{ x is nosuchtest }}", NULL, "No test named 'nosuchtest'.");
    RENDER_ERR("a\n{% endif %}", NULL, "t:2: Encountered unknown tag 'endif'.");
    RENDER_ERR("{{ (1, 2 }}", NULL, "unexpected '}', expected ')'");
    RENDER_ERR("{{ 'unclosed }}", NULL, "t:1:");
    RENDER_ERR("{% macro m(a=1, b) %}{% endmacro %}", NULL,
               "non-default argument follows default argument");
}

/* a loader over an in-memory table */
static const char *const FILES[][2] = {
    {"base.j2", "<{% block title %}Base{% endblock %}|{% block body %}B{% endblock %}>"},
    {"child.j2", "{% extends 'base.j2' %}{% block title %}Child-{{ super() }}{% endblock %}"},
    {"grand.j2", "{% extends 'child.j2' %}{% block body %}G{{ self.title() }}{% endblock %}"},
    {"inc.j2", "[inc {{ who }}]"},
    {"macros.j2",
     "{% macro hi(n) %}hi {{ n }}{% endmacro %}{% set _private = 1 %}{% set pub = 2 %}"},
};

static int mem_load(void *ud, const char *name, struct octo_tpl **out, octo_error *err)
{
    size_t i;
    for (i = 0; i < sizeof(FILES) / sizeof(FILES[0]); i++) {
        if (strcmp(FILES[i][0], name) == 0) {
            return octo_tpl_compile(FILES[i][1], strlen(FILES[i][1]), name, ud, out, err);
        }
    }
    snprintf(err->msg, sizeof(err->msg), "%s", name);
    return OCTO_ENOENT;
}

static void test_loader(void **state)
{
    struct octo_tpl_env env;
    char *r;
    (void)state;
    memset(&env, 0, sizeof(env));
    env.load = mem_load;
    env.ud = &env;
#define LOAD_EQ(tpl, ctx, exp)                                                                     \
    r = tpl_render_env(tpl, ctx, &env);                                                            \
    assert_string_equal(r, exp);                                                                   \
    free(r)
    LOAD_EQ("{% include 'inc.j2' %}", "{\"who\": \"me\"}", "[inc me]");
    LOAD_EQ("{% for who in ['a', 'b'] %}{% include 'inc.j2' %}{% endfor %}", NULL,
            "[inc a][inc b]");
    LOAD_EQ("{% include 'inc.j2' without context %}", "{\"who\": \"me\"}", "[inc ]");
    LOAD_EQ("{% include 'nope.j2' ignore missing %}ok", NULL, "ok");
    LOAD_EQ("{% include ['nope.j2', 'inc.j2'] %}", NULL, "[inc ]");
    LOAD_EQ("{% import 'macros.j2' as m %}{{ m.hi('x') }} {{ m.pub }} [{{ m._private }}]", NULL,
            "hi x 2 []");
    LOAD_EQ("{% from 'macros.j2' import hi as h, pub %}{{ h(1) }}{{ pub }}", NULL, "hi 12");
    LOAD_EQ("{% include 'child.j2' %}", NULL, "<Child-Base|B>");
    LOAD_EQ("{% include 'grand.j2' %}", NULL, "<Child-Base|GChild-Base>");
    LOAD_EQ("{% extends 'base.j2' %}ignored{% block body %}X{% endblock %}", NULL, "<Base|X>");
    r = tpl_render_env("{% include 'nope.j2' %}", NULL, &env);
    assert_non_null(strstr(r, "nope.j2"));
    free(r);
    RENDER_ERR("{% include 'x.j2' %}", NULL, "no loader for this environment specified");
#undef LOAD_EQ
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_if_for),     cmocka_unit_test(test_set_scoping),
        cmocka_unit_test(test_macros),     cmocka_unit_test(test_misc_stmts),
        cmocka_unit_test(test_whitespace), cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_loader),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
