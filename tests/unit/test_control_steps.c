/* test_control_steps.c - the control-step rules that need the C API: a
 * run's deadline ends a long sleep (status timeout, not a 30 s wait) and
 * a cancelled run ends cancelled (struct octo_cancel). The goto, switch,
 * set_fact, sleep, exit and on_error_goto rules a flow, an input and its
 * final data show are the control_* cases of tests/flows/, run by
 * test_flow_cases.c. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

static void test_sleep_deadline_and_cancel(void **state)
{
    struct octo_flow *f = NULL;
    struct octo_run_opts o;
    struct octo_run_result r;
    struct octo_cancel c;
    octo_error err;

    (void)state;
    /* the run's deadline ends a long sleep: status timeout, not a 30 s wait */
    octo_test_write("flows/sl30.yml",
                    "name: sl30\nsteps:\n- {name: nap, type: sleep, sleep: {seconds: 30}}\n"
                    "- {name: never, type: set_fact, set_fact: {value: no}}\n");
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_flow_get("sl30.yml", &f, NULL, &err), OCTO_OK);
    octo_cancel_init(&c, 0.2);
    memset(&o, 0, sizeof(o));
    o.cancel = &c;
    assert_int_equal(octo_run_flow(f, &o, &r), OCTO_OK);
    assert_int_equal(r.status, OCTO_RUN_TIMEOUT);
    assert_string_equal(r.step, "nap");
    assert_string_equal(
        json_string_value(
            octo_test_get(json_array_get(json_object_get(r.data, "__errors__"), 0), "error.type")),
        "timeout");
    assert_null(json_object_get(r.data, "never"));
    octo_run_result_free(&r);
    /* a cancelled run: status cancelled */
    octo_cancel_request(&c);
    assert_int_equal(octo_run_flow(f, &o, &r), OCTO_OK);
    assert_int_equal(r.status, OCTO_RUN_CANCELLED);
    octo_run_result_free(&r);
    octo_cancel_destroy(&c);
    octo_flow_unref(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sleep_deadline_and_cancel),
    };

    return cmocka_run_group_tests(tests, octo_test_group_setup, octo_test_group_teardown);
}
