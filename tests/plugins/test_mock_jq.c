/* test_mock_jq.c - the jq step through the mock host. libjq lives in the
 * core, so the test gives the host fake jq members that record what the
 * plugin asks: the program compiled once at prepare and freed at
 * destroy, the input (the data_key value, or the whole flow data), the
 * mode (OCTO_JQ_SINGLE: the original's one-output rule), and errors
 * passed through with the right field. Without the fakes, the mock's
 * stub makes prepare fail naming jq_compile. */
#include "mock_test.h"

struct fake_prog {
    char *program;
};

static int g_compiled;
static int g_freed;
static int g_mode = -1;

static int fake_compile(const char *program, octo_jq **out, octo_error *err)
{
    struct fake_prog *p;

    if (strcmp(program, "bad(") == 0) {
        err->code = OCTO_EJQ;
        snprintf(err->msg, sizeof(err->msg), "jq: syntax error at bad(");
        return OCTO_EJQ;
    }
    p = calloc(1, sizeof(*p));
    p->program = strdup(program);
    g_compiled++;
    *out = (octo_jq *)p;
    return OCTO_OK;
}

/* {"program": <text>, "input": <input>}, or an error for "fails" */
static int fake_run(octo_ctx *ctx, const octo_jq *prog, json_t *input, int mode, json_t **out,
                    octo_error *err)
{
    const struct fake_prog *p = (const struct fake_prog *)prog;

    (void)ctx;
    g_mode = mode;
    if (strcmp(p->program, "fails") == 0) {
        err->code = OCTO_EJQ;
        snprintf(err->msg, sizeof(err->msg), "jq expression \"fails\" failed: boom");
        return OCTO_EJQ;
    }
    *out = json_pack("{s:s, s:O}", "program", p->program, "input",
                     input != NULL ? input : json_null());
    return OCTO_OK;
}

static void fake_free(octo_jq *prog)
{
    struct fake_prog *p = (struct fake_prog *)prog;

    if (p != NULL) {
        g_freed++;
        free(p->program);
        free(p);
    }
}

static octo_mock *new_mock(void)
{
    octo_mock *m = octo_mock_new();
    octo_host *h = octo_mock_host(m);
    json_t *d = J("{\"items\": [1, 2], \"n\": 3}");

    h->jq_compile = fake_compile;
    h->jq_run = fake_run;
    h->jq_free = fake_free;
    octo_mock_set_data(m, d);
    json_decref(d);
    g_compiled = g_freed = 0;
    g_mode = -1;
    return m;
}

static void test_input_and_mode(void **state)
{
    octo_mock *m = new_mock();
    const octo_step_type *t = load_type(m, "jq");
    json_t *out = NULL;
    octo_error err;

    (void)state;
    assert_true(t->flags & OCTO_STEP_PURE);
    assert_int_equal(
        run_json(m, t, "{\"expression\": \".[0]\", \"data_key\": \"items\"}", &out, &err), OCTO_OK);
    assert_json(out, "{\"program\": \".[0]\", \"input\": [1, 2]}");
    assert_int_equal(g_mode, OCTO_JQ_SINGLE);
    json_decref(out);
    /* no data_key, and "": the whole flow data */
    assert_int_equal(run_json(m, t, "{\"expression\": \".n\"}", &out, &err), OCTO_OK);
    assert_json(json_object_get(out, "input"), "{\"items\": [1, 2], \"n\": 3}");
    json_decref(out);
    assert_int_equal(run_json(m, t, "{\"expression\": \".n\", \"data_key\": \"\"}", &out, &err),
                     OCTO_OK);
    assert_json(json_object_get(out, "input"), "{\"items\": [1, 2], \"n\": 3}");
    json_decref(out);
    /* a key missing from the data: null input, not the whole data */
    assert_int_equal(run_json(m, t, "{\"expression\": \".\", \"data_key\": \"nope\"}", &out, &err),
                     OCTO_OK);
    assert_true(json_is_null(json_object_get(out, "input")));
    json_decref(out);
    /* compiled once per prepare, freed once per destroy */
    assert_int_equal(g_compiled, 4);
    assert_int_equal(g_freed, 4);
    octo_mock_free(m);
}

static void test_prepared_once_run_twice(void **state)
{
    octo_mock *m = new_mock();
    const octo_step_type *t = load_type(m, "jq");
    json_t *opts = J("{\"expression\": \".\", \"data_key\": \"n\"}");
    json_t *out = NULL;
    void *inst = NULL;
    octo_error err;

    (void)state;
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_mock_prepare(m, t, opts, &inst, &err), OCTO_OK);
    assert_int_equal(octo_mock_run_prepared(m, t, inst, &out, &err), OCTO_OK);
    json_decref(out);
    assert_int_equal(octo_mock_run_prepared(m, t, inst, &out, &err), OCTO_OK);
    assert_json(out, "{\"program\": \".\", \"input\": 3}");
    json_decref(out);
    assert_int_equal(g_compiled, 1);
    octo_mock_destroy(m, t, inst);
    assert_int_equal(g_freed, 1);
    json_decref(opts);
    octo_mock_free(m);
}

static void test_errors(void **state)
{
    octo_mock *m = new_mock();
    const octo_step_type *t = load_type(m, "jq");
    json_t *out = NULL;
    octo_error err;

    (void)state;
    assert_int_equal(run_json(m, t, "{\"expression\": \"bad(\"}", &out, &err), OCTO_EJQ);
    assert_string_equal(err.field, "expression"); /* a load error names the option */
    assert_has(err.msg, "syntax error");
    assert_int_equal(g_freed, 0);
    assert_int_equal(run_json(m, t, "{\"expression\": \"fails\"}", &out, &err), OCTO_EJQ);
    assert_null(out);
    assert_has(err.msg, "failed: boom");
    assert_int_equal(run_json(m, t, "{\"data_key\": \"n\"}", &out, &err), OCTO_EINVAL);
    assert_string_equal(err.field, "expression"); /* REQUIRED */
    octo_mock_free(m);

    /* the mock's own stub, without fakes: prepare fails naming the member */
    m = octo_mock_new();
    t = load_type(m, "jq");
    assert_int_equal(run_json(m, t, "{\"expression\": \".\"}", &out, &err), OCTO_ENOTSUP);
    assert_has(err.msg, "jq_compile");
    octo_mock_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_input_and_mode),
        cmocka_unit_test(test_prepared_once_run_twice),
        cmocka_unit_test(test_errors),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
