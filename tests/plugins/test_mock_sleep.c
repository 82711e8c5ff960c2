/* test_mock_sleep.c - the sleep step through the mock host: it waits with
 * host->sleep (never sleep()), the number or the rendered text of one,
 * {} as its result, the validation at load (negative, too long, not a
 * number) and once rendered, and a cancelled wait fails the step. */
#include "mock_test.h"

static void test_sleeps_through_the_host(void **state)
{
    octo_mock *m = octo_mock_new();
    const octo_step_type *t = load_type(m, "sleep");
    json_t *out = NULL;
    octo_error err;

    (void)state;
    assert_false(t->flags & OCTO_STEP_NO_RESULT); /* {} is stored, as the original */
    assert_int_equal(run_json(m, t, "{\"seconds\": 2.5}", &out, &err), OCTO_OK);
    assert_json(out, "{}");
    json_decref(out);
    assert_int_equal(run_json(m, t, "{\"seconds\": \" 1.25 \"}", &out, &err), OCTO_OK);
    json_decref(out);
    assert_int_equal(run_json(m, t, "{\"seconds\": 0}", &out, &err), OCTO_OK);
    json_decref(out);
    assert_int_equal(octo_mock_sleeps(m), 3);
    assert_true(octo_mock_slept(m) == 3.75);
    assert_true(octo_mock_log_find(m, "-> sleeping 2.5 seconds") >= 0);
    octo_mock_free(m);
}

static void test_validation(void **state)
{
    static const char *const bad[] = {"{\"seconds\": -1}",       "{\"seconds\": 31536001}",
                                      "{\"seconds\": \"soon\"}", "{\"seconds\": true}",
                                      "{\"seconds\": [1]}",      "{}"};
    octo_mock *m = octo_mock_new();
    const octo_step_type *t = load_type(m, "sleep");
    json_t *out = NULL;
    octo_error err;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(run_json(m, t, bad[i], &out, &err), OCTO_EINVAL);
        assert_string_equal(err.field, "seconds");
        assert_has(err.msg, "seconds");
        assert_null(out);
    }
    assert_int_equal(octo_mock_sleeps(m), 0);
    /* a template passes the load; what it renders is checked when it runs
     * (the mock renders nothing: the text arrives as written) */
    assert_int_equal(run_json(m, t, "{\"seconds\": \"{{ delay }}\"}", &out, &err), OCTO_EINVAL);
    assert_has(err.msg, "must be a number, not \"{{ delay }}\"");
    assert_int_equal(octo_mock_sleeps(m), 0);
    octo_mock_free(m);
}

static void test_cancelled(void **state)
{
    octo_mock *m = octo_mock_new();
    const octo_step_type *t = load_type(m, "sleep");
    json_t *out = NULL;
    octo_error err;

    (void)state;
    octo_mock_cancel(m);
    assert_int_equal(run_json(m, t, "{\"seconds\": 30}", &out, &err), OCTO_ECANCELED);
    assert_null(out);
    assert_has(err.msg, "cancelled");
    octo_mock_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sleeps_through_the_host),
        cmocka_unit_test(test_validation),
        cmocka_unit_test(test_cancelled),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
