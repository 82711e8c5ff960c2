/* job_query.c - the front door's questions about jobs: one job (from
 * memory, else the store), the history, deletion, a job's outcome, and
 * the rule every user-given number of seconds follows. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <octoflow/core.h>

#include "errors.h"
#include "job.h"
#include "job_json.h"
#include "store.h"
#include "timeout_check.h"

const char *octo_job_id(const struct octo_job *j)
{
    return j->id;
}

int octo_job_outcome(struct octo_job *j, int *status, const char **message, const char **step,
                     json_t **data)
{
    int done;

    pthread_mutex_lock(&j->mu);
    done = j->state == OCTO_JOB_FINISHED;
    pthread_mutex_unlock(&j->mu);
    if (!done) {
        return -1;
    }
    /* finished: these fields no longer change */
    if (status != NULL) {
        *status = j->status;
    }
    if (message != NULL) {
        *message = j->error;
    }
    if (step != NULL) {
        *step = j->failed_step;
    }
    if (data != NULL) {
        *data = j->result;
    }
    return 0;
}

int octo_seconds_check(json_t *v, const char *field, double *out, octo_error *err)
{
    *out = 0;
    if (v == NULL || json_is_null(v)) {
        return OCTO_OK;
    }
    return octo_timeout_from_json(field, v, out, err);
}

int octo_job_lookup(const char *id, json_t **job, octo_error *err)
{
    struct octo_job *j = octo_job_find(id);
    json_t *row = NULL;
    json_t *steps = NULL;
    int rc;

    *job = NULL;
    if (j != NULL) {
        *job = octo_job_json(j, 1);
        octo_job_unref(j);
        return OCTO_OK;
    }
    rc = octo_store_job_get(id, &row, &steps, err);
    if (rc != OCTO_OK) {
        return rc;
    }
    if (row == NULL) {
        return octo_error_set(err, OCTO_ENOENT, NULL, "Job not found");
    }
    *job = octo_job_api_json(row, steps, 1);
    json_decref(row);
    json_decref(steps);
    return OCTO_OK;
}

const char *octo_job_filter_value(const char *field, const char *v, const char **names)
{
    static const struct {
        const char *field;
        const char *list;
        const char *values[7];
    } filters[] = {
        {"state", "queued, running, finished", {"queued", "running", "finished", NULL}},
        {"status",
         "success, failed, exit, cancelled, timeout, abandoned",
         {"success", "failed", "exit", "cancelled", "timeout", "abandoned", NULL}},
        {"source", "api, schedule, cli", {"api", "schedule", "cli", NULL}},
    };
    /* the original's names, each for the value it stands for */
    static const char *const aliases[][2] = {
        {"pending", "queued"}, {"stopping", "running"}, {"error", "failed"}};
    size_t f;
    size_t i;

    for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
        if (strcmp(v, aliases[i][0]) == 0) {
            v = aliases[i][1];
        }
    }
    for (f = 0; f < sizeof(filters) / sizeof(filters[0]); f++) {
        if (strcmp(field, filters[f].field) != 0) {
            continue;
        }
        if (names != NULL) {
            *names = filters[f].list;
        }
        for (i = 0; filters[f].values[i] != NULL; i++) {
            if (strcmp(v, filters[f].values[i]) == 0) {
                return filters[f].values[i];
            }
        }
    }
    return NULL;
}

int octo_jobs_query(const struct octo_job_query *q, json_t **jobs, long *total, octo_error *err)
{
    json_t *rows = NULL;
    json_t *row;
    size_t i;
    int rc = octo_store_job_list(q, &rows, total, err);

    *jobs = NULL;
    if (rc != OCTO_OK) {
        return rc;
    }
    *jobs = json_array();
    json_array_foreach(rows, i, row)
    {
        /* a job still running here is shown live (its current step) */
        struct octo_job *j = octo_job_find(json_string_value(json_object_get(row, "id")));

        if (j != NULL) {
            json_array_append_new(*jobs, octo_job_json(j, 0));
            octo_job_unref(j);
        } else {
            json_array_append_new(*jobs, octo_job_api_json(row, NULL, 0));
        }
    }
    json_decref(rows);
    return OCTO_OK;
}

int octo_jobs_delete(const struct octo_job_query *q, long *deleted, octo_error *err)
{
    struct octo_job_query safe = *q;
    int rc;

    safe.finished_only = 1; /* a running job's record is never deleted */
    rc = octo_store_job_delete(&safe, deleted, err);
    if (rc == OCTO_OK) {
        octo_jobs_forget(&safe); /* what GET /api/v1/jobs/{id} answers from memory */
    }
    return rc;
}
