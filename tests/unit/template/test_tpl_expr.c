/* test_tpl_expr.c - expressions: literals, arithmetic (incl. bigints),
 * comparisons, logic, access rules, undefined, % formatting, repr. */
#include "tpl_test_util.h"

static void test_literals(void **state)
{
    (void)state;
    RENDER_EQ("{{ 'a\\nb' }}", NULL, "a\nb");
    RENDER_EQ("{{ [1, 'a', 2.5, none, true] }}", NULL, "[1, 'a', 2.5, None, True]");
    RENDER_EQ("{{ True }} {{ False }} {{ None }}", NULL, "True False None");
    RENDER_EQ("{{ (1,) }} {{ () }} {{ (1, 2) }} {{ {'a': (1, 2)} }}", NULL,
              "(1,) () (1, 2) {'a': (1, 2)}");
    RENDER_EQ("{{ 1_000 }} {{ 0x1F }} {{ 0o17 }} {{ 0b101 }} {{ 1.5e3 }}", NULL,
              "1000 31 15 5 1500.0");
    RENDER_EQ("{{ \"it's\" }} {{ [\"it's\"] }} {{ ['a\"b'] }}", NULL, "it's [\"it's\"] ['a\"b']");
    RENDER_EQ("{{ 'a' 'b' }}", NULL, "ab");
}

static void test_arithmetic(void **state)
{
    (void)state;
    RENDER_EQ("{{ 1 + 2 * 3 }} {{ 6 / 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 7 % -3 }}",
              NULL, "7 3.0 3 -4 2 -2");
    RENDER_EQ("{{ 2 ** 3 ** 2 }} {{ -2 ** 2 }} {{ 2 ** -1 }}", NULL, "64 4 0.5");
    RENDER_EQ("{{ 0.1 + 0.2 }} {{ 1e16 }} {{ 1e15 }} {{ -7.5 % 2 }} {{ 7.5 // 2 }}", NULL,
              "0.30000000000000004 1e+16 1000000000000000.0 0.5 3.0");
    RENDER_EQ("{{ 'ab' * 3 }} {{ [1] * 2 }} {{ [1, 2] + [3] }} {{ 'a' ~ 1 ~ none }}", NULL,
              "ababab [1, 1] [1, 2, 3] a1None");
    RENDER_EQ("{{ true + true }} {{ 1 + 2.0 }}", NULL, "2 3.0");
    RENDER_ERR("{{ 1 / 0 }}", NULL, "division by zero");
    RENDER_ERR("{{ 1 // 0 }}", NULL, "integer division or modulo by zero");
    RENDER_ERR("{{ 1 + 'a' }}", NULL, "unsupported operand type(s) for +: 'int' and 'str'");
    RENDER_ERR("{{ 'a' + 1 }}", NULL, "can only concatenate str");
}

static void test_bigint(void **state)
{
    (void)state;
    RENDER_EQ("{{ 2 ** 64 }}", NULL, "18446744073709551616");
    RENDER_EQ(
        "{{ 9223372036854775807 + 1 }} {{ -(2 ** 63) }} {{ (2 ** 64) // 3 }} {{ (2 ** 64) % 7 }}",
        NULL, "9223372036854775808 -9223372036854775808 6148914691236517205 2");
    RENDER_EQ("{{ -(2 ** 70) // 3 }} {{ 99999999999999999999 * 2 }} {{ (10 ** 20) / 2 }}", NULL,
              "-393530540239137101142 199999999999999999998 5e+19");
    RENDER_EQ("{{ big + 1 }} {{ big is integer }}", "{\"big\": 12345678901234567890}",
              "12345678901234567891 True");
    RENDER_EQ("{{ 2 ** 64 > 2 ** 63 }} {{ (2 ** 64) == 18446744073709551616 }}", NULL, "True True");
    RENDER_ERR("{{ 10 ** 5000 }}", NULL, "4300 digits");
    /* compile-time folding of several big-integer constants (fuzzer regression) */
    RENDER_EQ("{{ (2**64)|tojson }}{{ (2**65)|tojson }}{{ [2**66]|tojson ~ x }}", NULL,
              "1844674407370955161636893488147419103232[73786976294838206464]");
    RENDER_ERR("{{ 2 ** 1000000000 }}", NULL, "too large");
}

static void test_logic_compare(void **state)
{
    (void)state;
    RENDER_EQ("{{ 0 or 'x' }} {{ 1 and 'y' }} {{ '' and 1 }} {{ not 0 }}", NULL, "x y  True");
    RENDER_EQ("{{ 2 in [1, 2] }} {{ 'a' in 'cat' }} {{ 3 not in [1] }} {{ 'k' in {'k': 1} }}", NULL,
              "True True True True");
    RENDER_EQ("{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 1 == 1.0 }} {{ [1, 2] < [1, 3] }}", NULL,
              "True False True True");
    RENDER_ERR("{{ 'a' < 1 }}", NULL, "not supported between instances of 'str' and 'int'");
    RENDER_EQ("{{ 'yes' if f else 'no' }}[{{ 'a' if false }}]", "{\"f\": false}", "no[]");
}

static const char *CTX =
    "{\"user\": {\"name\": \"alice\", \"address\": {\"city\": \"Paris\"}, \"first name\": \"A\"},"
    " \"items\": [10, 20, 30, 40, 50], \"dnum\": {\"1\": \"one\"},"
    " \"obj\": {\"items\": [1, 2], \"get\": \"shadowed\"}, \"n\": null}";

static void test_access(void **state)
{
    (void)state;
    RENDER_EQ("{{ user.address.city }} {{ user['first name'] }} {{ items[-1] }} {{ items[1:3] }}",
              CTX, "Paris A 50 [20, 30]");
    RENDER_EQ("{{ items[::-2] }} {{ items.0 }} [{{ dnum.1 }}] {{ dnum['1'] }}", CTX,
              "[50, 30, 10] 10 [] one");
    RENDER_EQ("{{ obj['items'] }} {{ obj['get'] }} {{ obj.get('items') }}", CTX,
              "[1, 2] shadowed [1, 2]");
    RENDER_EQ("{{ 'héllo'[1] }} {{ 'héllo'[::-1] }} {{ 'héllo'|length }}", NULL, "é olléh 5");
}

static void test_undefined(void **state)
{
    (void)state;
    RENDER_EQ(
        "[{{ missing }}] {{ missing is defined }} {{ missing|default('x') }} {{ missing|length }}",
        CTX, "[] False x 0");
    RENDER_ERR("{{ missing.attr }}", CTX, "'missing' is undefined");
    RENDER_ERR("{{ user.nope.deeper }}", CTX, "'dict object' has no attribute 'nope'");
    RENDER_ERR("{{ items[10].x }}", CTX, "list object has no element 10");
    RENDER_ERR("{{ missing + 1 }}", CTX, "'missing' is undefined");
    RENDER_EQ("[{{ n.x }}]", CTX, "[]");
    RENDER_EQ("{% for x in missing %}x{% else %}empty{% endfor %}", CTX, "empty");
}

static void test_percent_and_format(void **state)
{
    (void)state;
    RENDER_EQ("{{ '%s is %d years' % ('Bob', 30) }}", NULL, "Bob is 30 years");
    RENDER_EQ("{{ '%5.2f|%-5s|%05d|%x|%X|%o|%%|%r' % (3.14159, 'ab', 42, 255, 255, 8, 'q') }}",
              NULL, " 3.14|ab   |00042|ff|FF|10|%|'q'");
    RENDER_EQ("{{ '%(a)s-%(b)d' % {'a': 'x', 'b': 2} }} {{ '%s' % [1, 2] }}", NULL, "x-2 [1, 2]");
    RENDER_ERR("{{ '%s %s' % ('a',) }}", NULL, "not enough arguments");
    RENDER_ERR("{{ '%s' % (1, 2) }}", NULL, "not all arguments converted");
    RENDER_EQ("{{ '{} {:>4}|{:.2f}|{:,}'.format('a', 'b', 3.14159, 1234567) }}", NULL,
              "a    b|3.14|1,234,567");
}

static void test_repr(void **state)
{
    (void)state;
    RENDER_EQ("{{ 1.0 }} {{ 1e100 }} {{ 1.23e-10 }} {{ 10 / 3 }} {{ -0.0 }}", NULL,
              "1.0 1e+100 1.23e-10 3.3333333333333335 -0.0");
    RENDER_EQ("{{ {'k': [none, true, false], 'n': {'x': []}} }}", NULL,
              "{'k': [None, True, False], 'n': {'x': []}}");
    RENDER_EQ("{{ ['a\\nb', 'é'] }} {{ range(3) }} {{ {'b': 1}.items() }}", NULL,
              "['a\\nb', 'é'] range(0, 3) dict_items([('b', 1)])");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literals),
        cmocka_unit_test(test_arithmetic),
        cmocka_unit_test(test_bigint),
        cmocka_unit_test(test_logic_compare),
        cmocka_unit_test(test_access),
        cmocka_unit_test(test_undefined),
        cmocka_unit_test(test_percent_and_format),
        cmocka_unit_test(test_repr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
