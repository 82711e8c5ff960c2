/* routes_flows.c - /api/flows: the original's schedule and launch routes.
 *
 * Paths in requests are relative to FLOWS_PATH: absolute paths and ".."
 * are 400, a missing file 404, an invalid flow 400 with the validation
 * message. A launch goes through the core's front door like every run
 * (it is a job: /api/v1/jobs lists it) and this route waits for it, as
 * old clients expect: 200 with the final flow data, or 500 with
 * "<step>: <message>" and the data when the flow failed (the original
 * said 200: docs/differences.md, The service). 409 when the flow is
 * running.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <octoflow/core.h>

#include "routes.h"

void octo_route_flows_list(struct octo_req *req)
{
    octo_http_json(req, 200, json_pack("{s:o}", "flows", octo_sched_list()));
}

/* The "path" member: a non-empty string, confined to FLOWS_PATH. Sends
 * the error and returns NULL when it is not. */
const char *octo_route_flow_path(struct octo_req *req, json_t *body, const char *missing)
{
    json_t *p = json_object_get(body, "path");
    octo_error err;

    if (!json_is_string(p) || json_string_length(p) == 0) {
        octo_http_error(req, 400, "%s", missing);
        return NULL;
    }
    memset(&err, 0, sizeof(err));
    if (octo_flow_path_check(json_string_value(p), &err) != OCTO_OK) {
        octo_http_error(req, 400, "%s", err.msg);
        return NULL;
    }
    return json_string_value(p);
}

/* Read a schedule request body into spec. Sends the error and returns -1
 * when it is not valid. */
int octo_route_sched_spec(struct octo_req *req, json_t *body, const char *missing,
                          struct octo_sched_spec *spec)
{
    json_t *every = json_object_get(body, "every_seconds");
    json_t *cron = json_object_get(body, "cron");
    octo_error err;

    memset(spec, 0, sizeof(*spec));
    memset(&err, 0, sizeof(err));
    spec->path = octo_route_flow_path(req, body, missing);
    if (spec->path == NULL) {
        return -1;
    }
    if (every != NULL && !json_is_null(every) &&
        (!json_is_integer(every) || json_integer_value(every) <= 0 ||
         json_integer_value(every) > OCTO_SECONDS_MAX)) {
        octo_http_error(req, 400,
                        "every_seconds must be a positive integer, at most a year "
                        "(%d)",
                        OCTO_SECONDS_MAX);
        return -1;
    }
    if (cron != NULL && !json_is_null(cron) && !json_is_string(cron)) {
        octo_http_error(req, 400, "cron must be a cron expression (text)");
        return -1;
    }
    if (octo_seconds_check(json_object_get(body, "timeout_seconds"), "timeout_seconds",
                           &spec->timeout, &err) != OCTO_OK) {
        octo_http_error(req, 400, "%s", err.msg);
        return -1;
    }
    spec->cron = json_string_value(cron);
    spec->every_seconds = (long)json_integer_value(every);
    spec->overlap = json_string_value(json_object_get(body, "overlap"));
    spec->missed = json_string_value(json_object_get(body, "missed"));
    if ((json_object_get(body, "overlap") != NULL &&
         !json_is_null(json_object_get(body, "overlap")) && spec->overlap == NULL) ||
        (json_object_get(body, "missed") != NULL &&
         !json_is_null(json_object_get(body, "missed")) && spec->missed == NULL)) {
        octo_http_error(req, 400, "overlap must be skip or queue, missed must be none or last");
        return -1;
    }
    spec->paused = json_is_true(json_object_get(body, "paused"));
    return 0;
}

void octo_route_flows_add(struct octo_req *req)
{
    json_t *body = octo_http_body(req);
    struct octo_sched_spec spec;
    char id[37];
    octo_error err;
    enum octo_sched_error rc;

    if (body == NULL) {
        return;
    }
    /* After SIGTERM schedules are stopped: an add answered 201 for a
     * schedule that could never run. */
    if (octo_route_shutting_down()) {
        json_decref(body);
        octo_http_error(req, 503, "The service is shutting down");
        return;
    }
    if (octo_route_sched_spec(req, body, "flow_path is required", &spec) != 0) {
        json_decref(body);
        return;
    }
    memset(&err, 0, sizeof(err));
    rc = octo_sched_add(&spec, id, &err);
    switch (rc) {
    case OCTO_SCHED_OK:
        octo_http_json(req, 201,
                       json_pack("{s:o, s:s}", "status",
                                 json_sprintf("Flow '%s' added successfully", spec.path), "flow_id",
                                 id));
        break;
    case OCTO_SCHED_NOT_FOUND:
        octo_http_error(req, 404, "Flow file '%s' does not exist", spec.path);
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
        octo_http_json(
            req, 200,
            json_pack("{s:o}", "status",
                      json_sprintf("Flow with ID '%s' removed successfully", req->param)));
    } else {
        octo_http_error(req, 404, "Flow with ID '%s' not found", req->param);
    }
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');

    return s != NULL ? s + 1 : p;
}

void octo_route_flows_launch(struct octo_req *req)
{
    json_t *body;
    const char *path;
    struct octo_launch_req lr;
    struct octo_job *job = NULL;
    octo_error err;
    double timeout = 0;
    int status = 0;
    const char *message = NULL;
    const char *step = NULL;
    json_t *data = NULL;

    if (octo_route_shutting_down()) {
        octo_http_error(req, 503, "The service is shutting down");
        return;
    }
    body = octo_http_body(req);
    if (body == NULL) {
        return;
    }
    path = octo_route_flow_path(req, body, "flow_path is required");
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
        octo_http_error(req, 404, "Flow file '%s' does not exist", path);
        json_decref(body);
        return;
    case OCTO_LAUNCH_INVALID:
        octo_http_error(req, 400, "%s", err.msg);
        json_decref(body);
        return;
    case OCTO_LAUNCH_BUSY:
        octo_http_error(req, 409, "Flow %s is already running.", base_name(path));
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
    octo_job_wait(job, -1); /* bounded by the run's own timeout, if any */
    octo_job_outcome(job, &status, &message, &step, &data);
    if (status == OCTO_RUN_EXIT) {
        /* an exit step ended it on purpose: not a failure */
        octo_http_json(req, 200,
                       json_pack("{s:o, s:O}", "status",
                                 json_sprintf("Flow %s exited: %s", base_name(path),
                                              message != NULL ? message : ""),
                                 "data", data != NULL ? data : json_null()));
    } else if (status != OCTO_RUN_SUCCESS) {
        /* the original's shape exactly: old clients compare key sets (the
         * job id is in the data: __job_id__) */
        char *text = octo_failure_text(data, step, message);

        /* "<file>:<line>: step \"<step>\": <type>: <message>" */
        octo_http_json(req, 500,
                       json_pack("{s:s, s:O}", "error", text != NULL ? text : "the flow failed",
                                 "data", data != NULL ? data : json_null()));
        free(text);
    } else {
        octo_http_json(req, 200,
                       json_pack("{s:o, s:O}", "status",
                                 json_sprintf("Flow %s executed successfully.", base_name(path)),
                                 "data", data != NULL ? data : json_null()));
    }
    octo_job_unref(job);
    json_decref(body);
}
