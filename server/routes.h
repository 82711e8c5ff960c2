/* routes.h - API route handlers (routes_*.c), dispatched by api.c. */
#ifndef OCTO_ROUTES_H
#define OCTO_ROUTES_H

#include "http.h"

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
void octo_route_docs(struct octo_req *req);

/* Shutdown in progress: launches are refused with 503. */
void octo_routes_set_shutting_down(void);

#endif
