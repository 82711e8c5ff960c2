/* test_plugin_jq_debug.c - the jq and debug steps through the real core:
 * jq with and without data_key ("." and missing keys), output rules and
 * errors, concurrent runs of one loaded flow; debug's log output in its
 * three formats, redaction, and its result: a copy, never a cycle. */
#include "testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redact.h"

/* ---- jq ------------------------------------------------------------------ */

static void test_jq_data_key(void **state)
{
    struct octo_run_result r;
    json_t *in = json_pack("{s:[{s:i,s:s},{s:i,s:s}]}", "items", "id", 1, "state", "new", "id",
                           2, "state", "done");
    char *log;

    (void)state;
    octo_test_log_start();
    r = octo_test_run_text("jqdk.yml",
                 "name: jqdk\n"
                 "steps:\n"
                 "- name: src\n"
                 "  type: jq\n"
                 "  jq: {expression: '.__input__.items'}\n"
                 /* with data_key: the value at that key */
                 "- name: ids\n"
                 "  type: jq\n"
                 "  jq: {expression: '[.[] | select(.state == \"new\") | .id]', data_key: src}\n"
                 /* without: the whole flow data, special keys included */
                 "- name: whole\n"
                 "  type: jq\n"
                 "  jq: {expression: '[.ids, (.__errors__ | length), .__flow_path__, (.src | length)]'}\n"
                 /* "." is the whole flow data too; "" means absent */
                 "- name: dot\n"
                 "  type: jq\n"
                 "  jq: {expression: 'keys | map(select(startswith(\"__\") | not))', data_key: '.'}\n"
                 "- name: empty\n"
                 "  type: jq\n"
                 "  jq: {expression: '.ids', data_key: ''}\n"
                 /* a key missing from the flow data: null input, and a warning */
                 "- name: missing\n"
                 "  type: jq\n"
                 "  jq: {expression: '[., type]', data_key: nothere}\n",
                 in);
    log = octo_test_log_end();
    assert_false(r.failed);
    octo_test_assert_json(json_object_get(r.data, "ids"), "[1]");
    octo_test_assert_json(json_object_get(r.data, "whole"), "[[1], 0, \"jqdk.yml\", 2]");
    octo_test_assert_json(json_object_get(r.data, "dot"), "[\"ids\", \"src\", \"whole\"]");
    octo_test_assert_json(json_object_get(r.data, "empty"), "[1]");
    octo_test_assert_json(json_object_get(r.data, "missing"), "[null, \"null\"]");
    octo_test_assert_contains(log, " - WARNING - [jqdk][missing // jq] data_key \"nothere\" is not in the "
                         "flow data");
    free(log);
    octo_run_result_free(&r);
    json_decref(in);
}

static void test_jq_outputs_and_errors(void **state)
{
    struct octo_run_result r;
    json_t *e;
    char *log;

    (void)state;
    octo_test_log_start();
    r = octo_test_run_text("jqout.yml",
                 "name: jqout\n"
                 "steps:\n"
                 "- {name: none, type: jq, jq: {expression: 'empty'}}\n"
                 "- {name: many, type: jq, jq: {expression: '1, 2'}}\n"
                 "- {name: obj, type: jq, jq: {expression: '{z: 1, a: [1.5, \"\\u00e9\"]}'}}\n"
                 "- {name: big, type: jq, jq: {expression: '9007199254740991 + 1'}}\n"
                 "- {name: boom, type: jq, jq: {expression: '.obj.z | error(\"bad \\(.)\")'}}\n",
                 NULL);
    log = octo_test_log_end();
    /* no output or several: null with a warning, as the original */
    assert_true(json_is_null(json_object_get(r.data, "none")));
    assert_true(json_is_null(json_object_get(r.data, "many")));
    octo_test_assert_contains(log, "[jqout][none // jq] jq expression \"empty\" gave no outputs; the result "
                         "is null");
    octo_test_assert_contains(log, "[jqout][many // jq] jq expression \"1, 2\" gave several outputs; the "
                         "result is null");
    octo_test_assert_json(json_object_get(r.data, "obj"), "{\"z\": 1, \"a\": [1.5, \"\\u00e9\"]}");
    assert_string_equal(json_object_iter_key(json_object_iter(json_object_get(r.data, "obj"))), "z");
    octo_test_assert_json(json_object_get(r.data, "big"), "9007199254740992");
    /* a runtime error is a step error of type jq */
    assert_true(r.failed);
    e = octo_test_get(r.data, "__errors__.0");
    assert_string_equal(json_string_value(json_object_get(e, "step")), "boom");
    assert_string_equal(json_string_value(octo_test_get(e, "error.type")), "jq");
    assert_string_equal(json_string_value(octo_test_get(e, "error.message")),
                        "jq expression \".obj.z | error(\"bad \\(.)\")\" failed: bad 1");
    free(log);
    octo_run_result_free(&r);
}

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

/* ---- debug ---------------------------------------------------------------- */

static void test_debug_copy_not_cycle(void **state)
{
    struct octo_run_result r;
    json_t *dbg;
    json_t *expected;
    char *text;

    (void)state;
    r = octo_test_run_text("dbgcopy.yml",
                 "name: dbgcopy\n"
                 "steps:\n"
                 "- {name: v, type: jq, jq: {expression: '{a: [1, 2]}'}}\n"
                 "- {name: all, type: debug}\n"
                 "- {name: dot, type: debug, debug: {data_key: '.'}}\n"
                 "- {name: one, type: debug, debug: {data_key: v}}\n"
                 "- {name: gone, type: debug, debug: {data_key: nothere}}\n"
                 "- {name: after, type: jq, jq: {expression: '[.all.v.a[1], (.dot | has(\"all\")), "
                 "(.all | has(\"all\"))]'}}\n",
                 NULL);
    assert_false(r.failed);
    dbg = json_object_get(r.data, "all");
    /* a snapshot of the flow data when the step ran: not the data itself */
    assert_true(json_is_object(dbg));
    assert_true(dbg != r.data);
    assert_null(json_object_get(dbg, "all"));
    octo_test_assert_json(json_object_get(dbg, "v"), "{\"a\": [1, 2]}");
    assert_non_null(json_object_get(dbg, "__errors__"));
    expected = json_deep_copy(r.data);
    json_object_del(expected, "all");
    json_object_del(expected, "dot");
    json_object_del(expected, "one");
    json_object_del(expected, "gone");
    json_object_del(expected, "after");
    assert_true(json_equal(dbg, expected));
    json_decref(expected);
    /* "." likewise, and it holds the earlier snapshot, not itself */
    assert_non_null(json_object_get(json_object_get(r.data, "dot"), "all"));
    assert_null(json_object_get(json_object_get(r.data, "dot"), "dot"));
    octo_test_assert_json(json_object_get(r.data, "one"), "{\"a\": [1, 2]}");
    assert_true(json_is_null(json_object_get(r.data, "gone")));
    octo_test_assert_json(json_object_get(r.data, "after"), "[2, true, false]");
    /* the flow data is a tree: it serialises (the original's cycle did not) */
    text = json_dumps(r.data, JSON_COMPACT);
    assert_non_null(text);
    free(text);
    octo_run_result_free(&r);
}

static void test_debug_log_formats(void **state)
{
    struct octo_run_result r;
    char *log;

    (void)state;
    octo_test_log_start();
    r = octo_test_run_text("dbglog.yml",
                 "name: dbglog\n"
                 "steps:\n"
                 "- {name: v, type: jq, jq: {expression: '{b: [1, \"yes\", null], a: \"x\"}'}}\n"
                 "- {name: y, type: debug, debug: {data_key: v}}\n"
                 "- {name: j, type: debug, debug: {data_key: v, type: JSON}}\n"
                 "- {name: t, type: debug, debug: {data_key: v, type: text}}\n"
                 "- {name: w, type: debug, debug: {type: text}}\n",
                 NULL);
    log = octo_test_log_end();
    assert_false(r.failed);
    octo_test_assert_contains(log, " - INFO - [dbglog][y // debug] -> dumping debug data_key v\n");
    /* yaml (default): yaml.dump, final newline dropped */
    octo_test_assert_contains(log, " - INFO - [dbglog][y // debug] a: x\nb:\n- 1\n- 'yes'\n- null\n");
    /* json: indent 4, Python's separators */
    octo_test_assert_contains(log, " - INFO - [dbglog][j // debug] {\n    \"b\": [\n        1,\n"
                         "        \"yes\",\n        null\n    ],\n    \"a\": \"x\"\n}\n");
    /* text: Python's str() */
    octo_test_assert_contains(log, " - INFO - [dbglog][t // debug] {'b': [1, 'yes', None], 'a': 'x'}\n");
    octo_test_assert_contains(log, " - INFO - [dbglog][w // debug] -> dumping debug data_key (all)\n");
    octo_test_assert_contains(log, "[dbglog][w // debug] {'__errors__': [], '__input__': None");
    free(log);
    octo_run_result_free(&r);
}

static void test_debug_redacts_secrets(void **state)
{
    struct octo_run_result r;
    json_t *in = json_pack("{s:s}", "token", "tok-SUPERSECRET-123");
    char *log;

    (void)state;
    assert_int_equal(octo_redact_add("tok-SUPERSECRET-123"), 0);
    octo_test_log_start();
    r = octo_test_run_text("dbgsec.yml",
                 "name: dbgsec\nsteps:\n- {name: d, type: debug, debug: {data_key: __input__, "
                 "type: json}}\n",
                 in);
    log = octo_test_log_end();
    assert_false(r.failed);
    octo_test_assert_contains(log, "\"token\": \"***\"");
    assert_null(strstr(log, "SUPERSECRET"));
    free(log);
    octo_run_result_free(&r);
    json_decref(in);
    octo_redact_clear();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jq_data_key),
        cmocka_unit_test(test_jq_outputs_and_errors),
        cmocka_unit_test(test_jq_concurrent_runs),
        cmocka_unit_test(test_debug_copy_not_cycle),
        cmocka_unit_test(test_debug_log_formats),
        cmocka_unit_test(test_debug_redacts_secrets),
    };

    return cmocka_run_group_tests(tests, octo_test_group_setup, octo_test_group_teardown);
}
