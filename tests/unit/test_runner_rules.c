/* test_runner_rules.c - the runner rules that need the C API: the error
 * subject ignore_errors patterns match (octo_error_subject), cancellation
 * and deadlines (struct octo_cancel), and the run options (job id, loop
 * index, depth). The rules a flow, an input and its final data show
 * (data_key, ignore_errors, error records, finally_step, when) are the
 * rules_* cases of tests/flows/, run by test_flow_cases.c. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the error subject ignore_errors patterns match --------------------- */

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
                                   "'response_content': }") +
                                1024 + 1);
    free(s);
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
    octo_test_write("flows/cancel.yml", "name: cancel\n"
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
        cmocka_unit_test(test_error_subject_text),
        cmocka_unit_test(test_cancel_and_timeout),
        cmocka_unit_test(test_run_options),
    };

    return cmocka_run_group_tests(tests, octo_test_group_setup, octo_test_group_teardown);
}
