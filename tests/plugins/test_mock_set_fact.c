/* test_mock_set_fact.c - the set_fact step through the mock host.
 *
 * value (the original's form) is rendered by the core before run(): the
 * mock passes it as written, so these tests give the rendered text and
 * check what it becomes (a string always, or json / yaml when asked).
 * values are rendered by the plugin itself: the test gives the host a
 * fake template engine that knows one form, "{{ key }}" -> Python str()
 * of that key of the flow data, and records compiles and frees, so the
 * plugin's own work shows: types per key and by default, literals kept,
 * the result mapping, every error naming values.<key>, and every
 * compiled template freed. */
#include "mock_test.h"

struct fake_tpl {
    char *source;
};

static int g_compiles;
static int g_frees;

static int fake_compile(const char *source, const char *origin, octo_template **out,
                        octo_error *err)
{
    struct fake_tpl *t;

    if (strstr(source, "{{") != NULL && strstr(source, "}}") == NULL) {
        err->code = OCTO_ETEMPLATE;
        snprintf(err->msg, sizeof(err->msg), "%s:1: unexpected end of template", origin);
        return OCTO_ETEMPLATE;
    }
    t = calloc(1, sizeof(*t));
    t->source = strdup(source);
    g_compiles++;
    *out = (octo_template *)t;
    return OCTO_OK;
}

static int fake_render(octo_ctx *ctx, const octo_template *tpl, json_t *vars, char **out,
                       size_t *len, octo_error *err)
{
    const struct fake_tpl *t = (const struct fake_tpl *)tpl;
    char key[128];
    json_t *v;
    octo_error e2;

    (void)ctx;
    *out = NULL;
    if (sscanf(t->source, "{{ %127[^ }] }}", key) != 1) {
        *out = strdup(t->source); /* no template syntax: the text itself */
    } else if ((v = json_object_get(vars, key)) == NULL) {
        err->code = OCTO_ETEMPLATE;
        snprintf(err->msg, sizeof(err->msg), "'%s' is undefined", key);
        return OCTO_ETEMPLATE;
    } else {
        memset(&e2, 0, sizeof(e2));
        if (json_is_string(v)) {
            *out = strdup(json_string_value(v));
        } else {
            /* its JSON text: what the real engine prints for a number or a list */
            char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

            *out = text;
        }
    }
    if (len != NULL) {
        *len = strlen(*out);
    }
    return OCTO_OK;
}

static void fake_free(octo_template *tpl)
{
    struct fake_tpl *t = (struct fake_tpl *)tpl;

    g_frees++;
    free(t->source);
    free(t);
}

static octo_mock *new_mock(void)
{
    octo_mock *m = octo_mock_new();
    octo_host *h = octo_mock_host(m);
    json_t *d = J("{\"n\": 3, \"s\": \"x y\", \"doc\": \"a: [1, 2]\\nb: yes\","
                  " \"list\": \"[1, 2]\", \"bad\": \"{oops\"}");

    h->template_compile = fake_compile;
    h->template_render = fake_render;
    h->template_free = fake_free;
    octo_mock_set_data(m, d);
    json_decref(d);
    g_compiles = g_frees = 0;
    return m;
}

static void test_value_is_a_string(void **state)
{
    octo_mock *m = new_mock();
    const octo_step_type *t = load_type(m, "set_fact");
    json_t *out = NULL;
    octo_error err;

    (void)state;
    assert_int_equal(t->options[0].flags, OCTO_OPT_TEMPLATE); /* rendered by the core */
    /* the original: the rendered text, always a string ("3", never 3) */
    assert_int_equal(run_json(m, t, "{\"value\": \"3\"}", &out, &err), OCTO_OK);
    assert_json(out, "\"3\"");
    json_decref(out);
    assert_int_equal(run_json(m, t, "{\"value\": \"3\", \"type\": \"json\"}", &out, &err), OCTO_OK);
    assert_json(out, "3");
    json_decref(out);
    assert_int_equal(
        run_json(m, t, "{\"value\": \"a: [1]\\nb: off\", \"type\": \"yaml\"}", &out, &err),
        OCTO_OK);
    assert_json(out, "{\"a\": [1], \"b\": false}"); /* PyYAML's YAML 1.1 */
    json_decref(out);
    assert_int_equal(run_json(m, t, "{\"value\": \"[1,\", \"type\": \"json\"}", &out, &err),
                     OCTO_ETEMPLATE);
    assert_string_equal(err.field, "value");
    assert_has(err.msg, "is not JSON");
    assert_int_equal(g_compiles, 0); /* value needs no template of its own */
    octo_mock_free(m);
}

static void test_values_typed(void **state)
{
    octo_mock *m = new_mock();
    const octo_step_type *t = load_type(m, "set_fact");
    json_t *out = NULL;
    octo_error err;

    (void)state;
    assert_int_equal(run_json(m, t,
                              "{\"values\": {"
                              "\"count\": {\"value\": \"{{ n }}\", \"type\": \"json\"},"
                              " \"text\": \"{{ s }}\","
                              " \"count_text\": \"{{ n }}\","
                              " \"doc\": {\"value\": \"{{ doc }}\", \"type\": \"YAML\"},"
                              " \"ids\": {\"value\": \"{{ list }}\", \"type\": \"json\"},"
                              " \"plain\": \"no template\","
                              " \"limit\": 50, \"tags\": [\"a\"], \"none\": null}}",
                              &out, &err),
                     OCTO_OK);
    assert_json(out, "{\"count\": 3, \"text\": \"x y\", \"count_text\": \"3\","
                     " \"doc\": {\"a\": [1, 2], \"b\": true}, \"ids\": [1, 2],"
                     " \"plain\": \"no template\", \"limit\": 50, \"tags\": [\"a\"],"
                     " \"none\": null}");
    /* the keys in the order written */
    assert_string_equal(json_object_iter_key(json_object_iter(out)), "count");
    json_decref(out);
    assert_int_equal(g_compiles, 6);
    assert_int_equal(g_frees, 6);
    /* type: the keys' default */
    assert_int_equal(run_json(m, t,
                              "{\"values\": {\"a\": \"{{ n }}\", \"b\": {\"value\":"
                              " \"{{ s }}\", \"type\": \"string\"}}, \"type\": \"json\"}",
                              &out, &err),
                     OCTO_OK);
    assert_json(out, "{\"a\": 3, \"b\": \"x y\"}");
    json_decref(out);
    octo_mock_free(m);
}

static void test_errors(void **state)
{
    static const struct {
        const char *options;
        int rc;
        const char *field;
        const char *msg;
    } bad[] = {
        {"{}", OCTO_EINVAL, "value", "set_fact value is required"},
        {"{\"value\": \"\"}", OCTO_EINVAL, "value", "set_fact value is required"},
        {"{\"value\": \"a\", \"values\": {\"b\": \"c\"}}", OCTO_EINVAL, "values", "not both"},
        {"{\"values\": {}}", OCTO_EINVAL, "values", "at least one key"},
        {"{\"values\": {\"k\": {\"type\": \"json\"}}}", OCTO_EINVAL, "values.k",
         "value is required"},
        {"{\"values\": {\"k\": {\"value\": \"x\", \"type\": \"xml\"}}}", OCTO_EINVAL, "values.k",
         "string, json or yaml"},
        {"{\"values\": {\"k\": {\"value\": \"x\", \"kind\": \"json\"}}}", OCTO_EINVAL, "values.k",
         "unknown key \"kind\""},
        {"{\"values\": {\"ok\": \"{{ n }}\", \"k\": \"{{ n\"}}", OCTO_ETEMPLATE, "values.k",
         "set_fact.values.k:1: unexpected end"},
        {"{\"values\": {\"k\": \"{{ nope }}\"}}", OCTO_ETEMPLATE, "values.k",
         "'nope' is undefined"},
        {"{\"values\": {\"k\": {\"value\": \"{{ bad }}\", \"type\": \"json\"}}}", OCTO_ETEMPLATE,
         "values.k.value", "is not JSON"},
        {"{\"values\": {\"k\": {\"value\": \"{{ bad }}\", \"type\": \"yaml\"}}}", OCTO_EINVAL,
         "values.k.value", "values.k.value:"},
    };
    octo_mock *m = new_mock();
    const octo_step_type *t = load_type(m, "set_fact");
    json_t *out = NULL;
    octo_error err;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = run_json(m, t, bad[i].options, &out, &err);

        if (rc != bad[i].rc || strcmp(err.field, bad[i].field) != 0 ||
            strstr(err.msg, bad[i].msg) == NULL) {
            fail_msg("%s: rc %d field \"%s\" message \"%s\"", bad[i].options, rc, err.field,
                     err.msg);
        }
        assert_null(out);
    }
    assert_int_equal(g_compiles, g_frees); /* nothing compiled is leaked on an error */
    octo_mock_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_value_is_a_string),
        cmocka_unit_test(test_values_typed),
        cmocka_unit_test(test_errors),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
