/* routes.h - API route handlers (routes_*.c), dispatched by api.c. */
#ifndef OCTO_ROUTES_H
#define OCTO_ROUTES_H

#include <octoflow/core.h>

#include "http.h"

/* the original's routes */
void octo_route_flows_list(struct octo_req *req);
void octo_route_flows_add(struct octo_req *req);
void octo_route_flows_launch(struct octo_req *req);
void octo_route_flows_delete(struct octo_req *req);
void octo_route_locks_list(struct octo_req *req);
void octo_route_locks_delete_all(struct octo_req *req);
void octo_route_locks_delete(struct octo_req *req);
void octo_route_logs(struct octo_req *req);
void octo_route_jobs(struct octo_req *req);
void octo_route_health(struct octo_req *req);
void octo_route_swagger(struct octo_req *req);

/* /api/v1 */
void octo_route_v1_jobs_list(struct octo_req *req);
void octo_route_v1_jobs_launch(struct octo_req *req);
void octo_route_v1_jobs_delete_all(struct octo_req *req);
void octo_route_v1_job_get(struct octo_req *req);
void octo_route_v1_job_delete(struct octo_req *req);
void octo_route_v1_job_cancel(struct octo_req *req);
void octo_route_v1_job_events(struct octo_req *req);
void octo_route_v1_schedules_list(struct octo_req *req);
void octo_route_v1_schedules_add(struct octo_req *req);
void octo_route_v1_schedule_get(struct octo_req *req);
void octo_route_v1_schedule_delete(struct octo_req *req);
void octo_route_v1_schedule_pause(struct octo_req *req);
void octo_route_v1_schedule_resume(struct octo_req *req);
void octo_route_v1_flows_list(struct octo_req *req);

/* observability and the dashboard (routes_observe.c, routes_ui.c) */
void octo_route_metrics(struct octo_req *req);
void octo_route_ui(struct octo_req *req);

/* Shared by the schedule and launch routes (routes_flows.c): the "path"
 * member (missing: the message when absent), and a schedule body. They
 * send the error and return NULL / -1 when the request is not valid. */
const char *octo_route_flow_path(struct octo_req *req, json_t *body, const char *missing);
int octo_route_sched_spec(struct octo_req *req, json_t *body, const char *missing,
                          struct octo_sched_spec *spec);

/* Shutdown in progress: launches and adds are refused with 503. */
void octo_routes_set_shutting_down(void);
int octo_route_shutting_down(void);

#endif
