/* test_mock_host.c - the SDK's mock host itself: what works as in the core
 * (Python text forms, YAML, regex, error details), what it records (log,
 * control, sleep, run_nested), what it refuses (paths), the stubs that
 * fail naming their member, and the step helpers (defaults, REQUIRED,
 * DATA_KEY input, args->paths) with a tiny plugin defined here. */
#include "mock_test.h"

/* ---- a tiny plugin: reports what run() received ------------------------- */

static int tiny_prepare(const octo_host *h, json_t *options, void **inst, octo_error *err)
{
    (void)err;
    h->log(NULL, OCTO_LOG_INFO, "prepared with %s",
           json_string_value(json_object_get(options, "word")));
    *inst = options;
    return OCTO_OK;
}

static int tiny_run(const octo_host *h, octo_ctx *ctx, void *inst, const octo_run_args *args,
                    json_t **out, octo_error *err)
{
    (void)h;
    (void)ctx;
    (void)err;
    *out = json_pack("{s:O, s:O, s:O, s:b, s:b}", "options", (json_t *)inst, "input",
                     args->input != NULL ? args->input : json_null(), "paths",
                     args->paths != NULL ? args->paths : json_null(), "has_paths",
                     OCTO_ARGS_HAS(args, paths), "same_options", args->options == inst);
    return OCTO_OK;
}

static const octo_option tiny_options[] = {
    {.name = "word", .type = OCTO_OPT_STRING, .def = "\"hi\"", .summary = "a default"},
    {.name = "need", .type = OCTO_OPT_INT, .flags = OCTO_OPT_REQUIRED, .summary = "required"},
    {.name = "data_key", .type = OCTO_OPT_STRING, .flags = OCTO_OPT_DATA_KEY, .summary = "input"},
    {.name = "path", .type = OCTO_OPT_STRING, .flags = OCTO_OPT_PATH_DATA, .summary = "a path"},
    {.name = NULL},
};

static const char *const tiny_aliases[] = {"small", NULL};

static const octo_step_type tiny_type = {
    .struct_size = sizeof(octo_step_type),
    .name = "tiny",
    .summary = "test",
    .options = tiny_options,
    .option_size = sizeof(octo_option),
    .prepare = tiny_prepare,
    .run = tiny_run,
    .aliases = tiny_aliases,
};

static const octo_step_type *const tiny_steps[] = {&tiny_type, NULL};
OCTO_PLUGIN_DESCRIPTOR(tiny_plugin, "tiny", "0", tiny_steps);
OCTO_PLUGIN_DEFINE_ENTRY(tiny_plugin)

/* ---- tests ------------------------------------------------------------------ */

static void test_step_helpers(void **state)
{
    octo_mock *m = octo_mock_new();
    const octo_step_type *t = load_type(m, "small"); /* an alias finds it */
    const octo_step_type *none = NULL;
    json_t *data = J("{\"who\": {\"n\": 1}}");
    json_t *out = NULL;
    octo_error err;

    (void)state;
    assert_ptr_equal(t, &tiny_type);
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_mock_load(m, octo_plugin_entry, "nope", &none, &err), OCTO_ENOENT);
    assert_null(none);
    assert_has(err.msg, "no step type nope");

    octo_mock_set_data(m, data);
    json_decref(data); /* the mock keeps its own reference */
    octo_mock_set_root(m, OCTO_ROOT_DATA, "/srv/data");
    assert_int_equal(
        run_json(m, t, "{\"need\": 1, \"data_key\": \"who\", \"path\": \"o/x.yml\"}", &out, &err),
        OCTO_OK);
    assert_json(out, "{\"options\": {\"need\": 1, \"data_key\": \"who\", \"path\": \"o/x.yml\","
                     " \"word\": \"hi\"}, \"input\": {\"n\": 1},"
                     " \"paths\": {\"path\": \"/srv/data/o/x.yml\"}, \"has_paths\": true,"
                     " \"same_options\": true}");
    json_decref(out);
    assert_int_equal(octo_mock_log_find(m, "prepared with hi"), 0); /* NULL ctx: captured */

    /* "." is the whole data; a missing key gives no input */
    assert_int_equal(run_json(m, t, "{\"need\": 1, \"data_key\": \".\"}", &out, &err), OCTO_OK);
    assert_json(json_object_get(out, "input"), "{\"who\": {\"n\": 1}}");
    json_decref(out);
    assert_int_equal(run_json(m, t, "{\"need\": 1, \"data_key\": \"x\"}", &out, &err), OCTO_OK);
    assert_true(json_is_null(json_object_get(out, "input")));
    json_decref(out);

    /* REQUIRED, and a path the mock refuses */
    assert_int_equal(run_json(m, t, "{\"word\": \"x\"}", &out, &err), OCTO_EINVAL);
    assert_null(out);
    assert_string_equal(err.field, "need");
    assert_int_equal(run_json(m, t, "{\"need\": 1, \"path\": \"../x\"}", &out, &err), OCTO_EPATH);
    assert_string_equal(err.field, "path");
    octo_mock_free(m);
}

static void test_python_forms_and_yaml(void **state)
{
    octo_mock *m = octo_mock_new();
    octo_host *h = octo_mock_host(m);
    json_t *v = J("{\"u\": \"\\u00e9\", \"f\": 1.0, \"n\": null, \"l\": [true, 0.1]}");
    json_t *y = NULL;
    char *s = NULL;
    octo_error err;

    (void)state;
    memset(&err, 0, sizeof(err));
    assert_int_equal(h->json_dump(v, 0, &s, &err), OCTO_OK);
    assert_string_equal(s, "{\"u\": \"\\u00e9\", \"f\": 1.0, \"n\": null, \"l\": [true, 0.1]}");
    h->free(s);
    assert_int_equal(h->value_text(v, &s, &err), OCTO_OK);
    assert_string_equal(s, "{'u': '\xc3\xa9', 'f': 1.0, 'n': None, 'l': [True, 0.1]}");
    h->free(s);
    assert_int_equal(h->yaml_dump(v, 0, &s, &err), OCTO_OK);
    assert_string_equal(s, "f: 1.0\nl:\n- true\n- 0.1\nn: null\nu: \"\\xE9\"\n");
    h->free(s);
    assert_int_equal(h->yaml_load("a: yes\nb: 0755\nc: ~\n", 19, "t.yml", &y, &err), OCTO_OK);
    assert_json(y, "{\"a\": true, \"b\": 493, \"c\": null}");
    json_decref(y);
    y = NULL;
    assert_int_equal(h->yaml_load("a: [1\n", 6, "bad.yml", &y, &err), OCTO_EINVAL);
    assert_null(y);
    assert_has(err.msg, "bad.yml:");
    json_decref(v);
    octo_mock_free(m);
}

static void test_regex_is_python_re(void **state)
{
    octo_mock *m = octo_mock_new();
    octo_host *h = octo_mock_host(m);
    octo_regex *re = NULL;
    octo_error err;

    (void)state;
    memset(&err, 0, sizeof(err));
    assert_int_equal(h->regex_compile("(?P<w>ab)(?P=w)\\Z", 0, &re, &err), OCTO_OK);
    assert_int_equal(h->regex_match(re, "abab", 4, OCTO_REGEX_MATCH, NULL), 1);
    assert_int_equal(h->regex_match(re, "abab\n", 5, OCTO_REGEX_MATCH, NULL), 0); /* \Z */
    assert_int_equal(h->regex_match(re, "xabab", 5, OCTO_REGEX_MATCH, NULL), 0);
    assert_int_equal(h->regex_match(re, "xabab", 5, OCTO_REGEX_SEARCH, NULL), 1);
    assert_int_equal(h->regex_match(re, "abab", 4, 7, &err), OCTO_EINVAL);
    h->regex_free(re);
    assert_int_equal(h->regex_compile("a(", 0, &re, &err), OCTO_EINVAL);
    assert_null(re);
    assert_has(err.msg, "missing closing parenthesis");
    assert_int_equal(h->regex_compile("X", OCTO_REGEX_IGNORECASE, &re, &err), OCTO_OK);
    assert_int_equal(h->regex_match(re, "x", 1, OCTO_REGEX_MATCH, NULL), 1);
    h->regex_free(re);
    octo_mock_free(m);
}

static void test_records(void **state)
{
    octo_mock *m = octo_mock_new();
    octo_host *h = octo_mock_host(m);
    octo_ctx *ctx = octo_mock_ctx(m);
    json_t *out = NULL;
    json_t *r = J("{\"k\": 1}");
    const char *arg = NULL;
    size_t idx = 0;
    char *text;
    int level = 0;
    octo_error err;

    (void)state;
    memset(&err, 0, sizeof(err));
    h->log(ctx, OCTO_LOG_WARN, "one %d", 1);
    h->log(ctx, OCTO_LOG_DEBUG, "two");
    assert_int_equal(octo_mock_log_count(m), 2);
    assert_string_equal(octo_mock_log_line(m, 0, &level), "one 1");
    assert_int_equal(level, OCTO_LOG_WARN);
    assert_null(octo_mock_log_line(m, 2, NULL));
    assert_int_equal(octo_mock_log_find(m, "two"), 1);
    assert_int_equal(octo_mock_log_find(m, "three"), -1);
    text = octo_mock_log_text(m);
    assert_string_equal(text, "one 1\ntwo");
    free(text);
    octo_mock_log_clear(m);
    assert_int_equal(octo_mock_log_count(m), 0);

    assert_int_equal(octo_mock_control(m, &arg), 0);
    assert_int_equal(h->control(ctx, OCTO_CONTROL_GOTO, "a"), OCTO_OK);
    assert_int_equal(h->control(ctx, OCTO_CONTROL_EXIT, "bye"), OCTO_OK); /* the last wins */
    assert_int_equal(h->control(ctx, 9, "x"), OCTO_EINVAL);
    assert_int_equal(h->control(NULL, OCTO_CONTROL_GOTO, "x"), OCTO_EINVAL);
    assert_int_equal(octo_mock_control(m, &arg), OCTO_CONTROL_EXIT);
    assert_string_equal(arg, "bye");
    assert_int_equal(octo_mock_control_calls(m), 2);
    octo_mock_control_reset(m);
    assert_int_equal(octo_mock_control(m, NULL), 0);

    assert_int_equal(h->sleep(ctx, 1.5, &err), OCTO_OK);
    assert_int_equal(h->sleep(ctx, 0.25, &err), OCTO_OK);
    assert_int_equal(h->sleep(ctx, -1, &err), OCTO_EINVAL);
    assert_int_equal(octo_mock_sleeps(m), 2);
    assert_true(octo_mock_slept(m) == 1.75);
    assert_false(h->cancelled(ctx));
    octo_mock_cancel(m);
    assert_true(h->cancelled(ctx));
    assert_int_equal(h->sleep(ctx, 1, &err), OCTO_ECANCELED);
    assert_has(err.msg, "cancelled");

    assert_int_equal(h->run_nested(ctx, "cases", 2, &out, &err), OCTO_OK);
    assert_true(json_is_null(out));
    json_decref(out);
    octo_mock_set_nested_result(m, OCTO_OK, r, NULL);
    assert_int_equal(h->run_nested(ctx, "default", 0, &out, &err), OCTO_OK);
    assert_json(out, "{\"k\": 1}");
    json_decref(out);
    octo_mock_set_nested_result(m, OCTO_EHTTP, NULL, "nested boom");
    memset(&err, 0, sizeof(err));
    assert_int_equal(h->run_nested(ctx, "cases", 0, &out, &err), OCTO_EHTTP);
    assert_null(out);
    assert_string_equal(err.msg, "nested boom");
    assert_int_equal(octo_mock_nested_calls(m), 3);
    assert_string_equal(octo_mock_nested_call(m, 0, &idx), "cases");
    assert_int_equal(idx, 2);
    assert_string_equal(octo_mock_nested_call(m, 1, &idx), "default");
    assert_null(octo_mock_nested_call(m, 3, NULL));
    json_decref(r);
    octo_mock_free(m);
}

static void test_errors_secrets_paths(void **state)
{
    octo_mock *m = octo_mock_new();
    octo_host *h = octo_mock_host(m);
    octo_ctx *ctx = octo_mock_ctx(m);
    json_t *d = J("{\"status_code\": 503, \"why\": [\"x\"]}");
    json_t *big = json_object();
    json_t *back;
    json_t *sec = J("{\"name\": \"s\", \"type\": \"token\", \"token\": \"t0k\"}");
    json_t *got = NULL;
    char *abs = NULL;
    char filler[3000];
    octo_error err;

    (void)state;
    memset(&err, 0, sizeof(err));
    assert_int_equal(h->error_set(&err, OCTO_EIO, "path", "cannot read %s", "x"), OCTO_EIO);
    assert_int_equal(err.code, OCTO_EIO);
    assert_string_equal(err.field, "path");
    assert_string_equal(err.msg, "cannot read x");
    assert_string_equal(h->strerror(OCTO_EHTTP), "remote service answered with an error status");
    assert_int_equal(h->error_detail(&err, d), OCTO_OK);
    assert_int_equal(err.detail_is_object, 1);
    back = octo_mock_error_detail(&err);
    assert_true(json_equal(back, d));
    json_decref(back);
    memset(filler, 'a', sizeof(filler) - 1);
    filler[sizeof(filler) - 1] = '\0';
    json_object_set_new(big, "x", json_string(filler));
    assert_int_equal(h->error_detail(&err, big), OCTO_EINVAL); /* must fit detail[] */
    assert_int_equal(h->error_detail(&err, json_null()), OCTO_EINVAL);

    octo_mock_set_secret(m, "s", sec);
    assert_int_equal(h->secret_get(ctx, "s", &got, &err), OCTO_OK);
    assert_true(json_equal(got, sec) && got != sec);
    json_decref(got);
    assert_int_equal(h->secret_get(ctx, "other", &got, &err), OCTO_ESECRET);
    assert_null(got);

    assert_int_equal(h->path_resolve(OCTO_ROOT_TEMPLATES, "a.j2", 0, &abs, &err), OCTO_EPATH);
    assert_has(err.msg, "octo_mock_set_root");
    octo_mock_set_root(m, OCTO_ROOT_TEMPLATES, "/t");
    assert_int_equal(h->path_resolve(OCTO_ROOT_TEMPLATES, "d/a.j2", 0, &abs, &err), OCTO_OK);
    assert_string_equal(abs, "/t/d/a.j2");
    h->free(abs);
    assert_int_equal(h->path_resolve(OCTO_ROOT_TEMPLATES, "/etc/passwd", 0, &abs, &err),
                     OCTO_EPATH);
    assert_int_equal(h->path_resolve(OCTO_ROOT_TEMPLATES, "d/../../x", 0, &abs, &err), OCTO_EPATH);
    assert_int_equal(h->path_resolve(OCTO_ROOT_TEMPLATES, "..", 0, &abs, &err), OCTO_EPATH);
    assert_int_equal(h->path_resolve(OCTO_ROOT_TEMPLATES, "", 0, &abs, &err), OCTO_EPATH);
    assert_null(abs);
    assert_int_equal(h->path_resolve(OCTO_ROOT_TEMPLATES, "a..b/..c", 0, &abs, &err), OCTO_OK);
    h->free(abs);
    assert_null(h->data_get(ctx, ".")); /* no data set */
    json_decref(d);
    json_decref(big);
    json_decref(sec);
    octo_mock_free(m);
}

static void test_stubs_fail_naming_the_member(void **state)
{
    octo_mock *m = octo_mock_new();
    octo_host *h = octo_mock_host(m);
    octo_ctx *ctx = octo_mock_ctx(m);
    octo_template *tpl = (octo_template *)1;
    octo_jq *jq = (octo_jq *)1;
    json_t *out = (json_t *)1;
    char *text = (char *)1;
    int failed = 1;
    size_t failed_items = 1;
    octo_error err;

    (void)state;
    assert_int_equal(h->struct_size, sizeof(octo_host));
    assert_int_equal(h->abi_minor, OCTO_ABI_MINOR);
    assert_true(OCTO_HOST_HAS(h, regex_free));
#define STUB(call, member)                                                                         \
    memset(&err, 0, sizeof(err));                                                                  \
    assert_int_equal(call, OCTO_ENOTSUP);                                                          \
    assert_int_equal(err.code, OCTO_ENOTSUP);                                                      \
    assert_has(err.msg, "the mock host has no " member)
    STUB(h->template_compile("x", "o", &tpl, &err), "template_compile");
    assert_null(tpl);
    STUB(h->template_load("x.j2", &tpl, &err), "template_load");
    STUB(h->template_render(ctx, NULL, NULL, &text, NULL, &err), "template_render");
    assert_null(text);
    STUB(h->jq_compile(".", &jq, &err), "jq_compile");
    assert_null(jq);
    STUB(h->jq_run(ctx, NULL, NULL, 0, &out, &err), "jq_run");
    assert_null(out);
    out = (json_t *)1;
    STUB(h->flow_run(ctx, "a.yml", NULL, &out, &failed, &err), "flow_run");
    assert_null(out);
    assert_int_equal(failed, 0);
    out = (json_t *)1;
    STUB(h->flow_run_each(ctx, "a.yml", NULL, 0, &out, &failed_items, &err), "flow_run_each");
    assert_int_equal(failed_items, 0);
    out = (json_t *)1;
    STUB(h->flow_run2(ctx, "a.yml", NULL, &out, &err), "flow_run2");
    assert_null(out);
#undef STUB
    octo_mock_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_step_helpers),
        cmocka_unit_test(test_python_forms_and_yaml),
        cmocka_unit_test(test_regex_is_python_re),
        cmocka_unit_test(test_records),
        cmocka_unit_test(test_errors_secrets_paths),
        cmocka_unit_test(test_stubs_fail_naming_the_member),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
