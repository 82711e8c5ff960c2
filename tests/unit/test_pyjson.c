/* test_pyjson.c - JSON text exactly as Python's json.dumps writes it.
 * Expected strings were produced by Python 3.11's json module; the random
 * comparison is in tests/e2e/test_yaml_json_diff.py. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "pyjson.h"

/* The value used by most cases (keys in this order: b, a, c). */
static const char *SAMPLE = "{\"b\": [1, 2.5, \"\\u00e9\\n\\\"\\\\\", null, true, {}], "
                            "\"a\": {\"x\": []}, \"c\": \"\\u007f\\u0001\\u2028\\ud83d\\ude00\"}";

static void check(const char *json_text, unsigned flags, const char *expected)
{
    json_t *v = json_loads(json_text, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    struct octo_buf b = OCTO_BUF_INIT;

    assert_non_null(v);
    assert_int_equal(octo_pyjson_dump(v, flags, &b), 0);
    assert_string_equal(octo_buf_cstr(&b), expected);
    octo_buf_free(&b);
    json_decref(v);
}

static void test_default(void **state)
{
    (void)state;
    check(SAMPLE, 0,
          "{\"b\": [1, 2.5, \"\\u00e9\\n\\\"\\\\\", null, true, {}], \"a\": {\"x\": []}, "
          "\"c\": \"\\u007f\\u0001\\u2028\\ud83d\\ude00\"}");
}

static void test_sort_keys(void **state)
{
    (void)state;
    check(SAMPLE, OCTO_JSON_SORT_KEYS,
          "{\"a\": {\"x\": []}, \"b\": [1, 2.5, \"\\u00e9\\n\\\"\\\\\", null, true, {}], "
          "\"c\": \"\\u007f\\u0001\\u2028\\ud83d\\ude00\"}");
}

/* Keys holding NUL bytes (jansson's json_object_setn allows them) are
 * written and sorted whole, as Python does ("a" < "a\u0000b" < "b"). */
static void test_nul_in_keys(void **state)
{
    json_t *v = json_object();
    struct octo_buf b = OCTO_BUF_INIT;

    (void)state;
    json_object_set_new(v, "b", json_integer(3));
    json_object_setn_new(v, "a\0b", 3, json_integer(2));
    json_object_set_new(v, "a", json_integer(1));
    assert_int_equal(octo_pyjson_dump(v, OCTO_JSON_SORT_KEYS, &b), 0);
    assert_string_equal(octo_buf_cstr(&b), "{\"a\": 1, \"a\\u0000b\": 2, \"b\": 3}");
    octo_buf_reset(&b);
    assert_int_equal(octo_pyjson_dump(v, 0, &b), 0);
    assert_string_equal(octo_buf_cstr(&b), "{\"b\": 3, \"a\\u0000b\": 2, \"a\": 1}");
    octo_buf_free(&b);
    json_decref(v);
}

static void test_unicode(void **state)
{
    (void)state;
    /* ensure_ascii=False: only the JSON escapes remain (DEL and U+2028 raw) */
    check(SAMPLE, OCTO_JSON_UNICODE,
          "{\"b\": [1, 2.5, \"\xc3\xa9\\n\\\"\\\\\", null, true, {}], \"a\": {\"x\": []}, "
          "\"c\": \"\x7f\\u0001\xe2\x80\xa8\xf0\x9f\x98\x80\"}");
}

static void test_compact(void **state)
{
    (void)state;
    check(SAMPLE, OCTO_JSON_COMPACT,
          "{\"b\":[1,2.5,\"\\u00e9\\n\\\"\\\\\",null,true,{}],\"a\":{\"x\":[]},"
          "\"c\":\"\\u007f\\u0001\\u2028\\ud83d\\ude00\"}");
}

static void test_indent(void **state)
{
    (void)state;
    check(SAMPLE, OCTO_JSON_INDENT(2),
          "{\n  \"b\": [\n    1,\n    2.5,\n    \"\\u00e9\\n\\\"\\\\\",\n    null,\n    true,\n"
          "    {}\n  ],\n  \"a\": {\n    \"x\": []\n  },\n"
          "  \"c\": \"\\u007f\\u0001\\u2028\\ud83d\\ude00\"\n}");
    check(SAMPLE, OCTO_JSON_INDENT(4) | OCTO_JSON_SORT_KEYS | OCTO_JSON_UNICODE,
          "{\n    \"a\": {\n        \"x\": []\n    },\n    \"b\": [\n        1,\n        2.5,\n"
          "        \"\xc3\xa9\\n\\\"\\\\\",\n        null,\n        true,\n        {}\n    ],\n"
          "    \"c\": \"\x7f\\u0001\xe2\x80\xa8\xf0\x9f\x98\x80\"\n}");
    check("[]", OCTO_JSON_INDENT(2), "[]");
    check("{}", OCTO_JSON_INDENT(2), "{}");
}

static void test_numbers(void **state)
{
    (void)state;
    check("[1e16, 1e-5, 0.1, -0.0, 1e22, 123456789012345678, 1.0, 2.5e-300]", 0,
          "[1e+16, 1e-05, 0.1, -0.0, 1e+22, 123456789012345678, 1.0, 2.5e-300]");
    check("[9223372036854775807, -9223372036854775808, 0]", 0,
          "[9223372036854775807, -9223372036854775808, 0]");
}

static void test_controls_and_scalars(void **state)
{
    struct octo_buf b = OCTO_BUF_INIT;

    (void)state;
    check("\"\\u0000\\b\\f\\u001f\\t\\r\"", 0, "\"\\u0000\\b\\f\\u001f\\t\\r\"");
    check("\"/ <tag> &amp;\"", 0, "\"/ <tag> &amp;\"");
    check("null", 0, "null");
    check("true", 0, "true");
    check("\"\"", 0, "\"\"");
    /* a NULL value is written as null */
    assert_int_equal(octo_pyjson_dump(NULL, 0, &b), 0);
    assert_string_equal(octo_buf_cstr(&b), "null");
    octo_buf_free(&b);
}

static void test_string_literal(void **state)
{
    struct octo_buf b = OCTO_BUF_INIT;

    (void)state;
    octo_pyjson_string("a\"b\xc3\xa9", 5, 1, &b);
    assert_string_equal(octo_buf_cstr(&b), "\"a\\\"b\\u00e9\"");
    octo_buf_reset(&b);
    octo_pyjson_string("a\"b\xc3\xa9", 5, 0, &b);
    assert_string_equal(octo_buf_cstr(&b), "\"a\\\"b\xc3\xa9\"");
    octo_buf_reset(&b);
    /* the length is honoured: an embedded NUL is escaped, not a terminator */
    octo_pyjson_string("x\0y", 3, 1, &b);
    assert_string_equal(octo_buf_cstr(&b), "\"x\\u0000y\"");
    octo_buf_reset(&b);
    /* invalid UTF-8 cannot come from jansson; the output stays valid JSON */
    octo_pyjson_string("\xff", 1, 1, &b);
    assert_string_equal(octo_buf_cstr(&b), "\"\\ufffd\"");
    octo_buf_free(&b);
}

static void test_depth_limit(void **state)
{
    json_t *root = json_array();
    json_t *cur = root;
    struct octo_buf b = OCTO_BUF_INIT;
    int i;

    (void)state;
    for (i = 0; i < 1000; i++) {
        json_t *n = json_array();

        json_array_append_new(cur, n);
        cur = n;
    }
    /* 1000 levels below the root are fine (Python's default recursion
     * limit allows about as many) */
    assert_int_equal(octo_pyjson_dump(root, 0, &b), 0);
    assert_int_equal(b.len, 2002);
    octo_buf_reset(&b);
    json_array_append_new(cur, json_array());
    json_array_append_new(json_array_get(cur, 0), json_array());
    assert_int_equal(octo_pyjson_dump(root, 0, &b), -1);
    octo_buf_free(&b);
    json_decref(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default),        cmocka_unit_test(test_sort_keys),
        cmocka_unit_test(test_nul_in_keys),    cmocka_unit_test(test_unicode),
        cmocka_unit_test(test_compact),        cmocka_unit_test(test_indent),
        cmocka_unit_test(test_numbers),        cmocka_unit_test(test_controls_and_scalars),
        cmocka_unit_test(test_string_literal), cmocka_unit_test(test_depth_limit),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
