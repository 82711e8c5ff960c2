/* test_mock_goto.c - the goto step through the mock host: its descriptor
 * (a control step: NO_RESULT; step_name REQUIRED, TEMPLATE, STEP_NAME),
 * the control result it leaves (the target, blanks dropped), and the
 * errors: an empty name at load or once rendered, a core that refuses. */
#include "mock_test.h"

static void test_descriptor(void **state)
{
    octo_mock *m = octo_mock_new();
    const octo_step_type *t = load_type(m, "goto");

    (void)state;
    assert_true(t->flags & OCTO_STEP_NO_RESULT);
    assert_string_equal(t->options[0].name, "step_name");
    assert_int_equal(t->options[0].flags,
                     OCTO_OPT_REQUIRED | OCTO_OPT_TEMPLATE | OCTO_OPT_STEP_NAME);
    assert_null(t->options[1].name);
    octo_mock_free(m);
}

static void test_jumps(void **state)
{
    octo_mock *m = octo_mock_new();
    const octo_step_type *t = load_type(m, "goto");
    const char *arg = NULL;
    json_t *out = NULL;
    octo_error err;

    (void)state;
    assert_int_equal(run_json(m, t, "{\"step_name\": \"process tickets\"}", &out, &err), OCTO_OK);
    assert_true(json_is_null(out));
    json_decref(out);
    assert_int_equal(octo_mock_control(m, &arg), OCTO_CONTROL_GOTO);
    assert_string_equal(arg, "process tickets");
    /* a rendered name keeps no surrounding blanks (a folded scalar's newline) */
    assert_int_equal(run_json(m, t, "{\"step_name\": \"  __end__\\n\"}", &out, &err), OCTO_OK);
    json_decref(out);
    assert_int_equal(octo_mock_control(m, &arg), OCTO_CONTROL_GOTO);
    assert_string_equal(arg, "__end__");
    assert_int_equal(octo_mock_control_calls(m), 2);
    octo_mock_free(m);
}

static int refuse(octo_ctx *ctx, int what, const char *arg)
{
    (void)ctx;
    (void)what;
    (void)arg;
    return OCTO_EINVAL;
}

static void test_errors(void **state)
{
    octo_mock *m = octo_mock_new();
    const octo_step_type *t = load_type(m, "goto");
    json_t *opts = J("{\"step_name\": \" \"}");
    json_t *tpl = J("{\"step_name\": \"{{ x }}\"}");
    void *inst = NULL;
    octo_run_args args;
    json_t *out = NULL;
    octo_error err;

    (void)state;
    assert_int_equal(run_json(m, t, "{\"step_name\": \" \\t\"}", &out, &err), OCTO_EINVAL);
    assert_string_equal(err.field, "step_name");
    assert_int_equal(run_json(m, t, "{}", &out, &err), OCTO_EINVAL);
    assert_string_equal(err.field, "step_name");
    /* a template that rendered to blanks: run() with the rendered options */
    assert_int_equal(t->prepare(octo_mock_host(m), tpl, &inst, &err), OCTO_OK);
    memset(&args, 0, sizeof(args));
    args.struct_size = sizeof(args);
    args.options = opts;
    args.step_name = "g";
    memset(&err, 0, sizeof(err));
    assert_int_equal(t->run(octo_mock_host(m), octo_mock_ctx(m), inst, &args, &out, &err),
                     OCTO_EINVAL);
    assert_null(out);
    assert_string_equal(err.msg, "rendered to an empty name: nowhere to go");
    assert_int_equal(octo_mock_control_calls(m), 0); /* a failed goto steers nothing */
    /* the core refuses the jump: an error, not a silent next step */
    octo_mock_host(m)->control = refuse;
    assert_int_equal(run_json(m, t, "{\"step_name\": \"a\"}", &out, &err), OCTO_EINVAL);
    assert_has(err.msg, "refused the jump to a");
    json_decref(opts);
    json_decref(tpl);
    octo_mock_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_descriptor),
        cmocka_unit_test(test_jumps),
        cmocka_unit_test(test_errors),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
