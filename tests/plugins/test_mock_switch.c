/* test_mock_switch.c - the switch step through the mock host: the
 * original's matching (Python re.match - a prefix match - on Python's
 * str() of the value: None, True, 1.0, dicts, lists, a missing key),
 * cases in order, default, no match, the nested step run through
 * host->run_nested (recorded by the mock) and its error becoming the
 * switch's, and the load errors naming the case. */
#include "mock_test.h"

static const char *CASES =
    "[{\"when\": \"None$\", \"step\": {}},"                       /* 0 */
    " {\"when\": \"True\", \"step\": {}},"                        /* 1 */
    " {\"when\": \"1\\\\.0$\", \"step\": {}},"                    /* 2 */
    " {\"when\": \"\\\\{'k': \\\\[1, None\\\\]\", \"step\": {}}," /* 3 */
    " {\"when\": \"new\", \"step\": {}},"                         /* 4 */
    " {\"when\": 200, \"step\": {}},"                             /* 5: a number: its text */
    " {\"when\": \"(?P<d>\\\\d)(?P=d)\\\\Z\", \"step\": {}}]";    /* 6: Python-only syntax */

/* Which nested step the switch ran for value (JSON text; NULL: the key
 * is missing): "cases[i]", "default" or "none". */
static const char *which(octo_mock *m, const octo_step_type *t, const char *value, int with_default)
{
    static char buf[32];
    json_t *data = value != NULL ? json_pack("{s:o}", "v", J(value)) : json_object();
    char opts[1024];
    json_t *out = NULL;
    size_t before = octo_mock_nested_calls(m);
    size_t index = 0;
    const char *option;
    octo_error err;

    octo_mock_set_data(m, data);
    json_decref(data);
    snprintf(opts, sizeof(opts), "{\"data_key\": \"v\", \"cases\": %s%s}", CASES,
             with_default ? ", \"default\": {\"name\": \"d\"}" : "");
    if (run_json(m, t, opts, &out, &err) != OCTO_OK) {
        fail_msg("switch on %s failed: %s", value, err.msg);
    }
    assert_true(json_is_null(out)); /* a switch returns nothing of its own */
    json_decref(out);
    if (octo_mock_nested_calls(m) == before) {
        return "none";
    }
    assert_int_equal(octo_mock_nested_calls(m), before + 1); /* one case only */
    option = octo_mock_nested_call(m, before, &index);
    if (strcmp(option, "default") == 0) {
        assert_int_equal(index, 0);
        return "default";
    }
    snprintf(buf, sizeof(buf), "%s[%zu]", option, index);
    return buf;
}

static void test_python_str_and_re_match(void **state)
{
    octo_mock *m = octo_mock_new();
    const octo_step_type *t = load_type(m, "switch");

    (void)state;
    assert_true(t->flags & OCTO_STEP_NO_RESULT);
    assert_string_equal(which(m, t, "null", 1), "cases[0]");           /* str(None) */
    assert_string_equal(which(m, t, NULL, 1), "cases[0]");             /* missing key: None */
    assert_string_equal(which(m, t, "true", 1), "cases[1]");           /* str(True) */
    assert_string_equal(which(m, t, "\"True story\"", 1), "cases[1]"); /* a prefix */
    assert_string_equal(which(m, t, "1.0", 1), "cases[2]");            /* str(1.0), not "1" */
    assert_string_equal(which(m, t, "1", 1), "default");
    assert_string_equal(which(m, t, "{\"k\": [1, null]}", 1), "cases[3]"); /* repr of a dict */
    assert_string_equal(which(m, t, "\"newer\"", 1), "cases[4]");          /* re.match: prefix */
    assert_string_equal(which(m, t, "\"renew\"", 1), "default");           /* not a search */
    assert_string_equal(which(m, t, "200", 1), "cases[5]");
    assert_string_equal(which(m, t, "\"2001\"", 1), "cases[5]");
    assert_string_equal(which(m, t, "\"77\"", 1), "cases[6]");
    assert_string_equal(which(m, t, "\"77\\n\"", 1), "default"); /* \Z is the very end */
    assert_string_equal(which(m, t, "false", 1), "default");
    assert_string_equal(which(m, t, "false", 0), "none"); /* no default: next step */
    assert_string_equal(which(m, t, "\"new\"", 0), "cases[4]");
    assert_true(octo_mock_log_find(m, "-> case 5 matches (when: new)") >= 0);
    octo_mock_free(m);
}

static void test_first_match_wins(void **state)
{
    octo_mock *m = octo_mock_new();
    const octo_step_type *t = load_type(m, "switch");
    json_t *data = J("{\"s\": \"abc\"}");
    json_t *out = NULL;
    size_t index = 9;
    octo_error err;

    (void)state;
    octo_mock_set_data(m, data);
    json_decref(data);
    assert_int_equal(
        run_json(m, t,
                 "{\"data_key\": \"s\", \"cases\": [{\"when\": \"x\", \"step\": {}},"
                 " {\"when\": \"a\", \"step\": {}}, {\"when\": \"ab\", \"step\": {}}]}",
                 &out, &err),
        OCTO_OK);
    json_decref(out);
    assert_int_equal(octo_mock_nested_calls(m), 1);
    octo_mock_nested_call(m, 0, &index);
    assert_int_equal(index, 1);
    octo_mock_free(m);
}

static void test_case_error_is_the_switch_error(void **state)
{
    octo_mock *m = octo_mock_new();
    const octo_step_type *t = load_type(m, "switch");
    json_t *out = NULL;
    octo_error err;

    (void)state;
    octo_mock_set_nested_result(m, OCTO_EHTTP, NULL, "REST request failed with status code 500");
    assert_int_equal(run_json(m, t,
                              "{\"data_key\": \"v\", \"cases\": [{\"when\": \"None\", \"step\":"
                              " {}}]}",
                              &out, &err),
                     OCTO_EHTTP);
    assert_null(out);
    assert_string_equal(err.msg, "REST request failed with status code 500");
    octo_mock_free(m);
}

static void test_load_errors(void **state)
{
    static const struct {
        const char *cases;
        const char *field;
        const char *msg;
    } bad[] = {
        {"[\"x\"]", "cases[0]", "must be a mapping with `when` and `step`"},
        {"[{\"when\": \"a\", \"step\": {}}, {\"step\": {}}]", "cases[1].when", "needs `when`"},
        {"[{\"when\": \"(\", \"step\": {}}]", "cases[0].when", "missing closing parenthesis"},
        {"[{\"when\": [1], \"step\": {}}]", "cases[0].when", "not a list"},
        {"[{\"when\": {\"a\": 1}, \"step\": {}}]", "cases[0].when", "not a mapping"},
    };
    octo_mock *m = octo_mock_new();
    const octo_step_type *t = load_type(m, "switch");
    json_t *out = NULL;
    octo_error err;
    char opts[512];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(opts, sizeof(opts), "{\"data_key\": \"v\", \"cases\": %s}", bad[i].cases);
        assert_int_equal(run_json(m, t, opts, &out, &err), OCTO_EINVAL);
        assert_string_equal(err.field, bad[i].field);
        assert_has(err.msg, bad[i].msg);
    }
    assert_int_equal(run_json(m, t, "{\"cases\": []}", &out, &err), OCTO_EINVAL);
    assert_string_equal(err.field, "data_key");
    assert_int_equal(octo_mock_nested_calls(m), 0);
    octo_mock_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_python_str_and_re_match),
        cmocka_unit_test(test_first_match_wins),
        cmocka_unit_test(test_case_error_is_the_switch_error),
        cmocka_unit_test(test_load_errors),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
