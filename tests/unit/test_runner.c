/* test_runner.c - runner semantics with real flow files and plugins. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

static void test_special_keys(void **state)
{
    struct octo_run_result r;
    json_t *in = json_pack("{s:i}", "a", 1);
    const char *ts;

    (void)state;
    octo_test_write("flows/keys.yml", "name: keys\nsteps: []\n");
    r = octo_test_run_flow("keys.yml", in);
    assert_false(r.failed);
    assert_true(json_is_array(json_object_get(r.data, "__errors__")));
    assert_int_equal(json_array_size(json_object_get(r.data, "__errors__")), 0);
    assert_int_equal(json_integer_value(octo_test_get(r.data, "__input__.a")), 1);
    assert_true(json_is_null(json_object_get(r.data, "__loop_index__")));
    ts = json_string_value(json_object_get(r.data, "__timestamp__"));
    assert_non_null(ts);
    assert_int_equal(strlen(ts), 14);
    assert_int_equal(strspn(ts, "0123456789"), 14);
    assert_int_equal(strlen(json_string_value(json_object_get(r.data, "__job_id__"))), 36);
    assert_string_equal(json_string_value(json_object_get(r.data, "__flow_path__")), "keys.yml");
    /* the keys come in the original's order */
    assert_string_equal(json_object_iter_key(json_object_iter(r.data)), "__errors__");
    octo_run_result_free(&r);
    json_decref(in);
}

static void test_result_key_and_jq_expression(void **state)
{
    struct octo_run_result r;

    (void)state;
    octo_test_write("flows/rk.yml",
                    "name: rk\n"
                    "steps:\n"
                    "- name: first step\n"
                    "  type: jq\n"
                    "  jq: {expression: '{a: 1, b: [1,2,3]}'}\n"
                    "- name: second\n"
                    "  type: jq\n"
                    "  result_key: picked\n"
                    "  jq: {expression: '.b', data_key: first step}\n"
                    "  jq_expression: '.[1]'\n"
                    "- name: none\n"
                    "  type: jq\n"
                    "  jq: {expression: 'empty'}\n"
                    "- name: many\n"
                    "  type: jq\n"
                    "  jq: {expression: '1, 2'}\n"
                    "- name: whole\n"
                    "  type: jq\n"
                    "  jq: {expression: '.picked', data_key: '.'}\n");
    r = octo_test_run_flow("rk.yml", NULL);
    assert_false(r.failed);
    assert_int_equal(json_integer_value(octo_test_get(r.data, "first step.a")), 1);
    assert_int_equal(json_integer_value(json_object_get(r.data, "picked")), 2);
    assert_null(json_object_get(r.data, "second"));
    assert_true(json_is_null(json_object_get(r.data, "none")));
    assert_true(json_is_null(json_object_get(r.data, "many")));
    assert_int_equal(json_integer_value(json_object_get(r.data, "whole")), 2);
    octo_run_result_free(&r);
}

static void test_failure_finally_and_ignore(void **state)
{
    struct octo_run_result r;
    json_t *e;

    (void)state;
    octo_test_write("flows/fail.yml",
                    "name: fail\n"
                    "finally_step: dump\n"
                    "steps:\n"
                    "- name: ignored\n"
                    "  type: jq\n"
                    "  jq: {expression: 'error(\"boom 404\")'}\n"
                    "  ignore_errors: ['.*404.*']\n"
                    "- name: breaks\n"
                    "  type: jq\n"
                    "  jq: {expression: '.x.y.z | error(\"bad thing\")'}\n"
                    "- name: never\n"
                    "  type: jq\n"
                    "  jq: {expression: '1'}\n"
                    "- name: dump\n"
                    "  type: jq\n"
                    "  jq: {expression: '\"dumped\"'}\n");
    r = octo_test_run_flow("fail.yml", NULL);
    assert_true(r.failed);
    assert_string_equal(r.step, "breaks");
    assert_non_null(strstr(r.message, "bad thing"));
    assert_int_equal(json_array_size(json_object_get(r.data, "__errors__")), 2);
    e = octo_test_get(r.data, "__errors__.0");
    assert_string_equal(json_string_value(json_object_get(e, "step")), "ignored");
    assert_string_equal(json_string_value(octo_test_get(e, "error.type")), "jq");
    assert_non_null(strstr(json_string_value(octo_test_get(e, "error.message")), "boom 404"));
    assert_string_equal(json_string_value(json_object_get(e, "ignored")),
                        "Error ignored based on regex: .*404.*");
    e = octo_test_get(r.data, "__errors__.1");
    assert_string_equal(json_string_value(json_object_get(e, "step")), "breaks");
    assert_null(json_object_get(e, "ignored"));
    assert_null(json_object_get(r.data, "ignored"));
    assert_null(json_object_get(r.data, "breaks"));
    assert_null(json_object_get(r.data, "never"));
    assert_string_equal(json_string_value(json_object_get(r.data, "dump")), "dumped");
    octo_run_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_special_keys),
        cmocka_unit_test(test_result_key_and_jq_expression),
        cmocka_unit_test(test_failure_finally_and_ignore),
    };

    return cmocka_run_group_tests(tests, octo_test_group_setup, octo_test_group_teardown);
}
