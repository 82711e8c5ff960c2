/* error_record.c - a step's error as __errors__ records it, and the text
 * ignore_errors and retry patterns are matched against (the record and
 * the text are specified in docs/flows.md, "Errors, ignore_errors and
 * finally_step").
 *
 * Details come two ways: the 1.0 way (an HTTP error carries the
 * response content in err->detail and its status in http_status) and the
 * 1.1 way (a JSON object attached with host->error_detail, for any
 * code, merged into the record). Both end in the same record and the
 * same text, so patterns written for the original keep matching.
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "pyfmt.h"
#include "redact.h"
#include "runner.h"

/* The error's details as an object (new), or NULL. */
static json_t *detail_object(const octo_error *err)
{
    json_t *d;

    if (err->detail[0] == '\0') {
        return err->code == OCTO_EHTTP && !err->detail_is_object
                   ? json_pack("{s:i, s:n}", "status_code", err->http_status, "response_content")
                   : NULL;
    }
    d = json_loads(err->detail, JSON_DECODE_ANY, NULL);
    if (err->detail_is_object) {
        if (!json_is_object(d)) {
            json_decref(d);
            return NULL;
        }
        return d;
    }
    if (err->code != OCTO_EHTTP) {
        json_decref(d);
        return NULL;
    }
    return json_pack("{s:i, s:o}", "status_code", err->http_status, "response_content",
                     d != NULL ? d : json_null());
}

char *octo_error_subject(const octo_error *err)
{
    struct octo_buf b = OCTO_BUF_INIT;
    json_t *d = detail_object(err);
    size_t i;

    octo_buf_printf(&b, "%s: %s", octo_error_type(err->code), err->msg);
    if (d != NULL && json_object_get(d, "status_code") != NULL) {
        struct octo_buf content = OCTO_BUF_INIT;
        json_t *rc = json_object_get(d, "response_content");

        if (rc != NULL) {
            octo_py_value_repr(rc, &content);
        } else {
            octo_buf_puts(&content, "None");
        }
        if (content.len > 1024) {
            content.len = 1024;
            content.data[1024] = '\0';
        }
        octo_buf_printf(&b, " {'status_code': %lld, 'response_content': %s}",
                        (long long)json_integer_value(json_object_get(d, "status_code")),
                        octo_buf_cstr(&content));
        octo_buf_free(&content);
    }
    json_decref(d);
    for (i = 0; i < b.len; i++) {
        if (b.data[i] == '\r' || b.data[i] == '\n') {
            b.data[i] = ' ';
        }
    }
    return octo_buf_steal(&b, NULL);
}

json_t *octo_error_record(const char *step, const octo_error *err)
{
    json_t *e = json_object();
    json_t *rec = json_object();
    json_t *d = detail_object(err);
    const char *k;
    json_t *v;

    json_object_set_new(e, "type", json_string(octo_error_type(err->code)));
    json_object_set_new(e, "message", json_string(err->msg));
    json_object_foreach(d, k, v)
    {
        if (strcmp(k, "type") != 0 && strcmp(k, "message") != 0) {
            json_object_set_new(e, k, octo_redact_json(v));
        }
    }
    json_decref(d);
    json_object_set_new(rec, "step", json_string(step));
    json_object_set_new(rec, "error", e);
    return rec;
}

char *octo_failure_text(json_t *data, const char *step, const char *message)
{
    json_t *errs = json_object_get(data, "__errors__");
    json_t *hit = NULL;
    struct octo_buf b = OCTO_BUF_INIT;
    size_t i;

    if (message == NULL) {
        message = "the flow failed";
    }
    /* the failing step's record: the last one of that step not ignored */
    for (i = json_array_size(errs); i > 0 && step != NULL; i--) {
        json_t *rec = json_array_get(errs, i - 1);

        if (json_is_object(rec) && json_object_get(rec, "ignored") == NULL &&
            json_is_string(json_object_get(rec, "step")) &&
            strcmp(json_string_value(json_object_get(rec, "step")), step) == 0) {
            hit = rec;
            break;
        }
    }
    if (hit != NULL && json_is_string(json_object_get(hit, "file")) &&
        json_integer_value(json_object_get(hit, "line")) > 0) {
        const char *type =
            json_string_value(json_object_get(json_object_get(hit, "error"), "type"));

        octo_buf_printf(&b, "%s:%lld: step \"%s\": %s%s%s",
                        json_string_value(json_object_get(hit, "file")),
                        (long long)json_integer_value(json_object_get(hit, "line")), step,
                        type != NULL ? type : "", type != NULL ? ": " : "", message);
    } else {
        octo_buf_printf(&b, "%s%s%s", step != NULL && step[0] != '\0' ? step : "",
                        step != NULL && step[0] != '\0' ? ": " : "", message);
    }
    return octo_buf_steal(&b, NULL);
}
