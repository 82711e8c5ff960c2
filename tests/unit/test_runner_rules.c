/* test_runner_rules.c - runner rules not covered by test_runner.c: data_key
 * missing (warning), "." for every step, ignore_errors subjects (the
 * original's patterns), the shape of error records, a failed flow keeping
 * its data, finally_step (whatever its `when`), cancellation and timeouts.
 * Rules that need `when` check whether this build has the template engine. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "redact.h"

/* The keys of object o, sorted and comma-joined, equal expected. */
static void assert_keys(json_t *o, const char *expected)
{
    const char *names[16];
    const char *k;
    json_t *v;
    size_t n = 0;
    size_t i;
    size_t j;
    char buf[256];
    size_t len = 0;

    assert_true(json_is_object(o));
    json_object_foreach(o, k, v) {
        assert_true(n < 16);
        names[n++] = k;
    }
    for (i = 1; i < n; i++) {
        for (j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            const char *t = names[j];

            names[j] = names[j - 1];
            names[j - 1] = t;
        }
    }
    buf[0] = '\0';
    for (i = 0; i < n; i++) {
        len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s", i ? "," : "", names[i]);
    }
    assert_string_equal(buf, expected);
}

/* ---- data_key ------------------------------------------------------------- */

static void test_data_key_missing_warns(void **state)
{
    struct octo_run_result r;
    char *log;

    (void)state;
    octo_test_log_start();
    r = octo_test_run_text("dkwarn.yml",
                 "name: dk warn\n"
                 "steps:\n"
                 "- {name: j, type: jq, jq: {expression: '. == null', data_key: absent}}\n"
                 "- {name: d, type: debug, debug: {data_key: absent}}\n"
                 "- {name: next, type: jq, jq: {expression: '\"went on\"'}}\n",
                 NULL);
    log = octo_test_log_end();
    /* no input and a warning; the flow goes on */
    assert_false(r.failed);
    octo_test_assert_json(json_object_get(r.data, "j"), "true");
    assert_true(json_is_null(json_object_get(r.data, "d")));
    octo_test_assert_json(json_object_get(r.data, "next"), "\"went on\"");
    octo_test_assert_contains(log, "WARNING - [dk warn][j // jq] data_key \"absent\" is not in the flow data\n");
    octo_test_assert_contains(log, "WARNING - [dk warn][d // debug] data_key \"absent\" is not in the flow data\n");
    assert_int_equal(json_array_size(json_object_get(r.data, "__errors__")), 0);
    free(log);
    octo_run_result_free(&r);
}

static void test_dot_everywhere(void **state)
{
    struct octo_run_result r;
    json_t *in = json_pack("{s:s}", "who", "me");
    json_t *written;
    char *text;

    (void)state;
    r = octo_test_run_text("dot.yml",
                 "name: dot\n"
                 "steps:\n"
                 "- {name: j, type: jq, jq: {expression: '.__input__.who', data_key: '.'}}\n"
                 "- {name: d, type: debug, debug: {data_key: '.'}}\n"
                 "- {name: w, type: file, file: {path: out/dot.json, mode: write, type: json, "
                 "data_key: '.'}}\n",
                 in);
    assert_false(r.failed);
    octo_test_assert_json(json_object_get(r.data, "j"), "\"me\"");
    octo_test_assert_json(octo_test_get(r.data, "d.j"), "\"me\"");
    text = octo_test_read("out/dot.json");
    assert_non_null(text);
    written = json_loads(text, 0, NULL);
    assert_non_null(written);
    octo_test_assert_json(json_object_get(written, "j"), "\"me\"");
    octo_test_assert_json(octo_test_get(written, "d.__input__.who"), "\"me\"");
    octo_test_assert_json(json_object_get(written, "__flow_path__"), "\"dot.yml\"");
    json_decref(written);
    free(text);
    octo_run_result_free(&r);
    json_decref(in);
}

/* ---- ignore_errors -------------------------------------------------------- */

static void test_ignore_subjects(void **state)
{
    struct octo_run_result r;
    json_t *e;

    (void)state;
    r = octo_test_run_text("ign.yml",
                 "name: ign\n"
                 "steps:\n"
                 /* the subject starts with the error type */
                 "- name: typed\n"
                 "  type: jq\n"
                 "  jq: {expression: 'error(\"anything\")'}\n"
                 "  ignore_errors: ['^jq: ']\n"
                 /* the original's sloppy pattern: ".*400*" = ".*40" then 0s */
                 "- name: sloppy\n"
                 "  type: jq\n"
                 "  jq: {expression: 'error(\"status 401\")'}\n"
                 "  ignore_errors: '.*400*'\n"
                 /* searched, not anchored; several patterns, the first match named */
                 "- name: second\n"
                 "  type: file\n"
                 "  file: {path: missing/file.yml}\n"
                 "  ignore_errors: ['timeout', 'No such file', 'io']\n"
                 "- name: ok\n"
                 "  type: jq\n"
                 "  jq: {expression: '1'}\n"
                 /* case-sensitive; no match: the flow stops here */
                 "- name: stop\n"
                 "  type: jq\n"
                 "  jq: {expression: 'error(\"status 500\")'}\n"
                 "  ignore_errors: ['.*400*', 'STATUS', '^status']\n"
                 "- name: never\n"
                 "  type: jq\n"
                 "  jq: {expression: '2'}\n",
                 NULL);
    assert_true(r.failed);
    assert_string_equal(r.step, "stop");
    assert_int_equal(json_array_size(json_object_get(r.data, "__errors__")), 4);
    e = octo_test_get(r.data, "__errors__.0");
    assert_string_equal(json_string_value(json_object_get(e, "ignored")),
                        "Error ignored based on regex: ^jq: ");
    e = octo_test_get(r.data, "__errors__.1");
    assert_string_equal(json_string_value(json_object_get(e, "ignored")),
                        "Error ignored based on regex: .*400*");
    e = octo_test_get(r.data, "__errors__.2");
    assert_string_equal(json_string_value(json_object_get(e, "step")), "second");
    assert_string_equal(json_string_value(json_object_get(e, "ignored")),
                        "Error ignored based on regex: No such file");
    e = octo_test_get(r.data, "__errors__.3");
    assert_null(json_object_get(e, "ignored"));
    /* an ignored error writes no result; the flow went on */
    assert_null(json_object_get(r.data, "typed"));
    assert_null(json_object_get(r.data, "sloppy"));
    assert_null(json_object_get(r.data, "second"));
    octo_test_assert_json(json_object_get(r.data, "ok"), "1");
    assert_null(json_object_get(r.data, "never"));
    octo_run_result_free(&r);
}

static void test_error_subject_text(void **state)
{
    octo_error err;
    char *s;
    char big[3000];

    (void)state;
    memset(&err, 0, sizeof(err));
    err.code = OCTO_EJQ;
    snprintf(err.msg, sizeof(err.msg), "line one\r\nline two");
    s = octo_error_subject(&err);
    assert_string_equal(s, "jq: line one  line two");
    free(s);

    /* HTTP errors add the original's dict text (Python repr, CR/LF as spaces) */
    memset(&err, 0, sizeof(err));
    err.code = OCTO_EHTTP;
    err.http_status = 404;
    snprintf(err.msg, sizeof(err.msg), "GET https://x/api answered 404");
    snprintf(err.detail, sizeof(err.detail),
             "{\"error\": {\"message\": \"No\\nrecord\", \"ok\": false, \"n\": null}}");
    s = octo_error_subject(&err);
    assert_string_equal(s, "http: GET https://x/api answered 404 {'status_code': 404, "
                           "'response_content': {'error': {'message': 'No\\nrecord', 'ok': False, "
                           "'n': None}}}");
    free(s);
    /* no content, and text content (a JSON string) */
    err.detail[0] = '\0';
    err.http_status = 500;
    s = octo_error_subject(&err);
    assert_string_equal(s, "http: GET https://x/api answered 404 {'status_code': 500, "
                           "'response_content': None}");
    free(s);
    snprintf(err.detail, sizeof(err.detail), "\"Bad Request\"");
    err.http_status = 400;
    s = octo_error_subject(&err);
    assert_string_equal(s, "http: GET https://x/api answered 404 {'status_code': 400, "
                           "'response_content': 'Bad Request'}");
    free(s);
    /* the content part is capped at 1 KiB */
    memset(big, 'x', sizeof(big));
    big[0] = '"';
    big[2000] = '"';
    big[2001] = '\0';
    snprintf(err.detail, sizeof(err.detail), "%s", big);
    s = octo_error_subject(&err);
    assert_true(strlen(s) < strlen("http: GET https://x/api answered 404 {'status_code': 400, "
                                   "'response_content': }") + 1024 + 1);
    free(s);
}

/* ---- error records and failed flows -------------------------------------- */

static void test_error_record_shape_and_data_kept(void **state)
{
    struct octo_run_result r;
    json_t *in = json_pack("{s:i}", "n", 7);
    json_t *e;

    (void)state;
    assert_int_equal(octo_redact_add("hunter2-secret"), 0);
    r = octo_test_run_text("shape.yml",
                 "name: shape\n"
                 "steps:\n"
                 "- {name: first, type: jq, jq: {expression: '.__input__.n + 1'}}\n"
                 "- name: ign\n"
                 "  type: jq\n"
                 "  jq: {expression: 'error(\"x\")'}\n"
                 "  ignore_errors: [x]\n"
                 "- {name: fails, type: jq, jq: {expression: 'error(\"token hunter2-secret "
                 "refused\")'}}\n"
                 "- {name: later, type: jq, jq: {expression: '1'}}\n",
                 in);
    assert_true(r.failed);
    assert_false(r.cancelled);
    assert_string_equal(r.step, "fails");
    /* known secret values never reach __errors__ or the result */
    assert_string_equal(r.message, "jq expression \"error(\"token *** refused\")\" failed: token "
                                   "*** refused");
    /* the data is kept: special keys, earlier results, all errors */
    octo_test_assert_json(json_object_get(r.data, "first"), "8");
    octo_test_assert_json(json_object_get(r.data, "__input__"), "{\"n\": 7}");
    assert_string_equal(json_string_value(json_object_get(r.data, "__flow_path__")), "shape.yml");
    assert_null(json_object_get(r.data, "later"));
    assert_null(json_object_get(r.data, "fails"));
    /* {"step", "error": {"type", "message"}}, "ignored" only when ignored;
     * plus where the step is written, "file" and "line" (additions) */
    e = octo_test_get(r.data, "__errors__.0");
    assert_keys(e, "error,file,ignored,line,step");
    assert_keys(json_object_get(e, "error"), "message,type");
    assert_string_equal(json_string_value(json_object_get(e, "file")), "shape.yml");
    e = octo_test_get(r.data, "__errors__.1");
    assert_keys(e, "error,file,line,step");
    assert_keys(json_object_get(e, "error"), "message,type");
    assert_int_equal(json_integer_value(json_object_get(e, "line")), 8);
    assert_string_equal(json_string_value(json_object_get(e, "step")), "fails");
    assert_string_equal(json_string_value(octo_test_get(e, "error.type")), "jq");
    assert_string_equal(json_string_value(octo_test_get(e, "error.message")), r.message);
    {
        char *all = json_dumps(r.data, JSON_COMPACT);

        assert_non_null(all);
        assert_null(strstr(all, "hunter2"));
        free(all);
    }
    octo_run_result_free(&r);
    json_decref(in);
    octo_redact_clear();
}

static void test_jq_expression_errors(void **state)
{
    struct octo_run_result r;
    json_t *e;

    (void)state;
    r = octo_test_run_text("jqx.yml",
                 "name: jqx\n"
                 "steps:\n"
                 "- name: s\n"
                 "  type: jq\n"
                 "  jq: {expression: '\"text\"'}\n"
                 "  jq_expression: '.a'\n",
                 NULL);
    assert_true(r.failed);
    e = octo_test_get(r.data, "__errors__.0");
    assert_string_equal(json_string_value(octo_test_get(e, "error.type")), "jq");
    assert_string_equal(json_string_value(octo_test_get(e, "error.message")),
                        "jq expression \".a\" failed: Cannot index string with string \"a\"");
    assert_null(json_object_get(r.data, "s"));
    octo_run_result_free(&r);
}

static void test_finally_step(void **state)
{
    struct octo_run_result r;
    json_t *e;

    (void)state;
    /* the finally step's own failure is recorded; the flow's failure stays */
    r = octo_test_run_text("fin.yml",
                 "name: fin\n"
                 "finally_step: cleanup\n"
                 "steps:\n"
                 "- {name: a, type: jq, jq: {expression: '1'}}\n"
                 "- {name: b, type: jq, jq: {expression: 'error(\"b broke\")'}}\n"
                 "- {name: cleanup, type: jq, jq: {expression: 'error(\"cleanup broke\")'}}\n",
                 NULL);
    assert_true(r.failed);
    assert_string_equal(r.step, "b");
    assert_non_null(strstr(r.message, "b broke"));
    assert_int_equal(json_array_size(json_object_get(r.data, "__errors__")), 2);
    e = octo_test_get(r.data, "__errors__.1");
    assert_string_equal(json_string_value(json_object_get(e, "step")), "cleanup");
    octo_run_result_free(&r);

    /* a successful flow does not run it as a finally step (only in order) */
    r = octo_test_run_text("fin2.yml",
                 "name: fin2\n"
                 "finally_step: early\n"
                 "steps:\n"
                 "- {name: early, type: jq, jq: {expression: '.count + 1 // 1'}}\n"
                 "- {name: late, type: jq, jq: {expression: '.early'}}\n",
                 NULL);
    assert_false(r.failed);
    octo_test_assert_json(json_object_get(r.data, "early"), "1");
    octo_run_result_free(&r);

    /* an earlier step may be the finally step: it runs again, with the data so far */
    r = octo_test_run_text("fin3.yml",
                 "name: fin3\n"
                 "finally_step: snap\n"
                 "steps:\n"
                 "- {name: snap, type: jq, jq: {expression: '[.snap, .x]'}}\n"
                 "- {name: x, type: jq, jq: {expression: '42'}}\n"
                 "- {name: boom, type: jq, jq: {expression: 'error(\"e\")'}}\n",
                 NULL);
    assert_true(r.failed);
    octo_test_assert_json(json_object_get(r.data, "snap"), "[[null, null], 42]");
    octo_run_result_free(&r);
}

static void test_finally_ignores_when(void **state)
{
    static const char *flow = "name: finwhen\n"
                              "finally_step: report\n"
                              "steps:\n"
                              "- {name: boom, type: jq, jq: {expression: 'error(\"boom\")'}}\n"
                              "- name: report\n"
                              "  type: jq\n"
                              "  when: 'false'\n"
                              "  jq: {expression: '\"reported\"'}\n";
    struct octo_run_result r;

    (void)state;
    r = octo_test_run_text("finwhen.yml", flow, NULL);
    assert_true(r.failed);
    octo_test_assert_json(json_object_get(r.data, "report"), "\"reported\"");
    octo_run_result_free(&r);
    /* in the normal order its `when` applies: skipped, nothing written */
    r = octo_test_run_text("finwhen2.yml",
                 "name: finwhen2\n"
                 "finally_step: report\n"
                 "steps:\n"
                 "- {name: ok, type: jq, jq: {expression: '1'}}\n"
                 "- name: report\n"
                 "  type: jq\n"
                 "  when: 'false'\n"
                 "  jq: {expression: '\"reported\"'}\n",
                 NULL);
    assert_false(r.failed);
    assert_null(json_object_get(r.data, "report"));
    octo_run_result_free(&r);
}

static void test_when_rules(void **state)
{
    struct octo_run_result r;

    (void)state;
    r = octo_test_run_text("when.yml",
                 "name: when\n"
                 "steps:\n"
                 "- {name: n, type: jq, jq: {expression: '2'}}\n"
                 "- {name: t1, type: jq, when: 'n == 2', jq: {expression: '1'}}\n"
                 "- {name: t2, type: jq, when: ['n > 1', 'n < 3'], jq: {expression: '1'}}\n"
                 "- {name: f1, type: jq, when: ['n > 1', 'n > 3'], jq: {expression: '1'}}\n"
                 /* the text must be true / 1 / yes: not Python truthiness */
                 "- {name: f2, type: jq, when: 'n', jq: {expression: '1'}}\n"
                 "- {name: t3, type: jq, when: '\"YES\"', jq: {expression: '1'}}\n"
                 "- {name: t4, type: jq, when: 'n - 1', jq: {expression: '1'}}\n"
                 "- {name: f3, type: jq, when: '[1]', jq: {expression: '1'}}\n"
                 "- {name: t5, type: jq, when: true, jq: {expression: '1'}}\n"
                 "- {name: f4, type: jq, when: false, jq: {expression: 'error(\"x\")'}}\n",
                 NULL);
    assert_false(r.failed);
    assert_non_null(json_object_get(r.data, "t1"));
    assert_non_null(json_object_get(r.data, "t2"));
    assert_non_null(json_object_get(r.data, "t3"));
    assert_non_null(json_object_get(r.data, "t4"));
    assert_non_null(json_object_get(r.data, "t5"));
    /* a skipped step writes nothing and cannot fail */
    assert_null(json_object_get(r.data, "f1"));
    assert_null(json_object_get(r.data, "f2"));
    assert_null(json_object_get(r.data, "f3"));
    assert_null(json_object_get(r.data, "f4"));
    octo_run_result_free(&r);
}

/* ---- cancellation and timeouts ------------------------------------------- */

static void test_cancel_and_timeout(void **state)
{
    struct octo_flow *f = NULL;
    struct octo_cancel c;
    struct octo_run_opts o;
    struct octo_run_result r;
    octo_error err;
    json_t *e;

    (void)state;
    octo_test_write("flows/cancel.yml",
                    "name: cancel\n"
                    "finally_step: fin\n"
                    "steps:\n"
                    "- {name: a, type: jq, jq: {expression: '1'}}\n"
                    "- {name: fin, type: jq, jq: {expression: '\"ran\"'}}\n");
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_flow_get("cancel.yml", &f, NULL, &err), OCTO_OK);

    /* cancelled before the first step: the run fails as cancelled, and the
     * finally step does not run */
    octo_cancel_init(&c, 0);
    octo_cancel_request(&c);
    assert_int_equal(octo_cancel_check(&c), 1);
    memset(&o, 0, sizeof(o));
    o.cancel = &c;
    assert_int_equal(octo_run_flow(f, &o, &r), OCTO_OK);
    assert_true(r.failed);
    assert_true(r.cancelled);
    assert_string_equal(r.message, "the run was cancelled");
    e = octo_test_get(r.data, "__errors__.0");
    assert_string_equal(json_string_value(json_object_get(e, "step")), "a");
    assert_string_equal(json_string_value(octo_test_get(e, "error.type")), "cancelled");
    assert_int_equal(json_array_size(json_object_get(r.data, "__errors__")), 1);
    assert_null(json_object_get(r.data, "fin"));
    octo_run_result_free(&r);

    /* a deadline in the past: timed out (type "timeout") */
    octo_cancel_init(&c, 0.001);
    usleep(5000);
    assert_int_equal(octo_cancel_check(&c), 2);
    assert_int_equal(octo_run_flow(f, &o, &r), OCTO_OK);
    assert_true(r.failed);
    assert_true(r.cancelled);
    assert_string_equal(r.message, "the run timed out after 0.001 seconds");
    assert_string_equal(json_string_value(octo_test_get(r.data, "__errors__.0.error.type")),
                        "timeout");
    assert_null(json_object_get(r.data, "fin"));
    octo_run_result_free(&r);

    /* no cancel: it runs */
    octo_cancel_init(&c, 60);
    assert_int_equal(octo_cancel_check(&c), 0);
    assert_int_equal(octo_run_flow(f, &o, &r), OCTO_OK);
    assert_false(r.failed);
    octo_test_assert_json(json_object_get(r.data, "fin"), "\"ran\"");
    octo_run_result_free(&r);
    assert_int_equal(octo_cancel_check(NULL), 0);
    octo_flow_unref(f);
}

static void test_run_options(void **state)
{
    struct octo_flow *f = NULL;
    struct octo_run_opts o;
    struct octo_run_result r;
    octo_error err;
    char id[37];

    (void)state;
    octo_test_write("flows/opts.yml", "name: opts\nsteps: []\n");
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_flow_get("opts.yml", &f, NULL, &err), OCTO_OK);
    /* a given job id; a loop index */
    memset(&o, 0, sizeof(o));
    o.job_id = "job-123";
    o.loop_index = 3;
    assert_int_equal(octo_run_flow(f, &o, &r), OCTO_OK);
    assert_string_equal(r.job_id, "job-123");
    assert_string_equal(json_string_value(json_object_get(r.data, "__job_id__")), "job-123");
    octo_test_assert_json(json_object_get(r.data, "__loop_index__"), "3");
    octo_run_result_free(&r);
    /* sub-flows (depth > 0) have no job id */
    memset(&o, 0, sizeof(o));
    o.depth = 1;
    assert_int_equal(octo_run_flow(f, &o, &r), OCTO_OK);
    assert_true(json_is_null(json_object_get(r.data, "__job_id__")));
    assert_true(json_is_null(json_object_get(r.data, "__input__")));
    octo_run_result_free(&r);
    octo_flow_unref(f);
    /* UUID4 text */
    octo_uuid4(id);
    assert_int_equal(strlen(id), 36);
    assert_int_equal(id[14], '4');
    assert_non_null(strchr("89ab", id[19]));
    assert_int_equal(id[8], '-');
    assert_int_equal(id[23], '-');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_data_key_missing_warns),
        cmocka_unit_test(test_dot_everywhere),
        cmocka_unit_test(test_ignore_subjects),
        cmocka_unit_test(test_error_subject_text),
        cmocka_unit_test(test_error_record_shape_and_data_kept),
        cmocka_unit_test(test_jq_expression_errors),
        cmocka_unit_test(test_finally_step),
        cmocka_unit_test(test_finally_ignores_when),
        cmocka_unit_test(test_when_rules),
        cmocka_unit_test(test_cancel_and_timeout),
        cmocka_unit_test(test_run_options),
    };

    return cmocka_run_group_tests(tests, octo_test_group_setup, octo_test_group_teardown);
}
