/* test_plugin_jq_debug.c - the jq step's rule that needs threads: one
 * loaded flow run concurrently from several threads (run() on one
 * instance). The jq and debug rules a flow, an input, its final data and
 * its log show (data_key, outputs, errors, debug's formats, redaction,
 * its copy of the data) are the jq_* and debug_* cases of tests/flows/,
 * run by test_flow_cases.c. */
#include "testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- jq ------------------------------------------------------------------ */

/* one loaded flow run from several threads at once: run() on one inst */
struct par {
    struct octo_flow *flow;
    int id;
    int ok;
};

static void *par_main(void *arg)
{
    struct par *p = arg;
    int i;

    for (i = 0; i < 40; i++) {
        struct octo_run_opts o;
        struct octo_run_result r;
        json_t *in = json_pack("{s:i,s:i}", "id", p->id, "i", i);

        memset(&o, 0, sizeof(o));
        o.input = in;
        if (octo_run_flow(p->flow, &o, &r) == OCTO_OK && !r.failed &&
            json_integer_value(json_object_get(r.data, "twice")) == 2 * (p->id * 1000 + i) &&
            json_integer_value(octo_test_get(r.data, "echo.id")) == p->id) {
            p->ok++;
        }
        octo_run_result_free(&r);
        json_decref(in);
    }
    return NULL;
}

static void test_jq_concurrent_runs(void **state)
{
    struct octo_flow *f = NULL;
    struct par p[6];
    pthread_t th[6];
    octo_error err;
    int i;

    (void)state;
    octo_test_write("flows/par.yml",
                    "name: par\n"
                    "steps:\n"
                    "- {name: echo, type: debug, debug: {data_key: __input__}}\n"
                    "- {name: twice, type: jq, jq: {expression: '(.id * 1000 + .i) * 2', "
                    "data_key: __input__}}\n");
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_flow_get("par.yml", &f, NULL, &err), OCTO_OK);
    for (i = 0; i < 6; i++) {
        p[i].flow = f;
        p[i].id = i + 1;
        p[i].ok = 0;
        assert_int_equal(pthread_create(&th[i], NULL, par_main, &p[i]), 0);
    }
    for (i = 0; i < 6; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(p[i].ok, 40);
    }
    octo_flow_unref(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jq_concurrent_runs),
    };

    return cmocka_run_group_tests(tests, octo_test_group_setup, octo_test_group_teardown);
}
