/* routes_observe.c - GET /metrics (Prometheus) and GET /api/v1/flows
 * (every flow file with its validation verdict, for the dashboard). */
#include <stdlib.h>
#include <string.h>

#include <octoflow/core.h>

#include "routes.h"

void octo_route_metrics(struct octo_req *req)
{
    size_t len = 0;
    char *text = octo_metrics_text(&len);

    octo_http_raw(req, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
    free(text);
}

void octo_route_v1_flows_list(struct octo_req *req)
{
    char v[16];
    int full = 0;

    if (octo_http_query(req, "full", v, sizeof(v)) >= 0 && v[0] != '\0') {
        if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0) {
            full = 1;
        } else if (strcmp(v, "false") != 0 && strcmp(v, "0") != 0) {
            octo_http_error(req, 400, "Invalid parameter 'full': true or false");
            return;
        }
    }
    octo_http_json(req, 200, json_pack("{s:o}", "flows", octo_flows_report(full)));
}
