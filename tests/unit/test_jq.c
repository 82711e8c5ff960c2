/* test_jq.c - the jq bridge (jqbridge.h): lossless JSON <-> jv, the three
 * output modes, compile and runtime errors, the sandbox ($ENV, env,
 * import), one compiled program run from 8 threads at once, and the
 * libjq 1.6 defects the bridge works around (issue 9: `debug` without a
 * callback, `paths` after an abandoned run, the builtins that crash or
 * never end). */
#include "testutil.h"

#include <jq.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jq_programs.h"
#include "jqbridge.h"

static struct octo_jq_prog *compile(const char *program)
{
    struct octo_jq_prog *p = NULL;
    octo_error err;

    memset(&err, 0, sizeof(err));
    if (octo_jq_compile(program, &p, &err) != OCTO_OK) {
        fail_msg("jq %s does not compile: %s", program, err.msg);
    }
    assert_non_null(p);
    return p;
}

/* Run program on the JSON text input in mode; returns the output (new). */
static json_t *run(const char *program, const char *input_json, int mode, int *n)
{
    struct octo_jq_prog *p = compile(program);
    json_t *in =
        input_json != NULL ? json_loads(input_json, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL) : NULL;
    json_t *out = NULL;
    octo_error err;

    memset(&err, 0, sizeof(err));
    if (octo_jq_run(p, in, mode, &out, n, &err) != OCTO_OK) {
        fail_msg("jq %s failed: %s", program, err.msg);
    }
    assert_non_null(out);
    json_decref(in);
    octo_jq_release(p);
    return out;
}

static void check(const char *program, const char *input, const char *expected)
{
    json_t *out = run(program, input, OCTO_JQ_SINGLE, NULL);

    octo_test_assert_json(out, expected);
    json_decref(out);
}

static void test_lossless_values(void **state)
{
    (void)state;
    /* identity keeps every JSON value (integers exact up to 2^53) */
    check(".", "[9007199254740992, -9007199254740992, 0, 1, -1, 123456789012345]",
          "[9007199254740992, -9007199254740992, 0, 1, -1, 123456789012345]");
    check(".", "[1.5, -0.25, 0.1, 1e-300, 1.7976931348623157e308, 3.141592653589793]",
          "[1.5, -0.25, 0.1, 1e-300, 1.7976931348623157e308, 3.141592653589793]");
    check(".",
          "{\"s\": \"caf\\u00e9 \\u65e5\\u672c \\ud83d\\ude00\", \"nul\": \"a\\u0000b\", "
          "\"e\": \"\", \"t\": true, \"f\": false, \"n\": null}",
          "{\"s\": \"caf\\u00e9 \\u65e5\\u672c \\ud83d\\ude00\", \"nul\": \"a\\u0000b\", "
          "\"e\": \"\", \"t\": true, \"f\": false, \"n\": null}");
    check(".", "{\"a\": [{\"b\": [[[{\"c\": {}}]]]}, []], \"z\": {\"y\": {\"x\": [null]}}}",
          "{\"a\": [{\"b\": [[[{\"c\": {}}]]]}, []], \"z\": {\"y\": {\"x\": [null]}}}");
    /* unicode is handled by jq itself, not just passed through */
    check(".s | length", "{\"s\": \"caf\\u00e9\\ud83d\\ude00\"}", "5");
    check(".s | explode", "{\"s\": \"\\u00e9\\ud83d\\ude00\"}", "[233, 128512]");
    /* arithmetic stays exact on integers below 2^53 */
    check(". + 1", "9007199254740991", "9007199254740992");
    /* jq numbers are doubles: integral results come back as integers (as
     * jq prints them), fractional ones as reals */
    check(". * 2", "1.5", "3");
    check(". / 4", "1", "0.25");
    check("1.0", NULL, "1");
    /* key order is the input's */
    {
        json_t *out = run(".", "{\"zeta\": 1, \"alpha\": 2, \"mid\": 3}", OCTO_JQ_SINGLE, NULL);

        assert_string_equal(json_object_iter_key(json_object_iter(out)), "zeta");
        json_decref(out);
    }
    /* NULL input is null */
    check(".", NULL, "null");
    /* what JSON cannot hold */
    check("nan", NULL, "null");
    check("infinite", NULL, "1.7976931348623157e308");
    check("-infinite", NULL, "-1.7976931348623157e308");
}

static void test_to_json_conversion(void **state)
{
    jv v = jv_parse("{\"a\": [1, 2.5, \"x\", null, true, {\"b\": false}]}");
    json_t *j;

    (void)state;
    assert_true(jv_is_valid(v));
    j = octo_jq_to_json(&v); /* consumes v */
    octo_test_assert_json(j, "{\"a\": [1, 2.5, \"x\", null, true, {\"b\": false}]}");
    json_decref(j);
}

static void test_modes(void **state)
{
    json_t *out;
    int n = -1;

    (void)state;
    out = run("1, 2, 3", NULL, OCTO_JQ_SINGLE, &n);
    assert_true(json_is_null(out)); /* several outputs: null, as the original */
    assert_int_equal(n, 2);
    json_decref(out);
    out = run("empty", NULL, OCTO_JQ_SINGLE, &n);
    assert_true(json_is_null(out));
    assert_int_equal(n, 0);
    json_decref(out);
    out = run(".a", "{\"a\": 7}", OCTO_JQ_SINGLE, &n);
    octo_test_assert_json(out, "7");
    assert_int_equal(n, 1);
    json_decref(out);

    out = run("1, 2, 3", NULL, OCTO_JQ_FIRST, &n);
    octo_test_assert_json(out, "1");
    assert_int_equal(n, 1);
    json_decref(out);
    out = run("empty", NULL, OCTO_JQ_FIRST, &n);
    assert_true(json_is_null(out));
    assert_int_equal(n, 0);
    json_decref(out);

    out = run(".[] | . * 10", "[1, 2, 3]", OCTO_JQ_ALL, &n);
    octo_test_assert_json(out, "[10, 20, 30]");
    assert_int_equal(n, 3);
    json_decref(out);
    out = run("empty", NULL, OCTO_JQ_ALL, &n);
    octo_test_assert_json(out, "[]");
    assert_int_equal(n, 0);
    json_decref(out);
    out = run("null", NULL, OCTO_JQ_ALL, NULL);
    octo_test_assert_json(out, "[null]");
    json_decref(out);
}

static void test_compile_errors(void **state)
{
    struct octo_jq_prog *p = NULL;
    octo_error err;

    (void)state;
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_jq_compile(".a |", &p, &err), OCTO_EJQ);
    assert_null(p);
    assert_int_equal(err.code, OCTO_EJQ);
    assert_non_null(strstr(err.msg, "jq expression \".a |\" does not compile: "));
    assert_non_null(strstr(err.msg, "syntax error"));
    /* the position in the expression, the expression under a caret, and
     * no shell hint (flows are YAML, not shell command lines) */
    assert_string_equal(err.msg, "jq expression \".a |\" does not compile: syntax error, "
                                 "unexpected $end (column 5)\n    .a |\n        ^");
    assert_null(strstr(err.msg, "shell quoting"));
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_jq_compile(".a | 1 +* 2", &p, &err), OCTO_EJQ);
    assert_string_equal(err.msg, "jq expression \".a | 1 +* 2\" does not compile: syntax error, "
                                 "unexpected '*' (column 9)\n    .a | 1 +* 2\n            ^");
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_jq_compile(". as [$a] | $b", &p, &err), OCTO_EJQ);
    assert_non_null(strstr(err.msg, "$b is not defined (column 13)"));
    /* the sandbox wrapper never shows in messages */
    assert_null(strstr(err.msg, "def env"));
    assert_null(strstr(err.msg, "$ENV"));
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_jq_compile("nosuchfunction(1)", &p, &err), OCTO_EJQ);
    assert_non_null(strstr(err.msg, "nosuchfunction/1 is not defined"));
    /* jq 1.7 builtins do not exist in libjq 1.6 */
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_jq_compile("pick(.a)", &p, &err), OCTO_EJQ);
    assert_non_null(strstr(err.msg, "pick/1 is not defined"));
}

static void test_runtime_errors(void **state)
{
    struct octo_jq_prog *p = compile(".a.b");
    json_t *in = json_string("text");
    json_t *out = NULL;
    octo_error err;

    (void)state;
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_jq_run(p, in, OCTO_JQ_SINGLE, &out, NULL, &err), OCTO_EJQ);
    assert_null(out);
    assert_string_equal(err.msg,
                        "jq expression \".a.b\" failed: Cannot index string with string \"a\"");
    /* the program (and its pooled state) still works afterwards */
    json_decref(in);
    in = json_pack("{s:{s:i}}", "a", "b", 5);
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_jq_run(p, in, OCTO_JQ_SINGLE, &out, NULL, &err), OCTO_OK);
    octo_test_assert_json(out, "5");
    json_decref(out);
    json_decref(in);
    octo_jq_release(p);

    /* error(...) with a message, and with a non-string value */
    p = compile("error(\"boom 404\")");
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_jq_run(p, NULL, OCTO_JQ_ALL, &out, NULL, &err), OCTO_EJQ);
    assert_string_equal(err.msg, "jq expression \"error(\"boom 404\")\" failed: boom 404");
    octo_jq_release(p);
    p = compile("error({code: 1})");
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_jq_run(p, NULL, OCTO_JQ_FIRST, &out, NULL, &err), OCTO_EJQ);
    assert_non_null(strstr(err.msg, "{\"code\":1} (not a string)"));
    octo_jq_release(p);
    /* an error after a first output: FIRST stops before it, SINGLE/ALL see it */
    p = compile("1, error(\"late\")");
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_jq_run(p, NULL, OCTO_JQ_FIRST, &out, NULL, &err), OCTO_OK);
    octo_test_assert_json(out, "1");
    json_decref(out);
    assert_int_equal(octo_jq_run(p, NULL, OCTO_JQ_ALL, &out, NULL, &err), OCTO_EJQ);
    assert_non_null(strstr(err.msg, "late"));
    assert_int_equal(octo_jq_run(p, NULL, OCTO_JQ_SINGLE, &out, NULL, &err), OCTO_EJQ);
    octo_jq_release(p);

    /* halt_error is an error with its message; halt ends normally */
    p = compile("\"bad thing\" | halt_error");
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_jq_run(p, NULL, OCTO_JQ_SINGLE, &out, NULL, &err), OCTO_EJQ);
    assert_null(out);
    assert_non_null(strstr(err.msg, "halted: bad thing"));
    octo_jq_release(p);
    p = compile("1, halt, 2");
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_jq_run(p, NULL, OCTO_JQ_ALL, &out, NULL, &err), OCTO_OK);
    octo_test_assert_json(out, "[1]");
    json_decref(out);
    octo_jq_release(p);
    /* input has nothing to read: a clear error, not "break" */
    p = compile("input");
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_jq_run(p, NULL, OCTO_JQ_SINGLE, &out, NULL, &err), OCTO_EJQ);
    assert_string_equal(err.msg, "jq expression \"input\" failed: No more inputs");
    octo_jq_release(p);
}

static void test_sandbox(void **state)
{
    struct octo_jq_prog *p = NULL;
    octo_error err;

    (void)state;
    setenv("OCTO_JQ_SECRET_TEST", "hunter2", 1);
    check("$ENV", NULL, "{}");
    check("env", NULL, "{}");
    check("$ENV.OCTO_JQ_SECRET_TEST", NULL, "null");
    check("env.OCTO_JQ_SECRET_TEST", NULL, "null");
    check("$ENV.PATH", NULL, "null");
    check("[env | length, ($ENV | keys)]", NULL, "[0, []]");
    check("input_filename", NULL, "null");
    check("get_search_list", NULL, "[]");
    /* the program cannot step out of the wrapper */
    check(".) | $ENV.PATH, (.", "1", "null");
    /* inner definitions and trailing comments still work */
    check("def f: . + 1; f | f", "1", "3");
    check(".a # a comment at the end", "{\"a\": 2}", "2");
    /* import / include are refused at compile time */
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_jq_compile("import \"x\" as y; .", &p, &err), OCTO_EJQ);
    assert_null(p);
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_jq_compile("include \"x\"; .", &p, &err), OCTO_EJQ);
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_jq_compile("import \"/etc/passwd\" as $p; $p", &p, &err), OCTO_EJQ);
    unsetenv("OCTO_JQ_SECRET_TEST");
}

static void test_source(void **state)
{
    struct octo_jq_prog *p = compile("[.[] | {id}]");

    (void)state;
    assert_string_equal(octo_jq_source(p), "[.[] | {id}]");
    octo_jq_release(p);
    octo_jq_release(NULL);
}

/* ---- 8 threads, one compiled program ------------------------------------- */

#define THREADS 8
#define RUNS    300

struct worker {
    const struct octo_jq_prog *prog;
    int id;
    int ok;
    char error[OCTO_ERROR_MSG_LEN];
};

static pthread_barrier_t g_barrier;

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    int i;

    pthread_barrier_wait(&g_barrier);
    for (i = 0; i < RUNS; i++) {
        json_t *items = json_array();
        json_t *in;
        json_t *out = NULL;
        octo_error err;
        int k;
        int n = w->id * 1000 + i;

        for (k = 0; k < 20; k++) {
            json_array_append_new(items, json_integer(n + k));
        }
        in = json_pack("{s:o, s:s, s:i}", "items", items, "name", "w\xc3\xa9", "id", w->id);
        memset(&err, 0, sizeof(err));
        if (octo_jq_run(w->prog, in, OCTO_JQ_SINGLE, &out, NULL, &err) != OCTO_OK) {
            snprintf(w->error, sizeof(w->error), "%s", err.msg);
            json_decref(in);
            return NULL;
        }
        /* sum of n..n+19 = 20n + 190; the name went through jq too */
        if (json_integer_value(json_object_get(out, "sum")) == 20 * (json_int_t)n + 190 &&
            json_integer_value(json_object_get(out, "id")) == w->id &&
            strcmp(json_string_value(json_object_get(out, "tag")), "w\xc3\xa9-x") == 0) {
            w->ok++;
        }
        json_decref(out);
        json_decref(in);
    }
    return NULL;
}

static void test_threads(void **state)
{
    unsigned long progs0, states0, progs1, states1;
    struct octo_jq_prog *p;
    pthread_t th[THREADS];
    struct worker w[THREADS];
    int i;

    octo__jq_counts(&progs0, &states0);
    p = compile("{sum: (.items | add), id, tag: (.name + \"-x\")}");

    (void)state;
    pthread_barrier_init(&g_barrier, NULL, THREADS);
    for (i = 0; i < THREADS; i++) {
        memset(&w[i], 0, sizeof(w[i]));
        w[i].prog = p;
        w[i].id = i + 1;
        assert_int_equal(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
    }
    for (i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
    }
    pthread_barrier_destroy(&g_barrier);
    for (i = 0; i < THREADS; i++) {
        if (w[i].error[0] != '\0') {
            fail_msg("thread %d: %s", i, w[i].error);
        }
        assert_int_equal(w[i].ok, RUNS);
    }
    /* Runs of µs wait for a state rather than compile their own (each
     * compile costs ms): fewer states than threads, not one each. */
    octo__jq_counts(&progs1, &states1);
    assert_int_equal(progs1 - progs0, 1);
    if (states1 - states0 >= THREADS) {
        fail_msg("%lu jq states compiled for %d threads", states1 - states0, THREADS);
    }
    octo_jq_release(p);
}

/* One compiled program per source text: steps, flows and templates that
 * use the same expression share it, and an unused one is kept for the
 * next user (a reloaded flow). */
static void test_programs_shared(void **state)
{
    unsigned long progs0, states0, progs1, states1;
    struct octo_jq_prog *a;
    struct octo_jq_prog *b;
    struct octo_jq_prog *c;
    json_t *out;

    (void)state;
    octo__jq_counts(&progs0, &states0);
    a = compile(".shared_test + 1");
    b = compile(".shared_test + 1");
    c = compile(".shared_test + 2");
    assert_ptr_equal(a, b);
    assert_ptr_not_equal(a, c);
    octo__jq_counts(&progs1, &states1);
    assert_int_equal(progs1 - progs0, 2);
    assert_int_equal(states1 - states0, 2);
    octo_jq_release(a);
    out = NULL;
    {
        json_t *in = json_pack("{s:i}", "shared_test", 41);
        octo_error err;

        memset(&err, 0, sizeof(err));
        assert_int_equal(octo_jq_run(b, in, OCTO_JQ_SINGLE, &out, NULL, &err), OCTO_OK);
        assert_int_equal(json_integer_value(out), 42);
        json_decref(in);
        json_decref(out);
    }
    octo_jq_release(b);
    octo_jq_release(c);
    a = compile(".shared_test + 1"); /* unused, still kept */
    octo__jq_counts(&progs1, &states1);
    assert_int_equal(progs1 - progs0, 2);
    octo_jq_release(a);
}

/* ---- issue 9: libjq 1.6 defects ------------------------------------------ */

/* Run program on input in mode, asserting success; returns the output. */
static json_t *run_on(struct octo_jq_prog *p, const char *input, int mode, int *n)
{
    json_t *in = input != NULL ? json_loads(input, JSON_DECODE_ANY, NULL) : NULL;
    json_t *out = NULL;
    octo_error err;

    memset(&err, 0, sizeof(err));
    if (octo_jq_run(p, in, mode, &out, n, &err) != OCTO_OK) {
        fail_msg("jq %s failed: %s", octo_jq_source(p), err.msg);
    }
    json_decref(in);
    return out;
}

/* `debug` made libjq call an unset callback (SIGSEGV); it passes its
 * input through. (That the message reaches the log at DEBUG is checked
 * through the CLI in tests/e2e/test_jq_defects.py.) */
static void test_jq_debug_builtin_without_callback(void **state)
{
    int n = 0;

    (void)state;
    check("[1,2]|debug|length", NULL, "2");
    check("[.[] | debug | . * 2]", "[1, 2, 3]", "[2, 4, 6]");
    {
        struct octo_jq_prog *p = compile(".a | debug");
        json_t *out = run_on(p, "{\"a\": {\"k\": \"v\"}}", OCTO_JQ_ALL, &n);

        octo_test_assert_json(out, "[{\"k\": \"v\"}]");
        assert_int_equal(n, 1);
        json_decref(out);
        octo_jq_release(p);
    }
}

/* paths / leaf_paths aborted the process (stack_restore: Assertion
 * `path_len == 0') when the run was left after an output of a path
 * expression and its jq_state reused: FIRST mode after the first output,
 * SINGLE mode after the second. Each form runs several times on one
 * compiled program, so the pooled state is reset after each kind of end,
 * and gives what the jq 1.6 CLI prints. */
static void test_jq_paths_after_abandoned_run(void **state)
{
    static const char *const input = "{\"a\": {\"b\": 1}, \"c\": [1, [2]]}";
    static const char *const all_paths =
        "[[\"a\"], [\"a\", \"b\"], [\"c\"], [\"c\", 0], [\"c\", 1], [\"c\", 1, 0]]";
    static const char *const leaves = "[[\"a\", \"b\"], [\"c\", 0], [\"c\", 1, 0]]";
    static const struct {
        const char *program;
        int mode;
        const char *expected;
        int n;
    } cases[] = {
        {"[paths]", OCTO_JQ_SINGLE, NULL, 1},
        {"[leaf_paths]", OCTO_JQ_SINGLE, NULL, 1},
        {"first(paths)", OCTO_JQ_SINGLE, "[\"a\"]", 1},
        {"first(leaf_paths)", OCTO_JQ_FIRST, "[\"a\", \"b\"]", 1},
        /* a multi-output path expression: SINGLE stops at the second output */
        {"paths", OCTO_JQ_SINGLE, "null", 2},
        {"leaf_paths", OCTO_JQ_SINGLE, "null", 2},
        {"paths(type == \"number\")", OCTO_JQ_SINGLE, "null", 2},
        /* FIRST stops at the first */
        {"paths", OCTO_JQ_FIRST, "[\"a\"]", 1},
        {"path(..)", OCTO_JQ_FIRST, "[]", 1},
        {"paths", OCTO_JQ_ALL, NULL, 6},
        /* halt after a path output left the state halted mid-expression
         * (the jq 1.6 CLI aborts on `[1,[2]] | paths | halt` too) */
        {"paths | halt", OCTO_JQ_ALL, "[]", 0},
        {"first(paths), halt", OCTO_JQ_ALL, "[[\"a\"]]", 1},
        /* more outputs than the bridge reads before stopping a run by
         * force, or no end at all */
        {"range(1e9)", OCTO_JQ_SINGLE, "null", 2},
        {"repeat(1)", OCTO_JQ_FIRST, "1", 1},
        {"path(..), repeat(1)", OCTO_JQ_SINGLE, "null", 2},
    };
    size_t i;
    int k;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct octo_jq_prog *p = compile(cases[i].program);
        const char *expected = cases[i].expected;

        if (expected == NULL) {
            expected = strstr(cases[i].program, "leaf") != NULL ? leaves : all_paths;
        }
        for (k = 0; k < 4; k++) {
            int n = -1;
            json_t *out = run_on(p, input, cases[i].mode, &n);

            octo_test_assert_json(out, expected);
            assert_int_equal(n, cases[i].n);
            json_decref(out);
        }
        octo_jq_release(p);
    }
    /* halt_error after a path output: the error, then the state still works */
    {
        struct octo_jq_prog *p = compile("paths | halt_error");
        json_t *in = json_loads(input, 0, NULL);
        json_t *out = NULL;
        octo_error err;

        for (k = 0; k < 3; k++) {
            memset(&err, 0, sizeof(err));
            assert_int_equal(octo_jq_run(p, in, OCTO_JQ_SINGLE, &out, NULL, &err), OCTO_EJQ);
            assert_null(out);
            assert_string_equal(err.msg, "jq expression \"paths | halt_error\" halted with an "
                                         "error: [\"a\"]");
        }
        json_decref(in);
        octo_jq_release(p);
    }
    /* a caught stop or halt changes nothing: jq's halt cannot be caught */
    check("try halt catch \"caught\"", NULL, "null");
    {
        struct octo_jq_prog *p = compile("try (1, 2, 3) catch \"c\"");
        int n = -1;
        json_t *out = run_on(p, NULL, OCTO_JQ_FIRST, &n);

        octo_test_assert_json(out, "1");
        assert_int_equal(n, 1);
        json_decref(out);
        out = run_on(p, NULL, OCTO_JQ_SINGLE, &n);
        assert_true(json_is_null(out));
        assert_int_equal(n, 2);
        json_decref(out);
        out = run_on(p, NULL, OCTO_JQ_ALL, &n);
        octo_test_assert_json(out, "[1, 2, 3]");
        json_decref(out);
        octo_jq_release(p);
    }
}

/* Expect program on input to fail with a message containing needle. */
static void check_refused(const char *program, const char *input, const char *needle)
{
    struct octo_jq_prog *p = compile(program);
    json_t *in = input != NULL ? json_loads(input, JSON_DECODE_ANY, NULL) : NULL;
    json_t *out = NULL;
    octo_error err;

    memset(&err, 0, sizeof(err));
    if (octo_jq_run(p, in, OCTO_JQ_SINGLE, &out, NULL, &err) != OCTO_EJQ) {
        fail_msg("jq %s did not fail", program);
    }
    assert_null(out);
    octo_test_assert_contains(err.msg, needle);
    json_decref(in);
    octo_jq_release(p);
}

/* The libjq 1.6 builtins that abort or never end on some inputs are
 * refused on exactly those inputs (the jq 1.6 CLI aborts on the first
 * three, allocates 16 GB on the next, loops forever on gsub); their
 * ordinary uses give what jq 1.6 gives. */
static void test_jq_libjq16_killers_refused(void **state)
{
    (void)state;
    /* todate / strftime of a number gmtime cannot convert: jq's own error */
    check_refused("1e1000 | todate", NULL, "converting number of seconds since epoch");
    check_refused("1e17 | todate", NULL, "converting number of seconds since epoch");
    check_refused("nan | strftime(\"%Y\")", NULL, "converting number of seconds since epoch");
    check_refused("-1e1000 | strflocaltime(\"%Y\")", NULL, "converting number of seconds");
    check_refused(".t | todateiso8601", "{\"t\": 1e300}", "converting number of seconds");
    check("0 | todate", NULL, "\"1970-01-01T00:00:00Z\"");
    check("1425599621 | todate", NULL, "\"2015-03-05T23:53:41Z\"");
    check("[2015,2,5,23,51,47,4,63] | strftime(\"%Y-%m-%dT%H:%M:%SZ\")", NULL,
          "\"2015-03-05T23:51:47Z\"");
    check("\"2015-03-05T23:51:47Z\" | fromdate | todate", NULL, "\"2015-03-05T23:51:47Z\"");
    check_refused("null | todate", NULL, "strftime/1 requires parsed datetime inputs");
    /* a huge array index: refused before libjq allocates the gap */
    check_refused("setpath([1e9]; 1)", "[]", "array index above 10000000 is refused");
    check_refused(".[1e9] = 1", "[]", "array index above 10000000 is refused");
    check_refused(".a[2e9] |= 1", "{\"a\": []}", "array index above 10000000 is refused");
    check_refused(".[1e9] += 1", "[]", "array index above 10000000 is refused");
    check_refused("fromstream([[1e9], 1])", NULL, "array index above 10000000 is refused");
    check("setpath([2]; 1)", "[]", "[null, null, 1]");
    check(".[1] = \"x\" | .[0] |= 5 | .[1] += \"y\"", "[0]", "[5, \"xy\"]");
    check(".a.b = 1 | .c[1] = 2", "{}", "{\"a\": {\"b\": 1}, \"c\": [null, 2]}");
    check("[1, [2, {\"k\": 3}]] | [tostream] | fromstream(.[])", NULL, "[1, [2, {\"k\": 3}]]");
    check("del(.[0]) | .[-1] = 9", "[1, 2, 3]", "[2, 9]");
    /* gsub with a regex that matches the empty string at the start of what
     * is left: refused where jq 1.6 would recurse forever */
    check_refused("gsub(\"\"; \"x\")", "\"abc\"", "matches an empty string");
    check_refused("gsub(\"x*\"; \"-\")", "\"abc\"", "matches an empty string");
    check_refused("gsub(\"(?=c)\"; \"-\")", "\"abc\"", "matches an empty string");
    check_refused("sub(\"b*\"; \"-\"; \"g\")", "\"abc\"", "matches an empty string");
    check("gsub(\"\"; \"x\")", "\"\"", "\"x\"");
    check("gsub(\"b\"; \"X\")", "\"abcb\"", "\"aXcX\"");
    check("gsub(\"(?<l>[a-z])\"; \"<\\(.l)>\")", "\"ab1\"", "\"<a><b>1\"");
    check("gsub(\"A\"; \"-\"; \"i\")", "\"banana\"", "\"b-n-n-\"");
    check("sub(\" \"; \"_\")", "\"a b c\"", "\"a_b c\"");
    check("[splits(\", *\")]", "\"a, b,c\"", "[\"a\", \"b\", \"c\"]");
}

/* The programs kept for reuse are freed, as the core does at shutdown. */
static int teardown(void **state)
{
    (void)state;
    octo_jq_clear_unused();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lossless_values),
        cmocka_unit_test(test_to_json_conversion),
        cmocka_unit_test(test_modes),
        cmocka_unit_test(test_compile_errors),
        cmocka_unit_test(test_runtime_errors),
        cmocka_unit_test(test_sandbox),
        cmocka_unit_test(test_source),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_programs_shared),
        cmocka_unit_test(test_jq_debug_builtin_without_callback),
        cmocka_unit_test(test_jq_paths_after_abandoned_run),
        cmocka_unit_test(test_jq_libjq16_killers_refused),
    };

    return cmocka_run_group_tests(tests, NULL, teardown);
}
