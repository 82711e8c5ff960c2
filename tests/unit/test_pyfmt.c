/* test_pyfmt.c - Python's text forms: repr(float), repr(str), str()/repr()
 * of values, UTF-8 helpers. Expected texts come from Python 3.11. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "pyfmt.h"

static void check_float(double v, const char *expected)
{
    char buf[OCTO_PY_FLOAT_BUF];
    size_t n = octo_py_float_repr(v, buf);

    assert_string_equal(buf, expected);
    assert_int_equal(n, strlen(expected));
    /* the text reads back as the same double */
    if (isfinite(v)) {
        assert_true(strtod(buf, NULL) == v);
    }
}

static void test_float_repr_layout(void **state)
{
    (void)state;
    /* fixed notation while the decimal exponent is in [-4, 16) */
    check_float(1e15, "1000000000000000.0");
    check_float(9999999999999998.0, "9999999999999998.0");
    check_float(1e16, "1e+16");
    check_float(12345678901234567.0, "1.2345678901234568e+16");
    check_float(0.0001, "0.0001");
    check_float(0.00001, "1e-05");
    check_float(1.5e-5, "1.5e-05");
    check_float(1e-7, "1e-07");
    check_float(1e22, "1e+22");
    check_float(100.0, "100.0");
    check_float(123456789.0, "123456789.0");
    check_float(-2.5, "-2.5");
    check_float(0.0, "0.0");
    check_float(-0.0, "-0.0");
    check_float(INFINITY, "inf");
    check_float(-INFINITY, "-inf");
    check_float(NAN, "nan");
}

static void test_float_repr_shortest(void **state)
{
    (void)state;
    check_float(0.1, "0.1");
    check_float(1.0 / 3.0, "0.3333333333333333");
    check_float(0.1 + 0.2, "0.30000000000000004");
    check_float(5e-324, "5e-324");
    check_float(1.7976931348623157e308, "1.7976931348623157e+308");
    check_float(2.2250738585072014e-308, "2.2250738585072014e-308");
    /* powers of two: the rounding interval is asymmetric, the shortest
     * text lies above the value (regression test for a core fix) */
    check_float(ldexp(1.0, -24), "5.960464477539063e-08");
    check_float(ldexp(1.0, 60), "1.152921504606847e+18");
    check_float(ldexp(1.0, -808), "5.858190679279809e-244");
}

static void check_str_repr(const char *s, size_t len, const char *expected)
{
    struct octo_buf b = OCTO_BUF_INIT;

    octo_py_str_repr(s, len, &b);
    assert_string_equal(octo_buf_cstr(&b), expected);
    octo_buf_free(&b);
}

static void test_str_repr(void **state)
{
    (void)state;
    check_str_repr("abc", 3, "'abc'");
    check_str_repr("", 0, "''");
    check_str_repr("it's", 4, "\"it's\"");
    check_str_repr("say \"hi\"", 8, "'say \"hi\"'");
    check_str_repr("both ' and \"", 12, "'both \\' and \"'");
    check_str_repr("\n\t\r\\", 4, "'\\n\\t\\r\\\\'");
    check_str_repr("\x00\x7f\xc2\x85\xc2\xa0\xc2\xad", 8, "'\\x00\\x7f\\x85\\xa0\\xad'");
    check_str_repr("\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80", 9,
                   "'\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80'");
    check_str_repr("\xe2\x80\xa8\xf3\xa0\x80\x81\xef\xbb\xbf", 10, "'\\u2028\\U000e0001\\ufeff'");
    /* bytes that are not UTF-8 are written as \x escapes */
    check_str_repr("a\xff"
                   "b",
                   3, "'a\\xffb'");
}

static void check_value(const char *json_text, const char *str_expected, const char *repr_expected)
{
    json_t *v = json_loads(json_text, JSON_DECODE_ANY, NULL);
    struct octo_buf b = OCTO_BUF_INIT;

    assert_non_null(v);
    octo_py_value_str(v, &b);
    assert_string_equal(octo_buf_cstr(&b), str_expected);
    octo_buf_reset(&b);
    octo_py_value_repr(v, &b);
    assert_string_equal(octo_buf_cstr(&b), repr_expected);
    octo_buf_free(&b);
    json_decref(v);
}

static void test_value_text(void **state)
{
    struct octo_buf b = OCTO_BUF_INIT;

    (void)state;
    check_value("\"x y\"", "x y", "'x y'");
    check_value("null", "None", "None");
    check_value("true", "True", "True");
    check_value("false", "False", "False");
    check_value("42", "42", "42");
    check_value("-9223372036854775808", "-9223372036854775808", "-9223372036854775808");
    check_value("1.0", "1.0", "1.0");
    check_value("1e16", "1e+16", "1e+16");
    check_value("[]", "[]", "[]");
    check_value("{}", "{}", "{}");
    /* containers show repr() of their members, in the dict's order */
    check_value("{\"k\": [1, \"a\", null, true, 1.0, {}], \"j\": \"it's\"}",
                "{'k': [1, 'a', None, True, 1.0, {}], 'j': \"it's\"}",
                "{'k': [1, 'a', None, True, 1.0, {}], 'j': \"it's\"}");
    check_value("[\"line\\nbreak\", \"\\u00e9\"]", "['line\\nbreak', '\xc3\xa9']",
                "['line\\nbreak', '\xc3\xa9']");
    /* NULL is None */
    octo_py_value_str(NULL, &b);
    assert_string_equal(octo_buf_cstr(&b), "None");
    octo_buf_reset(&b);
    octo_py_value_repr(NULL, &b);
    assert_string_equal(octo_buf_cstr(&b), "None");
    octo_buf_free(&b);
}

static void test_utf8(void **state)
{
    unsigned cp = 0;
    char out[4];

    (void)state;
    assert_int_equal(octo_utf8_decode((const unsigned char *)"A", 1, &cp), 1);
    assert_int_equal(cp, 0x41);
    assert_int_equal(octo_utf8_decode((const unsigned char *)"\xc3\xa9", 2, &cp), 2);
    assert_int_equal(cp, 0xE9);
    assert_int_equal(octo_utf8_decode((const unsigned char *)"\xe6\x97\xa5", 3, &cp), 3);
    assert_int_equal(cp, 0x65E5);
    assert_int_equal(octo_utf8_decode((const unsigned char *)"\xf0\x9f\x98\x80", 4, &cp), 4);
    assert_int_equal(cp, 0x1F600);
    /* invalid: overlong, surrogate, beyond U+10FFFF, truncated, stray continuation */
    assert_int_equal(octo_utf8_decode((const unsigned char *)"\xc0\xaf", 2, &cp), 0);
    assert_int_equal(octo_utf8_decode((const unsigned char *)"\xe0\x80\xaf", 3, &cp), 0);
    assert_int_equal(octo_utf8_decode((const unsigned char *)"\xed\xa0\x80", 3, &cp), 0);
    assert_int_equal(octo_utf8_decode((const unsigned char *)"\xf4\x90\x80\x80", 4, &cp), 0);
    assert_int_equal(octo_utf8_decode((const unsigned char *)"\xe6\x97", 2, &cp), 0);
    assert_int_equal(octo_utf8_decode((const unsigned char *)"\x80", 1, &cp), 0);
    assert_int_equal(octo_utf8_decode((const unsigned char *)"", 0, &cp), 0);

    assert_int_equal(octo_utf8_encode(0x41, out), 1);
    assert_memory_equal(out, "A", 1);
    assert_int_equal(octo_utf8_encode(0xE9, out), 2);
    assert_memory_equal(out, "\xc3\xa9", 2);
    assert_int_equal(octo_utf8_encode(0x65E5, out), 3);
    assert_memory_equal(out, "\xe6\x97\xa5", 3);
    assert_int_equal(octo_utf8_encode(0x1F600, out), 4);
    assert_memory_equal(out, "\xf0\x9f\x98\x80", 4);
}

static void test_isprintable(void **state)
{
    (void)state;
    assert_true(octo_py_isprintable(' '));
    assert_true(octo_py_isprintable('~'));
    assert_true(octo_py_isprintable(0xE9));
    assert_true(octo_py_isprintable(0x65E5));
    assert_true(octo_py_isprintable(0x1F600));
    assert_false(octo_py_isprintable('\n'));
    assert_false(octo_py_isprintable(0x7F));
    assert_false(octo_py_isprintable(0x85));
    assert_false(octo_py_isprintable(0xA0)); /* no-break space: Zs */
    assert_false(octo_py_isprintable(0xAD)); /* soft hyphen: Cf */
    assert_false(octo_py_isprintable(0x2028));
    assert_false(octo_py_isprintable(0x200B));
    assert_false(octo_py_isprintable(0xFEFF));
    assert_false(octo_py_isprintable(0xD800));
    assert_false(octo_py_isprintable(0xE000)); /* private use */
    assert_false(octo_py_isprintable(0xFFFF));
    assert_false(octo_py_isprintable(0xE0001));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_float_repr_layout),
        cmocka_unit_test(test_float_repr_shortest),
        cmocka_unit_test(test_str_repr),
        cmocka_unit_test(test_value_text),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_isprintable),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
