/* test_tpl_api.c - the C API: is_template, names and lines in messages,
 * limits (output, depth, range, repetition), many threads on one template. */
#include <pthread.h>

#include "tpl_test_util.h"

static void test_is_template(void **state)
{
    (void)state;
    assert_true(octo_tpl_is_template("a {{ b }}"));
    assert_true(octo_tpl_is_template("{% if %}"));
    assert_true(octo_tpl_is_template("x {# c #}"));
    assert_false(octo_tpl_is_template("plain { text }"));
    assert_false(octo_tpl_is_template(""));
    assert_false(octo_tpl_is_template(NULL));
}

static void test_messages(void **state)
{
    struct octo_tpl *t = NULL;
    octo_error err;
    struct octo_buf out = OCTO_BUF_INIT;
    (void)state;
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_tpl_compile("a\n{{ 1 +", 8, "rest.uri", NULL, &t, &err), OCTO_ETEMPLATE);
    assert_int_equal(err.code, OCTO_ETEMPLATE);
    assert_true(strncmp(err.msg, "rest.uri:2: ", 12) == 0);
    assert_int_equal(octo_tpl_compile("x\ny\n{{ a.b }}", 13, "when", NULL, &t, &err), OCTO_OK);
    assert_string_equal(octo_tpl_name(t), "when");
    assert_int_equal(octo_tpl_render(t, NULL, &out, &err), OCTO_ETEMPLATE);
    assert_string_equal(err.msg, "when:3: 'a' is undefined");
    octo_tpl_unref(t);
    octo_buf_free(&out);
}

/* octo_tpl_static_text: a template whose every render writes the same text
 * says so, with that text (what rendering it writes); anything that reads
 * a name, or has more than one piece, is not static. */
static void test_static_text(void **state)
{
    static const struct {
        const char *src;
        const char *text; /* NULL: not static */
    } cases[] = {
        {"{{ false }}", "False"},
        {"{{ 1 > 2 }}", "False"},
        {"{{ 'a' ~ 1 }}", "a1"},
        {"yes", "yes"},
        {"", ""},
        {"{{ x }}", NULL},
        {"{{ x > 1 }}", NULL},
        {"a {{ x }} b", NULL},
        {"{% if x %}1{% endif %}", NULL},
        {"{{ range(3) | list }}", NULL},
        {"{{ [1, 2] | list }}", "[1, 2]"},
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct octo_tpl *t = NULL;
        octo_error err;
        struct octo_buf out = OCTO_BUF_INIT;
        const char *text = NULL;
        size_t len = 0;
        int is_static;

        memset(&err, 0, sizeof(err));
        assert_int_equal(
            octo_tpl_compile(cases[i].src, strlen(cases[i].src), "when", NULL, &t, &err), OCTO_OK);
        is_static = octo_tpl_static_text(t, &text, &len);
        if (cases[i].text == NULL) {
            assert_false(is_static);
        } else {
            if (!is_static) {
                print_error("not static: %s\n", cases[i].src);
            }
            assert_true(is_static);
            assert_int_equal(len, strlen(cases[i].text));
            assert_memory_equal(text, cases[i].text, len);
            /* the same text a render writes */
            assert_int_equal(octo_tpl_render(t, NULL, &out, &err), OCTO_OK);
            assert_int_equal(out.len, len);
            assert_memory_equal(octo_buf_cstr(&out), text, len);
        }
        octo_buf_free(&out);
        octo_tpl_unref(t);
    }
}

/* Jinja2's messages and their time: compile for unknown names outside if /
 * conditional expressions, render when reached inside them */
static void test_unknown_names(void **state)
{
    (void)state;
    RENDER_ERR("a\n{{ x|nope }}", NULL, "t:2: No filter named 'nope'.");
    RENDER_ERR("{% if true %}{{ 1 is nope }}{% endif %}", NULL, "t:1: No test named 'nope' found.");
    RENDER_EQ("{% if false %}{{ x|nope }}{% endif %}ok", NULL, "ok");
    RENDER_ERR("{% macro m(caller) %}{{ caller() }}{% endmacro %}", NULL,
               "\"caller\" argument must be omitted");
    RENDER_ERR("{% block b required %}{% endblock %}", NULL, "Required block 'b' not found");
    RENDER_ERR("{{ {1: 'a', 'b': 2}|tojson }}", NULL,
               "'<' not supported between instances of 'str' and 'int'");
}

/* env.autoescape is Environment(autoescape=True) */
static void test_autoescape_env(void **state)
{
    struct octo_tpl_env env;
    char *r;
    (void)state;
    memset(&env, 0, sizeof(env));
    env.autoescape = 1;
    r = tpl_render_env(
        "{{ x }}|{{ '<' }}|{{ x|safe }}|{% macro m() %}<{{ x }}>{% endmacro %}{{ m() }}",
        "{\"x\": \"<&>\"}", &env);
    assert_string_equal(r, "&lt;&amp;&gt;|&lt;|<&>|<&lt;&amp;&gt;>");
    free(r);
    r = tpl_render_env("{% autoescape false %}{{ x }}{% endautoescape %}", "{\"x\": \"<\"}", &env);
    assert_string_equal(r, "<");
    free(r);
    RENDER_EQ("{{ x }}", "{\"x\": \"<\"}", "<"); /* off by default */
}

static void test_limits(void **state)
{
    struct octo_tpl_env env;
    char *r;
    (void)state;
    RENDER_ERR("{{ range(2000000)|length }}", NULL, "Range too big");
    RENDER_ERR("{{ 'x' * 100000000 }}", NULL, "output exceeds");
    /* fuzzer regressions: huge counts with nothing to repeat must not loop */
    RENDER_EQ("[{{ '' * 9223372036854775807 }}{{ [] * 9223372036854775807 }}]", NULL, "[[]]");
    RENDER_ERR("{{ [1]|batch(10**15, 0)|list }}", NULL, "too large");
    RENDER_ERR("{{ '%*d' % (10**12, 1) }}", NULL, "width too big");
    RENDER_ERR(
        "{% set l = range(100000)|list %}{% for i in l %}{% if i in l %}{% endif %}{% endfor %}",
        NULL, "evaluation budget");
    RENDER_ERR("{% for i in range(1000000) %}{{ 'abcdefghijklmnopqrstuvwxyz' }}{% endfor %}", NULL,
               "output exceeds");
    memset(&env, 0, sizeof(env));
    env.max_output = 10;
    env.max_depth = 5;
    r = tpl_render_env("{{ 'abcdefghijk' }}", NULL, &env);
    assert_non_null(strstr(r, "output exceeds"));
    free(r);
    r = tpl_render_env("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", NULL, &env);
    assert_non_null(strstr(r, "maximum recursion depth exceeded"));
    free(r);
    /* deeply nested expressions are refused by the parser, not the C stack */
    {
        char buf[4000];
        size_t i;
        size_t k = 0;
        k += (size_t)sprintf(buf, "{{ ");
        for (i = 0; i < 1000; i++) {
            buf[k++] = '(';
        }
        buf[k++] = '1';
        for (i = 0; i < 1000; i++) {
            buf[k++] = ')';
        }
        strcpy(buf + k, " }}");
        RENDER_ERR(buf, NULL, "nested");
        k = (size_t)sprintf(buf, "{{ ");
        for (i = 0; i < 500; i++) {
            k += (size_t)sprintf(buf + k, "-");
        }
        strcpy(buf + k, "1 }}");
        RENDER_ERR(buf, NULL, "nested too deeply");
        k = 0;
        for (i = 0; i < 300; i++) {
            k += (size_t)sprintf(buf + k, "{%% if 1 %%}");
        }
        buf[k] = 0;
        RENDER_ERR(buf, NULL, "nested too deeply");
    }
}

struct job {
    struct octo_tpl *t;
    json_t *ctx;
    int ok;
};

static void *worker(void *p)
{
    struct job *j = p;
    int i;
    j->ok = 1;
    for (i = 0; i < 200; i++) {
        struct octo_buf out = OCTO_BUF_INIT;
        octo_error err;
        memset(&err, 0, sizeof(err));
        if (octo_tpl_render(j->t, j->ctx, &out, &err) != OCTO_OK ||
            strcmp(out.data, "alice:31,bob:25,|2|{\"n\": 2}") != 0) {
            j->ok = 0;
        }
        octo_buf_free(&out);
    }
    return NULL;
}

/* renders big enough to grow the arena past its first block (blocks are
 * recycled per thread) and to use the per-render lookup caches */
struct bigjob {
    struct octo_tpl *t;
    json_t *ctx;
    const char *want;
    int ok;
};

static void *big_worker(void *p)
{
    struct bigjob *j = p;
    int i;
    j->ok = 1;
    for (i = 0; i < 40; i++) {
        struct octo_buf out = OCTO_BUF_INIT;
        octo_error err;
        memset(&err, 0, sizeof(err));
        if (octo_tpl_render(j->t, j->ctx, &out, &err) != OCTO_OK ||
            strcmp(out.data, j->want) != 0) {
            j->ok = 0;
        }
        octo_buf_free(&out);
    }
    return NULL;
}

static void test_threads_big(void **state)
{
    const char *src = "{% for r in recs %}{{ loop.index }}. {{ r.name|title }} {{ app.domain }} "
                      "{{ '%.2f'|format(r.score) }} {{ r.tags|join('/') }}{% if not loop.last %},"
                      "{% endif %}{% endfor %}|{{ recs|selectattr('on')|list|length }}|"
                      "{{ recs|sum(attribute='score')|round(2) }}|{{ "
                      "recs|map(attribute='name')|map('upper')|join }}";
    struct octo_tpl *t = NULL;
    octo_error err;
    pthread_t th[4];
    struct bigjob jobs[4];
    struct octo_buf want = OCTO_BUF_INIT;
    json_t *recs = json_array();
    json_t *ctx = json_object();
    int i;
    (void)state;
    for (i = 0; i < 400; i++) {
        char name[32];
        json_t *r = json_object();
        snprintf(name, sizeof(name), "user %d alpha-beta", i);
        json_object_set_new(r, "name", json_string(name));
        json_object_set_new(r, "score", json_real(i * 1.375));
        json_object_set_new(r, "on", json_boolean(i % 3 == 0));
        json_object_set_new(r, "tags", json_pack("[ss]", "a", i % 2 ? "b" : "c"));
        json_array_append_new(recs, r);
    }
    json_object_set_new(ctx, "recs", recs);
    json_object_set_new(ctx, "app", json_pack("{ss}", "domain", "example.org"));
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_tpl_compile(src, strlen(src), "mtbig", NULL, &t, &err), OCTO_OK);
    assert_int_equal(octo_tpl_render(t, ctx, &want, &err), OCTO_OK);
    assert_non_null(strstr(
        want.data,
        "400. User 399 Alpha-Beta example.org 548.62 a/b|134|109725.0|USER 0 ALPHA-BETAUSER 1"));
    for (i = 0; i < 4; i++) {
        jobs[i].t = octo_tpl_ref(t);
        jobs[i].ctx = ctx;
        jobs[i].want = want.data;
        assert_int_equal(pthread_create(&th[i], NULL, big_worker, &jobs[i]), 0);
    }
    for (i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_true(jobs[i].ok);
        octo_tpl_unref(jobs[i].t);
    }
    octo_buf_free(&want);
    octo_tpl_unref(t);
    json_decref(ctx);
}

static void test_threads(void **state)
{
    const char *src =
        "{% for u in users %}{{ u.name }}:{{ u.age }},{% endfor %}|{{ users|length }}|"
        "{{ {'n': users|length}|tojson }}";
    struct octo_tpl *t = NULL;
    octo_error err;
    json_error_t je;
    pthread_t th[8];
    struct job jobs[8];
    int i;
    json_t *ctx = json_loads(
        "{\"users\": [{\"name\": \"alice\", \"age\": 31}, {\"name\": \"bob\", \"age\": 25}]}", 0,
        &je);
    (void)state;
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_tpl_compile(src, strlen(src), "mt", NULL, &t, &err), OCTO_OK);
    for (i = 0; i < 8; i++) {
        jobs[i].t = octo_tpl_ref(t);
        jobs[i].ctx = ctx;
        assert_int_equal(pthread_create(&th[i], NULL, worker, &jobs[i]), 0);
    }
    for (i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        assert_true(jobs[i].ok);
        octo_tpl_unref(jobs[i].t);
    }
    octo_tpl_unref(t);
    json_decref(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_is_template),   cmocka_unit_test(test_messages),
        cmocka_unit_test(test_limits),        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_unknown_names), cmocka_unit_test(test_autoescape_env),
        cmocka_unit_test(test_threads_big),   cmocka_unit_test(test_static_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
