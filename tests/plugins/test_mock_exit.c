/* test_mock_exit.c - the exit step through the mock host: NO_RESULT, the
 * exit control result with its message, and the original's validation
 * ("exit message is required"). */
#include "mock_test.h"

static void test_exit(void **state)
{
    octo_mock *m = octo_mock_new();
    const octo_step_type *t = load_type(m, "exit");
    const char *arg = NULL;
    json_t *out = NULL;
    octo_error err;

    (void)state;
    assert_true(t->flags & OCTO_STEP_NO_RESULT);
    assert_int_equal(t->options[0].flags, OCTO_OPT_REQUIRED | OCTO_OPT_TEMPLATE);
    assert_int_equal(run_json(m, t, "{\"message\": \"nothing to do\"}", &out, &err), OCTO_OK);
    assert_true(json_is_null(out));
    json_decref(out);
    assert_int_equal(octo_mock_control(m, &arg), OCTO_CONTROL_EXIT);
    assert_string_equal(arg, "nothing to do");
    octo_mock_control_reset(m);
    assert_int_equal(run_json(m, t, "{\"message\": \"\"}", &out, &err), OCTO_EINVAL);
    assert_string_equal(err.field, "message");
    assert_string_equal(err.msg, "exit message is required");
    assert_int_equal(run_json(m, t, "{\"message\": null}", &out, &err), OCTO_EINVAL);
    assert_string_equal(err.field, "message");
    assert_int_equal(octo_mock_control(m, NULL), 0);
    octo_mock_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exit),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
