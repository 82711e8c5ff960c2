/* routes_jobs.c - /api/v1/jobs: launch (asynchronous), history, one job
 * with its timeline, cancel, live events (SSE), deletion.
 *
 * The later original's routes and shapes (docs/jobs.md, "The API")
 * without its defects (docs/differences.md): a launch answers 202 at once (it blocked
 * until the run ended), a running flow is 409 (it was 500), unknown
 * state/status values are 400 (they were an HTML 500), limit is capped,
 * a filter-less DELETE never deletes unfinished jobs.
 */
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <octoflow/core.h>

#include "routes.h"

#define MAX_LIMIT     1000
#define MAX_WAIT      3600.0
#define SSE_KEEPALIVE 15.0

static atomic_int g_sse_streams;

/* A time filter: epoch seconds or ISO 8601; "" and "0" are no filter. */
static int time_param(struct octo_req *req, const char *name, double *out)
{
    char v[128];

    *out = 0;
    if (octo_http_query(req, name, v, sizeof(v)) < 0 || v[0] == '\0' || strcmp(v, "0") == 0) {
        return 0;
    }
    if (octo_time_parse(v, out) != 0) {
        octo_http_error(req, 400, "Invalid parameter '%s': a time (epoch seconds or ISO 8601)",
                        name);
        return -1;
    }
    return 0;
}

/* The query parameter name into *out (canonical, static) when present;
 * 400 and -1 when it is not a value of that filter. */
static int filter(struct octo_req *req, const char *name, const char **out, char *buf)
{
    const char *names = "";

    if (octo_http_query(req, name, buf, 256) < 0 || buf[0] == '\0') {
        return 0;
    }
    *out = octo_job_filter_value(name, buf, &names);
    if (*out == NULL) {
        octo_http_error(req, 400, "Invalid parameter '%s': one of %s", name, names);
        return -1;
    }
    return 0;
}

/* Read the filters shared by list and delete into q (strings in bufs).
 * Sends the 400 and returns -1 on a bad value. */
static int read_filters(struct octo_req *req, struct octo_job_query *q, char bufs[4][256])
{
    memset(q, 0, sizeof(*q));
    if (filter(req, "state", &q->state, bufs[0]) != 0 ||
        filter(req, "status", &q->status, bufs[0]) != 0 ||
        filter(req, "source", &q->source, bufs[0]) != 0) {
        return -1;
    }
    if (octo_http_query(req, "flow", bufs[1], 256) >= 0 && bufs[1][0] != '\0') {
        q->flow = bufs[1];
    }
    if (time_param(req, "start_time_from", &q->started_from) != 0 ||
        time_param(req, "start_time_to", &q->started_to) != 0 ||
        time_param(req, "end_time_from", &q->ended_from) != 0 ||
        time_param(req, "end_time_to", &q->ended_to) != 0) {
        return -1;
    }
    return 0;
}

static void store_error(struct octo_req *req, const octo_error *err)
{
    octo_http_error(req, 503, "The job store is unavailable: %s", err->msg);
}

void octo_route_v1_jobs_list(struct octo_req *req)
{
    struct octo_job_query q;
    char bufs[4][256];
    long limit;
    long offset;
    long total = 0;
    json_t *jobs = NULL;
    octo_error err;

    if (read_filters(req, &q, bufs) != 0) {
        return;
    }
    if (octo_http_query_long(req, "limit", 50, 0, 1000000000L, &limit) != 0 ||
        octo_http_query_long(req, "offset", 0, 0, 1000000000000L, &offset) != 0) {
        octo_http_error(req, 400, "Invalid parameter: limit and offset are non-negative integers");
        return;
    }
    if (limit > MAX_LIMIT) {
        limit = MAX_LIMIT;
    }
    q.limit = limit > 0 ? limit : MAX_LIMIT;
    q.offset = offset;
    memset(&err, 0, sizeof(err));
    if (octo_jobs_query(&q, &jobs, &total, &err) != OCTO_OK) {
        store_error(req, &err);
        return;
    }
    octo_http_json(req, 200,
                   json_pack("{s:o, s:I, s:I, s:I}", "jobs", jobs, "limit", (json_int_t)q.limit,
                             "offset", (json_int_t)offset, "total", (json_int_t)total));
}

void octo_route_v1_jobs_launch(struct octo_req *req)
{
    json_t *body;
    const char *path;
    struct octo_launch_req lr;
    struct octo_job *job = NULL;
    octo_error err;
    double timeout = 0;
    char wait_text[64];
    double wait = -1;

    if (octo_route_shutting_down()) {
        octo_http_error(req, 503, "The service is shutting down");
        return;
    }
    if (octo_http_query(req, "wait", wait_text, sizeof(wait_text)) >= 0 && wait_text[0] != '\0') {
        char *end;

        wait = strtod(wait_text, &end);
        if (*end != '\0' || !isfinite(wait) || wait < 0 || wait > MAX_WAIT) {
            octo_http_error(req, 400, "Invalid parameter 'wait': seconds in 0..%g", MAX_WAIT);
            return;
        }
    }
    body = octo_http_body(req);
    if (body == NULL) {
        return;
    }
    path = octo_route_flow_path(req, body, "flow path is required");
    memset(&err, 0, sizeof(err));
    if (path != NULL && octo_seconds_check(json_object_get(body, "timeout_seconds"),
                                           "timeout_seconds", &timeout, &err) != OCTO_OK) {
        octo_http_error(req, 400, "%s", err.msg);
        path = NULL;
    }
    if (path == NULL) {
        json_decref(body);
        return;
    }
    memset(&lr, 0, sizeof(lr));
    lr.flow = path;
    lr.input = json_object_get(body, "data");
    lr.timeout = timeout;
    lr.source = "api";
    switch (octo_launch(&lr, &job, &err)) {
    case OCTO_LAUNCHED:
        break;
    case OCTO_LAUNCH_NOT_FOUND:
        octo_http_error(req, 404, "Flow file %s not found.", path);
        json_decref(body);
        return;
    case OCTO_LAUNCH_INVALID:
        octo_http_error(req, 400, "Failed to parse flow file %s: %s", path, err.msg);
        json_decref(body);
        return;
    case OCTO_LAUNCH_BUSY:
        octo_http_error(req, 409, "A job for flow '%s' is already running.", path);
        json_decref(body);
        return;
    case OCTO_LAUNCH_UNAVAILABLE:
        octo_route_unavailable(req, &err);
        json_decref(body);
        return;
    default:
        octo_http_error(req, 500, "%s", err.msg);
        json_decref(body);
        return;
    }
    json_decref(body);
    if (wait < 0) {
        octo_http_json(req, 202, json_pack("{s:s}", "job_id", octo_job_id(job)));
    } else {
        int done = octo_job_wait(job, wait);
        json_t *j = octo_job_json(job, done);

        json_object_set_new(j, "job_id", json_string(octo_job_id(job)));
        octo_http_json(req, done ? 200 : 202, j);
    }
    octo_job_unref(job);
}

void octo_route_v1_jobs_delete_all(struct octo_req *req)
{
    struct octo_job_query q;
    char bufs[4][256];
    long days = -1;
    long deleted = 0;
    octo_error err;

    if (read_filters(req, &q, bufs) != 0) {
        return;
    }
    if (octo_http_query_long(req, "older_than_days", -1, 0, 100000, &days) != 0) {
        octo_http_error(req, 400, "Invalid parameter 'older_than_days': a non-negative integer");
        return;
    }
    if (days >= 0) {
        q.ended_before = octo_now() - (double)days * 86400.0;
        if (q.ended_before <= 0) {
            q.ended_before = 1e-9;
        }
    }
    memset(&err, 0, sizeof(err));
    if (octo_jobs_delete(&q, &deleted, &err) != OCTO_OK) {
        store_error(req, &err);
        return;
    }
    octo_log(OCTO_LOG_INFO, "%ld job record(s) deleted through the API", deleted);
    octo_http_json(req, 200,
                   json_pack("{s:I, s:o, s:o, s:o}", "deleted", (json_int_t)deleted,
                             "older_than_days", days >= 0 ? json_integer(days) : json_null(),
                             "status", q.status != NULL ? json_string(q.status) : json_null(),
                             "state", q.state != NULL ? json_string(q.state) : json_null()));
}

void octo_route_v1_job_get(struct octo_req *req)
{
    json_t *job = NULL;
    octo_error err;

    memset(&err, 0, sizeof(err));
    switch (octo_job_lookup(req->param, &job, &err)) {
    case OCTO_OK:
        octo_http_json(req, 200, job);
        break;
    case OCTO_ENOENT:
        octo_http_error(req, 404, "Job not found");
        break;
    default:
        store_error(req, &err);
        break;
    }
}

void octo_route_v1_job_delete(struct octo_req *req)
{
    struct octo_job *j = octo_job_find(req->param);
    struct octo_job_query q;
    long deleted = 0;
    octo_error err;

    if (j != NULL) {
        int status;
        int running = octo_job_outcome(j, &status, NULL, NULL, NULL) != 0;

        octo_job_unref(j);
        if (running) {
            octo_http_error(req, 409,
                            "Job %s has not finished: cancel it first "
                            "(POST /api/v1/jobs/%s/cancel)",
                            req->param, req->param);
            return;
        }
    }
    memset(&q, 0, sizeof(q));
    memset(&err, 0, sizeof(err));
    q.id = req->param;
    if (octo_jobs_delete(&q, &deleted, &err) != OCTO_OK) {
        store_error(req, &err);
    } else if (deleted == 0) {
        octo_http_error(req, 404, "Job not found");
    } else {
        octo_http_json(req, 200, json_pack("{s:i, s:s}", "deleted", 1, "job_id", req->param));
    }
}

void octo_route_v1_job_cancel(struct octo_req *req)
{
    struct octo_job *j = octo_job_find(req->param);
    json_t *job = NULL;
    octo_error err;

    if (j == NULL) {
        memset(&err, 0, sizeof(err));
        if (octo_job_lookup(req->param, &job, &err) == OCTO_OK) {
            json_decref(job);
            octo_http_error(req, 409, "Job %s has already finished", req->param);
        } else {
            octo_http_error(req, 404, "Job not found");
        }
        return;
    }
    if (octo_job_cancel(j) != 0) {
        octo_http_error(req, 409, "Job %s has already finished", req->param);
    } else {
        json_t *o = octo_job_json(j, 0);

        json_object_set_new(o, "job_id", json_string(req->param));
        octo_http_json(req, 202, o);
    }
    octo_job_unref(j);
}

/* GET /api/v1/jobs/{id}/events: the job's step events as they happen,
 * then its final state; a finished job gets its end event at once. */
void octo_route_v1_job_events(struct octo_req *req)
{
    const struct octo_config *c = octo_config();
    struct octo_job *j = octo_job_find(req->param);
    struct octo_job_sub *sub;
    json_t *job = NULL;
    octo_error err;
    int limit = c->api_threads / 2 > 1 ? c->api_threads / 2 : 1;

    if (j == NULL) {
        memset(&err, 0, sizeof(err));
        if (octo_job_lookup(req->param, &job, &err) != OCTO_OK) {
            octo_http_error(req, 404, "Job not found");
            return;
        }
        if (octo_http_sse_start(req) == 0) {
            octo_http_sse_event(req, "end", job);
        }
        json_decref(job);
        return;
    }
    /* each stream holds an API thread: keep half of them for requests */
    if (atomic_fetch_add(&g_sse_streams, 1) >= limit) {
        atomic_fetch_sub(&g_sse_streams, 1);
        octo_job_unref(j);
        octo_http_error(req, 503, "Too many event streams (limit %d): retry later", limit);
        return;
    }
    sub = octo_job_subscribe(j);
    if (octo_http_sse_start(req) == 0) {
        json_t *now = octo_job_json(j, 1);

        if (octo_http_sse_event(req, "job", now) == 0) {
            for (;;) {
                int closed = 0;
                json_t *ev = octo_job_sub_next(sub, SSE_KEEPALIVE, &closed);
                int rc;

                if (ev == NULL) {
                    if (closed || octo_route_shutting_down()) {
                        break;
                    }
                    if (octo_http_sse_comment(req, "keep-alive") != 0) {
                        break;
                    }
                    continue;
                }
                rc = octo_http_sse_event(req, json_string_value(json_object_get(ev, "event")),
                                         json_object_get(ev, "data"));
                json_decref(ev);
                if (rc != 0 || closed) {
                    break;
                }
            }
        }
        json_decref(now);
    }
    octo_job_unsubscribe(j, sub);
    octo_job_unref(j);
    atomic_fetch_sub(&g_sse_streams, 1);
}
