/* routes_misc.c - /api/locks, /api/logs (and /api/v1/logs), /api/jobs,
 * /api/health, the OpenAPI document (its page is routes_ui.c).
 *
 * Locks are held by the kernel (see the operations docs): the listing
 * shows held locks only, and deleting a lock that a run holds is 409 -
 * never a "released" that lies - unless ?cancel=true, which cancels the
 * run (its lock goes when it stops). A lock file nobody holds (its
 * process died) is simply removed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <octoflow/core.h>

#include "openapi.h"
#include "routes.h"

#define MAX_LOG_LINES 100000

void octo_route_locks_list(struct octo_req *req)
{
    octo_http_json(req, 200, json_pack("{s:o}", "locks", octo_locks_list()));
}

/* Cancel the job of this process that holds a lock (holder: a lock
 * listing entry). Returns the job id (new string) or NULL when the
 * holder is not a job of this process. */
static char *cancel_holder(json_t *holder)
{
    const char *id = json_string_value(json_object_get(holder, "job_id"));
    struct octo_job *j = id != NULL ? octo_job_find(id) : NULL;
    char *out = NULL;

    if (j != NULL) {
        if (octo_job_cancel(j) == 0) {
            out = octo_xstrdup(octo_job_id(j));
        }
        octo_job_unref(j);
    }
    return out;
}

void octo_route_locks_delete_all(struct octo_req *req)
{
    json_t *held = json_array();
    int n = octo_locks_remove_stale(held);
    int cancel = octo_http_query_bool(req, "cancel");
    size_t i;
    json_t *h;

    if (n > 0) {
        octo_log(OCTO_LOG_INFO, "%d stale lock file(s) removed through the API", n);
    }
    if (json_array_size(held) == 0) {
        json_decref(held);
        octo_http_json(req, 200, json_pack("{s:s}", "status", "All locks released."));
        return;
    }
    if (cancel) {
        json_t *ids = json_array();

        json_array_foreach(held, i, h)
        {
            char *id = cancel_holder(h);

            if (id != NULL) {
                json_array_append_new(ids, json_string(id));
                free(id);
            }
        }
        octo_http_json(req, 202,
                       json_pack("{s:s, s:o, s:o}", "status",
                                 "Running flows are being cancelled; their locks go when they "
                                 "stop.",
                                 "cancelled", ids, "held", held));
        return;
    }
    octo_http_json(req, 409,
                   json_pack("{s:o, s:o}", "error",
                             json_sprintf("%zu lock(s) are held by running flows and were not "
                                          "released; DELETE /api/locks?cancel=true cancels "
                                          "those runs",
                                          json_array_size(held)),
                             "held", held));
}

void octo_route_locks_delete(struct octo_req *req)
{
    char removed[512];
    json_t *holder = NULL;
    int rc = octo_lock_remove(req->param, removed, sizeof(removed), &holder);

    if (rc == OCTO_OK) {
        octo_log(OCTO_LOG_INFO, "stale lock file %s removed through the API", removed);
        octo_http_json(
            req, 200,
            json_pack("{s:o}", "status", json_sprintf("Lock for %s released.", req->param)));
    } else if (rc == OCTO_EACCES) {
        const char *job = json_string_value(json_object_get(holder, "job_id"));
        json_int_t pid = json_integer_value(json_object_get(holder, "pid"));
        const char *host = json_string_value(json_object_get(holder, "host"));
        struct octo_job *mine = job != NULL ? octo_job_find(job) : NULL;
        int ours = mine != NULL;

        octo_job_unref(mine);
        if (octo_http_query_bool(req, "cancel")) {
            char *id = cancel_holder(holder);

            if (id != NULL) {
                octo_http_json(req, 202,
                               json_pack("{s:o, s:s}", "status",
                                         json_sprintf("Job %s holding the lock of %s is being "
                                                      "cancelled; the lock goes when it stops.",
                                                      id, req->param),
                                         "job_id", id));
                free(id);
                json_decref(holder);
                return;
            }
        }
        octo_http_json(req, 409,
                       json_pack("{s:o, s:O}", "error",
                                 json_sprintf("The lock of %s is held by a running flow "
                                              "(job %s, process %lld on %s): it is released "
                                              "when the run ends%s",
                                              req->param, job != NULL ? job : "?", (long long)pid,
                                              host != NULL ? host : "?",
                                              ours ? "; ?cancel=true cancels it" : ""),
                                 "holder", holder));
    } else {
        octo_http_error(req, 404, "No lock found for %s.", req->param);
    }
    json_decref(holder);
}

static int level_of(const char *name)
{
    if (strcasecmp(name, "DEBUG") == 0) {
        return OCTO_LOG_DEBUG;
    }
    if (strcasecmp(name, "INFO") == 0) {
        return OCTO_LOG_INFO;
    }
    if (strcasecmp(name, "WARNING") == 0 || strcasecmp(name, "WARN") == 0) {
        return OCTO_LOG_WARN;
    }
    if (strcasecmp(name, "ERROR") == 0) {
        return OCTO_LOG_ERROR;
    }
    return 0;
}

/* The level of a log line ("... - LEVEL - ..."), OCTO_LOG_INFO when it
 * does not say (a continuation line). */
static int line_level(const char *line)
{
    static const char *const names[] = {" - ERROR - ", " - WARNING - ", " - INFO - ",
                                        " - DEBUG - "};
    int i;

    for (i = 0; i < 4; i++) {
        if (strstr(line, names[i]) != NULL) {
            return i + 1;
        }
    }
    return OCTO_LOG_INFO;
}

void octo_route_logs(struct octo_req *req)
{
    char val[32];
    long n = 100;
    int min_level = 0;
    char *end;
    json_t *lines;

    if (octo_http_query(req, "lines", val, sizeof(val)) >= 0) {
        errno = 0;
        n = strtol(val, &end, 10);
        if (val[0] == '\0' || *end != '\0' || errno != 0) {
            octo_http_error(req, 400, "Invalid 'lines' parameter");
            return;
        }
        if (n <= 0) {
            octo_http_error(req, 400, "Lines must be positive");
            return;
        }
        if (n > MAX_LOG_LINES) {
            n = MAX_LOG_LINES;
        }
    }
    if (octo_http_query(req, "level", val, sizeof(val)) >= 0 && val[0] != '\0') {
        min_level = level_of(val);
        if (min_level == 0) {
            octo_http_error(req, 400, "Invalid 'level' parameter: DEBUG, INFO, WARNING or ERROR");
            return;
        }
    }
    lines = octo_log_tail(n);
    if (lines == NULL) {
        octo_http_error(req, 404, "Log file not found");
        return;
    }
    if (min_level > 0) {
        json_t *kept = json_array();
        size_t i;
        json_t *l;

        json_array_foreach(lines, i, l)
        {
            if (line_level(json_string_value(l)) <= min_level) {
                json_array_append(kept, l);
            }
        }
        json_decref(lines);
        lines = kept;
    }
    octo_http_json(req, 200, json_pack("{s:o}", "logs", lines));
}

/* The runs in progress, in the original's shape ({path, source,
 * started}) with the job's own fields beside. */
void octo_route_jobs(struct octo_req *req)
{
    json_t *active = octo_jobs_active_json();
    size_t i;
    json_t *j;

    json_array_foreach(active, i, j)
    {
        json_object_set(j, "path", json_object_get(j, "flow_path"));
        json_object_set(j, "started",
                        json_is_null(json_object_get(j, "started"))
                            ? json_object_get(j, "created")
                            : json_object_get(j, "started"));
    }
    octo_http_json(req, 200, json_pack("{s:o}", "running", active));
}

void octo_route_health(struct octo_req *req)
{
    size_t len = 0;
    char *text = octo_health_text(&len);

    if (text == NULL) {
        octo_http_json(req, 200, octo_health());
        return;
    }
    octo_http_raw(req, 200, "application/json", text, len);
    free(text);
}

void octo_route_swagger(struct octo_req *req)
{
    octo_http_raw(req, 200, "application/json", octo_openapi_json(), strlen(octo_openapi_json()));
}
