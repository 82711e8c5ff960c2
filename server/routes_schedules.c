/* routes_schedules.c - /api/v1/schedules: the later original's schedule
 * routes (C.8), with 400 for invalid requests (it answered 500), plus
 * one schedule, pause and resume. Schedules added here are stored: they
 * survive restarts. */
#include <stdio.h>
#include <string.h>

#include <octoflow/core.h>

#include "routes.h"

void octo_route_v1_schedules_list(struct octo_req *req)
{
    octo_http_json(req, 200, json_pack("{s:o}", "schedules", octo_sched_list()));
}

void octo_route_v1_schedules_add(struct octo_req *req)
{
    json_t *body = octo_http_body(req);
    struct octo_sched_spec spec;
    char id[37];
    octo_error err;

    if (body == NULL) {
        return;
    }
    if (octo_route_shutting_down()) {
        json_decref(body);
        octo_http_error(req, 503, "The service is shutting down");
        return;
    }
    if (octo_route_sched_spec(req, body, "Flow path must be provided.", &spec) != 0) {
        json_decref(body);
        return;
    }
    if ((spec.cron == NULL || spec.cron[0] == '\0') && spec.every_seconds <= 0) {
        octo_http_error(req, 400, "Flow must have either 'cron' or 'every_seconds' defined.");
        json_decref(body);
        return;
    }
    memset(&err, 0, sizeof(err));
    switch (octo_sched_add(&spec, id, &err)) {
    case OCTO_SCHED_OK:
        octo_http_json(req, 201,
                       json_pack("{s:o, s:s, s:o}", "status",
                                 json_sprintf("Schedule for '%s' added successfully", spec.path),
                                 "schedule_id", id, "schedule", octo_sched_get(id)));
        break;
    case OCTO_SCHED_NOT_FOUND:
        octo_http_error(req, 404, "Flow file %s not found.", spec.path);
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

void octo_route_v1_schedule_get(struct octo_req *req)
{
    json_t *s = octo_sched_get(req->param);

    if (s == NULL) {
        octo_http_error(req, 404, "Flow with ID %s not found.", req->param);
        return;
    }
    octo_http_json(req, 200, s);
}

void octo_route_v1_schedule_delete(struct octo_req *req)
{
    if (octo_sched_remove(req->param) == OCTO_OK) {
        octo_http_json(
            req, 200,
            json_pack("{s:o}", "status", json_sprintf("Removed flow with ID: %s", req->param)));
    } else {
        octo_http_error(req, 404, "Flow with ID %s not found.", req->param);
    }
}

static void pause_resume(struct octo_req *req, int paused)
{
    if (octo_sched_pause(req->param, paused) != OCTO_OK) {
        octo_http_error(req, 404, "Flow with ID %s not found.", req->param);
        return;
    }
    octo_http_json(req, 200, octo_sched_get(req->param));
}

void octo_route_v1_schedule_pause(struct octo_req *req)
{
    pause_resume(req, 1);
}

void octo_route_v1_schedule_resume(struct octo_req *req)
{
    pause_resume(req, 0);
}
