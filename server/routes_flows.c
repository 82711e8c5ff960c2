/* routes_flows.c - /api/flows: schedules and launches.
 *
 * Paths in requests are relative to FLOWS_PATH: absolute paths and ".."
 * are 400, a missing file 404, an invalid flow 400 with the validation
 * message. A launch runs synchronously on the request thread, takes the
 * flow's lock (409 when it is running), and answers 200 with the final
 * flow data, or 500 with "<step>: <message>" and the data when the flow
 * failed (the original said 200; decision 14).
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include <octoflow/core.h>

#include "jobs.h"
#include "paths.h"
#include "routes.h"
#include "scheduler.h"

static atomic_int g_shutting_down;

void octo_routes_set_shutting_down(void)
{
    atomic_store(&g_shutting_down, 1);
}

void octo_route_flows_list(struct octo_req *req)
{
    octo_http_json(req, 200, json_pack("{s:o}", "flows", octo_sched_list()));
}

/* The "path" member: a non-empty string, confined to FLOWS_PATH. Sends
 * the error and returns NULL when it is not. */
static const char *flow_path(struct octo_req *req, json_t *body)
{
    json_t *p = json_object_get(body, "path");
    char abs[4096];
    octo_error err;

    if (!json_is_string(p) || json_string_length(p) == 0) {
        octo_http_error(req, 400, "flow_path is required");
        return NULL;
    }
    memset(&err, 0, sizeof(err));
    if (octo_path_resolve(OCTO_ROOT_FLOWS, json_string_value(p), 0, abs, sizeof(abs), &err) !=
        OCTO_OK) {
        octo_http_error(req, 400, "%s", err.msg);
        return NULL;
    }
    return json_string_value(p);
}

void octo_route_flows_add(struct octo_req *req)
{
    json_t *body = octo_http_body(req);
    const char *path;
    json_t *every;
    json_t *timeout;
    char id[37];
    octo_error err;
    enum octo_sched_error rc;

    if (body == NULL) {
        return;
    }
    /* After SIGTERM the scheduler is stopped: an add answered 201 for a
     * schedule that could never run (tests/e2e/test_api_service.py,
     * test_sigterm_lets_a_run_finish_within_grace). */
    if (atomic_load(&g_shutting_down)) {
        json_decref(body);
        octo_http_error(req, 503, "The service is shutting down");
        return;
    }
    path = flow_path(req, body);
    if (path == NULL) {
        json_decref(body);
        return;
    }
    every = json_object_get(body, "every_seconds");
    timeout = json_object_get(body, "timeout_seconds");
    if ((every != NULL && !json_is_null(every) &&
         (!json_is_integer(every) || json_integer_value(every) <= 0)) ||
        (timeout != NULL && !json_is_null(timeout) &&
         (!json_is_number(timeout) || json_number_value(timeout) <= 0)) ||
        (json_object_get(body, "cron") != NULL && !json_is_null(json_object_get(body, "cron")) &&
         !json_is_string(json_object_get(body, "cron")))) {
        octo_http_error(req, 400,
                        "every_seconds must be a positive integer, timeout_seconds a positive "
                        "number and cron a cron expression");
        json_decref(body);
        return;
    }
    memset(&err, 0, sizeof(err));
    rc = octo_sched_add(path, json_string_value(json_object_get(body, "cron")),
                        (long)json_integer_value(every),
                        json_is_number(timeout) ? json_number_value(timeout) : 0, id, &err);
    switch (rc) {
    case OCTO_SCHED_OK:
        octo_http_json(req, 201,
                       json_pack("{s:o, s:s}", "status",
                                 json_sprintf("Flow '%s' added successfully", path), "flow_id",
                                 id));
        break;
    case OCTO_SCHED_NOT_FOUND:
        octo_http_error(req, 404, "Flow file '%s' does not exist", path);
        break;
    case OCTO_SCHED_DUPLICATE:
        octo_http_error(req, 409, "%s", err.msg);
        break;
    default:
        octo_http_error(req, 400, "%s", err.msg);
        break;
    }
    json_decref(body);
}

void octo_route_flows_delete(struct octo_req *req)
{
    if (octo_sched_remove(req->param) == OCTO_OK) {
        octo_http_json(req, 200,
                       json_pack("{s:o}", "status",
                                 json_sprintf("Flow with ID '%s' removed successfully",
                                              req->param)));
    } else {
        octo_http_error(req, 404, "Flow with ID '%s' not found", req->param);
    }
}

void octo_route_flows_launch(struct octo_req *req)
{
    json_t *body;
    const char *path;
    json_t *timeout;
    struct octo_flow *f = NULL;
    struct octo_cancel cancel;
    struct octo_run_opts o;
    struct octo_run_result r;
    struct octo_job *job;
    octo_error err;
    int rc;

    if (atomic_load(&g_shutting_down)) {
        octo_http_error(req, 503, "The service is shutting down");
        return;
    }
    body = octo_http_body(req);
    if (body == NULL) {
        return;
    }
    path = flow_path(req, body);
    if (path == NULL) {
        json_decref(body);
        return;
    }
    timeout = json_object_get(body, "timeout_seconds");
    if (timeout != NULL && !json_is_null(timeout) &&
        (!json_is_number(timeout) || json_number_value(timeout) <= 0)) {
        octo_http_error(req, 400, "timeout_seconds must be a positive number");
        json_decref(body);
        return;
    }
    memset(&err, 0, sizeof(err));
    rc = octo_flow_get(path, &f, NULL, &err);
    if (rc != OCTO_OK) {
        if (rc == OCTO_ENOENT) {
            octo_http_error(req, 404, "Flow file '%s' does not exist", path);
        } else {
            octo_http_error(req, 400, "%s", err.msg);
        }
        json_decref(body);
        return;
    }
    if (octo_lock_acquire(f->abs_path, f->file_name, &err) != OCTO_OK) {
        if (err.code == OCTO_EACCES) {
            octo_http_error(req, 409, "Flow %s is already running.", f->file_name);
        } else {
            octo_http_error(req, 500, "%s", err.msg);
        }
        octo_flow_unref(f);
        json_decref(body);
        return;
    }
    octo_cancel_init(&cancel, json_is_number(timeout) ? json_number_value(timeout) : 0);
    job = octo_job_begin(path, "api", &cancel);
    memset(&o, 0, sizeof(o));
    o.input = json_object_get(body, "data");
    o.cancel = &cancel;
    octo_run_flow(f, &o, &r);
    octo_lock_release(f->abs_path, f->file_name);
    /* The job ends after the response is written (below): shutdown stops
     * civetweb as soon as no job is left, and civetweb drops writes once it
     * is stopping, so a launch cancelled at the end of SHUTDOWN_GRACE got
     * its connection closed without an answer
     * (tests/e2e/test_api_service.py, test_sigterm_cancels_after_grace). */
    if (r.failed) {
        octo_http_json(req, 500,
                       json_pack("{s:o, s:O}", "error", json_sprintf("%s: %s", r.step, r.message),
                                 "data", r.data));
    } else {
        octo_http_json(req, 200,
                       json_pack("{s:o, s:O}", "status",
                                 json_sprintf("Flow %s executed successfully.", f->file_name),
                                 "data", r.data));
    }
    octo_job_end(job);
    octo_run_result_free(&r);
    octo_flow_unref(f);
    json_decref(body);
}
