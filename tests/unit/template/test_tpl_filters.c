/* test_tpl_filters.c - built-in filters and tests, and the Ansible extras. */
#include "tpl_test_util.h"

static const char *USERS =
    "{\"users\": ["
    "{\"name\": \"alice\", \"age\": 31, \"city\": \"NY\", \"active\": true},"
    "{\"name\": \"Bob\", \"age\": 25, \"city\": \"LA\", \"active\": false},"
    "{\"name\": \"carol\", \"age\": 31, \"city\": \"NY\", \"active\": true},"
    "{\"name\": \"dave\", \"age\": 40, \"city\": \"SF\", \"active\": false}],"
    " \"d\": {\"b\": 1, \"a\": 3, \"C\": 2}, \"words\": [\"b\", \"A\", \"c\", \"a\"]}";

static void test_string_filters(void **state)
{
    (void)state;
    RENDER_EQ("{{ 'hello world'|title }} {{ 'hELLO'|capitalize }} {{ 'x'|upper }}{{ 'Y'|lower }}",
              NULL, "Hello World Hello Xy");
    RENDER_EQ("{{ s|truncate(20, true) }}|{{ s|truncate(20) }}",
              "{\"s\": \"The quick brown fox jumps over the lazy dog\"}",
              "The quick brown f...|The quick brown...");
    RENDER_EQ("{{ 'a\nb\nc'|indent(2) }}|{{ 'a\n\nb'|indent(2, true, true) }}", NULL,
              "a\n  b\n  c|  a\n  \n  b");
    RENDER_EQ("{{ '  x  '|trim }}|{{ 'xax'|trim('x') }}|{{ 'aaa'|replace('a', 'b', 2) }}|{{ "
              "'ab'|center(6) }}|",
              NULL, "x|a|bba|  ab  |");
    RENDER_EQ("{{ '<a href=\"x\">T&C\\'s</a>'|e }}", NULL,
              "&lt;a href=&#34;x&#34;&gt;T&amp;C&#39;s&lt;/a&gt;");
    RENDER_EQ("{{ '<p>Hi &amp; <b>you</b></p>'|striptags }}", NULL, "Hi & you");
    RENDER_EQ("{{ 'a b/c?d=e'|urlencode }} {{ {'a': 1, 'b': 'x y'}|urlencode }}", NULL,
              "a%20b/c%3Fd%3De a=1&b=x+y");
    RENDER_EQ("{{ 'The quick brown fox jumps'|wordwrap(10) }}", NULL,
              "The quick\nbrown fox\njumps");
    RENDER_EQ("{{ 'hello %s'|format('x') }} {{ 'one two'|wordcount }}", NULL, "hello x 2");
    /* case mapping that grows the text (fuzzer regression: İ lowers to 3 bytes) */
    RENDER_EQ("{{ ('İİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİ' ~ 'abcdefghijklmnopqrstuvwxyz' * "
              "4)|lower|length }}",
              NULL, "168");
    RENDER_EQ("{{ 'ßﬁ straße ΣΑΣ όσος'|upper }} {{ 'ΌΣΟΣ Σ'|lower }}", NULL,
              "SSFI STRASSE ΣΑΣ ΌΣΟΣ όσος σ");
    RENDER_EQ("{{ 'go to www.example.com'|urlize }}", NULL,
              "go to <a href=\"https://www.example.com\" rel=\"noopener\">www.example.com</a>");
}

static void test_collection_filters(void **state)
{
    (void)state;
    RENDER_EQ("{{ users|map(attribute='name')|join(',') }}", USERS, "alice,Bob,carol,dave");
    RENDER_EQ("{{ users|selectattr('age', 'equalto', 31)|map(attribute='name')|join(',') }}", USERS,
              "alice,carol");
    RENDER_EQ("{{ users|sort(attribute='age')|map(attribute='name')|join(',') }}", USERS,
              "Bob,alice,carol,dave");
    RENDER_EQ("{% for g in users|groupby('city') %}{{ g.grouper }}:{{ "
              "g.list|map(attribute='name')|join('/') }};"
              "{% endfor %}",
              USERS, "LA:Bob;NY:alice/carol;SF:dave;");
    RENDER_EQ(
        "{{ words|sort }} {{ words|sort(case_sensitive=true) }} {{ words|sort(reverse=true) }}",
        USERS, "['A', 'a', 'b', 'c'] ['A', 'a', 'b', 'c'] ['c', 'b', 'A', 'a']");
    RENDER_EQ("{{ d|dictsort }} {{ d|dictsort(by='value') }}", USERS,
              "[('a', 3), ('b', 1), ('C', 2)] [('b', 1), ('C', 2), ('a', 3)]");
    RENDER_EQ("{{ [3, 1, 2]|max }} {{ [3, 1, 2]|min }} {{ [3, 1, 2]|sum }} {{ "
              "users|sum(attribute='age') }}",
              USERS, "3 1 6 127");
    RENDER_EQ(
        "{{ [1, 2, 1]|unique|list }} {{ [1, 2, 3]|batch(2)|list }} {{ [1, 2, 3]|slice(2)|list }}",
        NULL, "[1, 2] [[1, 2], [3]] [[1, 2], [3]]");
    RENDER_EQ("{{ [1, 2]|first }} {{ [1, 2]|last }} {{ 'abc'|list }} {{ [1, 2]|reverse|list }} {{ "
              "'ab'|reverse }}",
              NULL, "1 2 ['a', 'b', 'c'] [2, 1] ba");
    RENDER_EQ("{{ [0, 1, '', 'a']|select|list }} {{ [1, 2, 3]|reject('odd')|list }} {{ "
              "['a']|map('upper')|list }}",
              NULL, "[1, 'a'] [2] ['A']");
    RENDER_ERR("{{ users|selectattr('active')|length }}", USERS,
               "object of type 'generator' has no len()");
}

static void test_numeric_filters(void **state)
{
    (void)state;
    RENDER_EQ("{{ 3.14159|round(2) }} {{ 2.675|round(2) }} {{ 2.5|round }} {{ 3|round }} "
              "{{ 3.14159|round(2, 'floor') }} {{ 3.1|round(0, 'ceil') }}",
              NULL, "3.14 2.67 2.0 3 3.14 4.0");
    RENDER_EQ("{{ 'abc'|int }} {{ '42.7'|int }} {{ '0x1F'|int(base=16) }} {{ 'x'|int(7) }} {{ "
              "'3.5'|float }} "
              "{{ -3|abs }}",
              NULL, "0 42 31 7 3.5 3");
    RENDER_EQ("{{ 1000|filesizeformat }} {{ 1|filesizeformat }} {{ 1024|filesizeformat(true) }}",
              NULL, "1.0 kB 1 Byte 1.0 KiB");
}

static void test_default_json(void **state)
{
    (void)state;
    RENDER_EQ("{{ missing|default('x') }} {{ ''|default('x', true) }} {{ 0|default('x') }} {{ "
              "none|d('y', true) }}",
              NULL, "x x 0 y");
    RENDER_EQ("{{ {'b': 1, 'a': [1, 2, none, true]}|tojson }}", NULL,
              "{\"a\": [1, 2, null, true], \"b\": 1}");
    RENDER_EQ("{{ \"<&'>\"|tojson }} {{ {'a': 1}|tojson(indent=2) }}", NULL,
              "\"\\u003c\\u0026\\u0027\\u003e\" {\n  \"a\": 1\n}");
}

static void test_tests(void **state)
{
    (void)state;
    RENDER_EQ("{{ 3 is odd }} {{ 4 is even }} {{ 2.0 is even }} {{ 9 is divisibleby 3 }} {{ none "
              "is none }}",
              NULL, "True True True True True");
    RENDER_EQ("{{ 1 is number }} {{ true is integer }} {{ true is boolean }} {{ {} is mapping }} "
              "{{ 'a' is sequence }} {{ 1 is iterable }}",
              NULL, "True False True True True False");
    RENDER_EQ("{{ 1 is eq 1 }} {{ [1, 2]|select('==', 1)|list == [1] }} {{ 2 is gt(1) }} {{ 1 is "
              "in [1] }} {{ 'abc' is lower }} "
              "{{ 'upper' is filter }} {{ 'odd' is test }}",
              NULL, "True True True True True True True");
}

static void test_ansible(void **state)
{
    (void)state;
    RENDER_EQ("{{ {'b': 1, 'a': 'é'}|to_json }}|{{ [1]|to_nice_json }}", NULL,
              "{\"b\": 1, \"a\": \"\\u00e9\"}|[\n    1\n]");
    RENDER_EQ("{{ ('{\"a\": [1, 2]}'|from_json).a[1] }}", NULL, "2");
    RENDER_EQ("{{ 'hello'|b64encode }} {{ 'aGVsbG8='|b64decode }}", NULL, "aGVsbG8= hello");
    RENDER_EQ("{{ 'ab12cd34'|regex_search('[0-9]+') }} {{ "
              "'ab12'|regex_search('(?P<x>[a-z]+)(\\\\d+)', '\\\\2', '\\\\g<x>') }}",
              NULL, "12 ['12', 'ab']");
    RENDER_EQ("{{ 'a1b2'|regex_replace('(\\\\d)', '<\\\\1>') }} {{ 'A1b2'|regex_findall('[a-z]', "
              "ignorecase=true) }}",
              NULL, "a<1>b<2> ['A', 'b']");
    RENDER_EQ("{{ {'a': {'x': 1}, 'l': [1]}|combine({'a': {'y': 2}, 'l': [2]}, recursive=true, "
              "list_merge='append') }}",
              NULL, "{'a': {'x': 1, 'y': 2}, 'l': [1, 2]}");
    RENDER_EQ("{{ {'a': 1}|dict2items }} {{ [{'key': 'k', 'value': 2}]|items2dict }}", NULL,
              "[{'key': 'a', 'value': 1}] {'k': 2}");
    RENDER_EQ("{{ 'yes'|bool }} {{ 'off'|bool }} {{ 1|bool }} {{ true|ternary('a', 'b') }} {{ "
              "none|ternary('a', 'b', 'n') }}",
              NULL, "True False True a n");
    RENDER_ERR("{{ nope|mandatory }}", NULL, "Mandatory variable 'nope' not defined.");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_string_filters),  cmocka_unit_test(test_collection_filters),
        cmocka_unit_test(test_numeric_filters), cmocka_unit_test(test_default_json),
        cmocka_unit_test(test_tests),           cmocka_unit_test(test_ansible),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
