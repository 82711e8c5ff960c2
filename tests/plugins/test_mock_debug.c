/* test_mock_debug.c - the debug step through the mock host: the log lines
 * in its three formats (YAML as PyYAML, JSON indent 4, Python str()), the
 * whole flow data when data_key is absent, and its result: the value, a
 * snapshot copy of the flow data (never the data itself, which made the
 * original's result circular). */
#include "mock_test.h"

static octo_mock *new_mock(json_t **data)
{
    octo_mock *m = octo_mock_new();

    *data = J("{\"t\": {\"b\": [1, 2.5], \"a\": null}}");
    octo_mock_set_data(m, *data);
    return m;
}

static void test_formats(void **state)
{
    json_t *data;
    octo_mock *m = new_mock(&data);
    const octo_step_type *t = load_type(m, "debug");
    json_t *out = NULL;
    octo_error err;

    (void)state;
    /* yaml is the default; the dump is one line, its trailing newline dropped */
    assert_int_equal(run_json(m, t, "{\"data_key\": \"t\"}", &out, &err), OCTO_OK);
    assert_ptr_equal(out, json_object_get(data, "t")); /* the value itself, incref'd */
    json_decref(out);
    assert_int_equal(octo_mock_log_count(m), 2);
    assert_string_equal(octo_mock_log_line(m, 0, NULL), "-> dumping debug data_key t");
    assert_string_equal(octo_mock_log_line(m, 1, NULL), "a: null\nb:\n- 1\n- 2.5");
    octo_mock_log_clear(m);
    assert_int_equal(run_json(m, t, "{\"data_key\": \"t\", \"type\": \"json\"}", &out, &err),
                     OCTO_OK);
    json_decref(out);
    assert_string_equal(octo_mock_log_line(m, 1, NULL),
                        "{\n    \"b\": [\n        1,\n        2.5\n    ],\n    \"a\": null\n}");
    octo_mock_log_clear(m);
    assert_int_equal(run_json(m, t, "{\"data_key\": \"t\", \"type\": \"text\"}", &out, &err),
                     OCTO_OK);
    json_decref(out);
    assert_string_equal(octo_mock_log_line(m, 1, NULL), "{'b': [1, 2.5], 'a': None}");
    json_decref(data);
    octo_mock_free(m);
}

static void test_whole_data_is_a_copy(void **state)
{
    json_t *data;
    octo_mock *m = new_mock(&data);
    const octo_step_type *t = load_type(m, "debug");
    json_t *out = NULL;
    octo_error err;

    (void)state;
    assert_int_equal(run_json(m, t, "{}", &out, &err), OCTO_OK);
    assert_true(json_equal(out, data));
    assert_ptr_not_equal(out, data);
    assert_ptr_not_equal(json_object_get(out, "t"), json_object_get(data, "t")); /* deep */
    json_decref(out);
    assert_string_equal(octo_mock_log_line(m, 0, NULL), "-> dumping debug data_key (all)");
    /* a missing key dumps null */
    octo_mock_log_clear(m);
    assert_int_equal(run_json(m, t, "{\"data_key\": \"nope\", \"type\": \"json\"}", &out, &err),
                     OCTO_OK);
    assert_true(json_is_null(out));
    json_decref(out);
    assert_string_equal(octo_mock_log_line(m, 1, NULL), "null");
    json_decref(data);
    octo_mock_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_formats),
        cmocka_unit_test(test_whole_data_is_a_copy),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
