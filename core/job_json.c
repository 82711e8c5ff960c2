/* job_json.c - a job as the API shows it, from a store row.
 *
 * One formatter for both sources of a job - the registry (running and
 * recent jobs, turned into a row first) and the store - so a job looks
 * the same whether it is answered from memory or from disk. It keeps
 * the later original's field names (meta, errors, start_time, end_time:
 * docs/jobs.md, "A job") beside Octoflow's own.
 */
#include "job_json.h"

#include <string.h>

#include "timefmt.h"

static json_t *iso_or_null(json_t *t)
{
    char buf[64];

    if (!json_is_number(t) || json_number_value(t) <= 0) {
        return json_null();
    }
    octo_timestamp_iso_us(json_number_value(t), buf, sizeof(buf));
    return json_string(buf);
}

/* A JSON text column as a value (null when absent or unreadable). */
static json_t *parsed(json_t *text)
{
    json_t *v;

    if (!json_is_string(text)) {
        return json_null();
    }
    v = json_loadb(json_string_value(text), json_string_length(text),
                   JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    if (v == NULL) {
        v = json_loadb(json_string_value(text), json_string_length(text),
                       JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL | JSON_ALLOW_NUL, NULL);
    }
    return v != NULL ? v : json_null();
}

static json_t *copy_or_null(json_t *row, const char *key)
{
    json_t *v = json_object_get(row, key);

    return v != NULL ? json_incref(v) : json_null();
}

json_t *octo_job_step_api_json(json_t *s)
{
    json_t *o = json_object();

    json_object_set_new(o, "seq", copy_or_null(s, "seq"));
    json_object_set_new(o, "parent", copy_or_null(s, "parent"));
    json_object_set_new(o, "item", copy_or_null(s, "item"));
    json_object_set_new(o, "depth", copy_or_null(s, "depth"));
    json_object_set_new(o, "index", copy_or_null(s, "idx"));
    json_object_set_new(o, "name", copy_or_null(s, "name"));
    json_object_set_new(o, "type", copy_or_null(s, "type"));
    json_object_set_new(o, "flow", copy_or_null(s, "flow"));
    json_object_set_new(o, "attempt", copy_or_null(s, "attempt"));
    json_object_set_new(o, "started", iso_or_null(json_object_get(s, "started")));
    json_object_set_new(o, "duration_us", copy_or_null(s, "duration_us"));
    json_object_set_new(o, "outcome", copy_or_null(s, "outcome"));
    json_object_set_new(o, "error", parsed(json_object_get(s, "error")));
    json_object_set_new(o, "input", parsed(json_object_get(s, "input")));
    json_object_set_new(o, "output", parsed(json_object_get(s, "output")));
    return o;
}

json_t *octo_job_api_json(json_t *row, json_t *steps, int detail)
{
    json_t *o = json_object();
    json_t *meta = json_object();
    json_t *started = json_object_get(row, "started");
    json_t *ended = json_object_get(row, "ended");
    json_t *start_time = json_is_number(started) ? started : json_object_get(row, "created");

    json_object_set_new(o, "id", copy_or_null(row, "id"));
    json_object_set_new(o, "job_id", copy_or_null(row, "id"));
    json_object_set_new(o, "flow_path", copy_or_null(row, "flow_path"));
    json_object_set_new(o, "source", copy_or_null(row, "source"));
    json_object_set_new(o, "schedule_id", copy_or_null(row, "schedule_id"));
    json_object_set_new(o, "state", copy_or_null(row, "state"));
    json_object_set_new(o, "status", copy_or_null(row, "status"));
    json_object_set_new(o, "error", copy_or_null(row, "error"));
    json_object_set_new(o, "created", iso_or_null(json_object_get(row, "created")));
    json_object_set_new(o, "started", iso_or_null(started));
    json_object_set_new(o, "ended", iso_or_null(ended));
    if (json_is_number(started) && json_is_number(ended)) {
        json_object_set_new(o, "duration_seconds",
                            json_real(json_number_value(ended) - json_number_value(started)));
    } else {
        json_object_set_new(o, "duration_seconds", json_null());
    }
    json_object_set_new(o, "timeout_seconds", copy_or_null(row, "timeout"));
    json_object_set_new(o, "node", copy_or_null(row, "node"));
    json_object_set_new(o, "steps_dropped", copy_or_null(row, "steps_dropped"));
    /* the later original's shape */
    json_object_set_new(meta, "flow_path", copy_or_null(row, "flow_path"));
    json_object_set_new(meta, "source", copy_or_null(row, "source"));
    json_object_set_new(meta, "timeout", copy_or_null(row, "timeout"));
    json_object_set_new(meta, "schedule_id", copy_or_null(row, "schedule_id"));
    json_object_set_new(o, "errors", copy_or_null(row, "error"));
    json_object_set_new(o, "start_time", iso_or_null(start_time));
    json_object_set_new(o, "end_time", iso_or_null(ended));
    if (detail) {
        json_t *tl = json_array();
        size_t i;
        json_t *s;

        json_object_set_new(meta, "payload", parsed(json_object_get(row, "input")));
        json_object_set_new(o, "input", parsed(json_object_get(row, "input")));
        json_object_set_new(
            o, "input_truncated",
            json_boolean(json_is_true(json_object_get(row, "input_truncated")) ||
                         json_integer_value(json_object_get(row, "input_truncated")) != 0));
        json_object_set_new(o, "result", parsed(json_object_get(row, "result")));
        json_object_set_new(
            o, "result_truncated",
            json_boolean(json_is_true(json_object_get(row, "result_truncated")) ||
                         json_integer_value(json_object_get(row, "result_truncated")) != 0));
        json_array_foreach(steps, i, s)
        {
            json_array_append_new(tl, octo_job_step_api_json(s));
        }
        json_object_set_new(o, "timeline", tl);
    }
    json_object_set_new(o, "meta", meta);
    return o;
}
