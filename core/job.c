/* job.c - a job's lifecycle: creation, the executor's reports (started,
 * steps, finish), cancel, waiting, and its JSON (see job.h).
 *
 * The registry of jobs (job_registry.c), the live-event subscribers
 * (job_events.c) and the owner/orphan checks (job_owner.c) are split off
 * so each stays one concern; what they share is in job_int.h.
 *
 * Each job has its own mutex; the registry has one for its lists. Lock
 * order: registry, then a job (never the reverse). Store writes and
 * callbacks happen outside both.
 */
#include "job.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "job_int.h"
#include "job_json.h"
#include "locks.h"
#include "log.h"
#include "metrics.h"
#include "store.h"
#include "timeline.h"
#include "xalloc.h"

#define FLUSH_ROWS 100 /* timeline rows per store write while running */

double octo_job_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)(ts.tv_nsec / 1000) / 1e6;
}

static const char *state_name(int s)
{
    return s == OCTO_JOB_QUEUED ? "queued" : s == OCTO_JOB_RUNNING ? "running" : "finished";
}

struct octo_job *octo_job_new(const char *flow_path, const char *flow_abs, const char *source,
                              const char *schedule_id, json_t *input, double timeout)
{
    struct octo_job *j = octo_xcalloc(1, sizeof(*j));

    atomic_init(&j->refs, 2); /* the caller's and the registry's */
    octo_uuid4(j->id);
    j->flow_path = octo_xstrdup(flow_path);
    j->flow_abs = octo_xstrdup(flow_abs != NULL ? flow_abs : flow_path);
    octo_lock_name(j->flow_abs, j->lock_name, sizeof(j->lock_name));
    snprintf(j->source, sizeof(j->source), "%s", source);
    j->schedule_id = schedule_id != NULL ? octo_xstrdup(schedule_id) : NULL;
    j->input = input != NULL ? json_incref(input) : json_null();
    j->timeout = timeout;
    j->created = octo_job_now();
    j->state = OCTO_JOB_QUEUED;
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->cv, NULL);
    /* the deadline counts from the launch: time spent queued counts, as
     * the later original's did */
    octo_cancel_init(&j->cancel, timeout);
    octo_job_registry_add(j);
    return j;
}

void octo_job_discard(struct octo_job *j)
{
    int found = octo_job_registry_remove(j);

    pthread_mutex_lock(&j->mu);
    j->state = OCTO_JOB_FINISHED;
    pthread_mutex_unlock(&j->mu);
    if (found) {
        octo_job_unref(j); /* the registry's reference */
    }
}

static void release_rows(struct octo_step_row **rows, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        octo_step_row_unref(rows[i]);
    }
    free(rows);
}

struct octo_job *octo_job_ref(struct octo_job *j)
{
    atomic_fetch_add(&j->refs, 1);
    return j;
}

void octo_job_unref(struct octo_job *j)
{
    if (j == NULL || atomic_fetch_sub(&j->refs, 1) != 1) {
        return;
    }
    octo_lock_release(j->lock);
    free(j->flow_path);
    free(j->flow_abs);
    free(j->schedule_id);
    free(j->error);
    free(j->failed_step);
    json_decref(j->input);
    json_decref(j->result);
    octo_row_table_free(&j->rows);
    release_rows(j->pending, j->npending);
    octo_step_row_unref(j->current);
    octo_job_subs_free(j);
    octo_cancel_destroy(&j->cancel);
    pthread_mutex_destroy(&j->mu);
    pthread_cond_destroy(&j->cv);
    free(j);
}

static long data_cap(void)
{
    const struct octo_config *c = octo_config();

    return c != NULL ? c->jobs_max_data_bytes : 1L << 20;
}

void octo_job_record(struct octo_job *j)
{
    json_t *row = json_object();
    char owner[64];
    int truncated = 0;
    char *input = octo_json_capped(j->input, (size_t)data_cap(), &truncated);
    const struct octo_config *c = octo_config();

    octo_job_owner_of_self(owner, sizeof(owner));
    json_object_set_new(row, "id", json_string(j->id));
    json_object_set_new(row, "flow_path", json_string(j->flow_path));
    json_object_set_new(row, "source", json_string(j->source));
    json_object_set_new(row, "schedule_id",
                        j->schedule_id ? json_string(j->schedule_id) : json_null());
    json_object_set_new(row, "state", json_string("queued"));
    json_object_set_new(row, "status", json_null());
    json_object_set_new(row, "input", json_string(input));
    json_object_set_new(row, "input_truncated", json_integer(truncated));
    json_object_set_new(row, "created", json_real(j->created));
    json_object_set_new(row, "timeout", j->timeout > 0 ? json_real(j->timeout) : json_null());
    json_object_set_new(row, "node", json_string(c != NULL ? c->node_name : ""));
    json_object_set_new(row, "owner", json_string(owner));
    free(input);
    octo_store_job_insert(row);
}

void octo_job_started(struct octo_job *j, int worker_pid)
{
    json_t *row = json_object();
    json_t *ev;

    pthread_mutex_lock(&j->mu);
    j->state = OCTO_JOB_RUNNING;
    j->started = octo_job_now();
    j->worker_pid = worker_pid;
    if (j->subs != NULL) { /* built for live readers only: most jobs have none */
        ev = json_pack("{s:s, s:s}", "id", j->id, "state", "running");
        octo_job_publish(j, "state", ev, 0);
        json_decref(ev);
    }
    pthread_cond_broadcast(&j->cv);
    pthread_mutex_unlock(&j->mu);
    json_object_set_new(row, "id", json_string(j->id));
    json_object_set_new(row, "state", json_string("running"));
    json_object_set_new(row, "started", json_real(j->started));
    octo_store_job_update(row);
}

/* Queue a row for the store (a reference). Caller holds j->mu. */
static void pend(struct octo_job *j, struct octo_step_row *row)
{
    if (j->npending == j->cap_pending) {
        j->cap_pending = j->cap_pending != 0 ? j->cap_pending * 2 : FLUSH_ROWS;
        j->pending = octo_xrealloc(j->pending, j->cap_pending * sizeof(*j->pending));
    }
    j->pending[j->npending++] = octo_step_row_ref(row);
}

void octo_job_step(struct octo_job *j, struct octo_step_row *row)
{
    struct octo_step_row **flush = NULL;
    size_t nflush = 0;
    int running = octo_step_row_running(row);

    octo_metrics_step(row->type, row->outcome, running ? 0 : row->duration_us, row->error);
    pthread_mutex_lock(&j->mu);
    if (j->state == OCTO_JOB_FINISHED || (j->rows.n >= OCTO_TIMELINE_MAX_ROWS + 100 &&
                                          octo_row_table_get(&j->rows, row->seq) == NULL)) {
        pthread_mutex_unlock(&j->mu);
        octo_step_row_unref(row);
        return;
    }
    octo_row_table_put(&j->rows, row);
    if (row->depth == 0) {
        octo_step_row_unref(j->current);
        j->current = running ? octo_step_row_ref(row) : NULL;
    }
    if (!running) {
        pend(j, row);
        if (j->npending >= FLUSH_ROWS) {
            flush = j->pending;
            nflush = j->npending;
            j->pending = NULL;
            j->npending = 0;
            j->cap_pending = 0;
        }
    }
    if (j->subs != NULL) {
        json_t *stored = octo_step_row_json(row);
        json_t *api = octo_job_step_api_json(stored);

        octo_job_publish(j, "step", api, 0);
        json_decref(api);
        json_decref(stored);
    }
    pthread_mutex_unlock(&j->mu);
    octo_step_row_unref(row);
    if (flush != NULL) {
        octo_store_job_steps(j->id, flush, nflush);
    }
}

void octo_job_step_if_new(struct octo_job *j, struct octo_step_row *row)
{
    int have;

    pthread_mutex_lock(&j->mu);
    have = octo_row_table_get(&j->rows, row->seq) != NULL;
    pthread_mutex_unlock(&j->mu);
    if (have) {
        octo_step_row_unref(row);
        return;
    }
    octo_job_step(j, row);
}

/* Rows of steps that were running when the job ended: they ended with
 * it. Caller holds j->mu. */
static void close_running_rows(struct octo_job *j, const char *message)
{
    size_t n = 0;
    size_t i;
    struct octo_step_row **rows = octo_row_table_sorted(&j->rows, &n);
    char *text = NULL;

    for (i = 0; i < n; i++) {
        struct octo_step_row *ended;

        if (!octo_step_row_running(rows[i])) {
            continue;
        }
        if (text == NULL) {
            json_t *err = json_pack("{s:s, s:s}", "type", "internal", "message",
                                    message != NULL ? message : "the job ended");

            text = json_dumps(err, JSON_COMPACT);
            json_decref(err);
        }
        ended = octo_step_row_ended(rows[i], "aborted",
                                    (long long)((j->ended - rows[i]->started) * 1e6),
                                    text != NULL ? text : "null");
        octo_row_table_put(&j->rows, ended); /* releases the running row */
        pend(j, ended);
        octo_step_row_unref(ended);
    }
    free(text);
    free(rows);
    octo_step_row_unref(j->current);
    j->current = NULL;
}

void octo_job_finish(struct octo_job *j, int status, const char *message, const char *step,
                     json_t *data, long steps_dropped)
{
    json_t *row = json_object();
    struct octo_step_row **rows;
    size_t nrows;
    json_t *ev;
    char *text = NULL;
    int truncated = 0;

    pthread_mutex_lock(&j->mu);
    if (j->state == OCTO_JOB_FINISHED) {
        pthread_mutex_unlock(&j->mu);
        json_decref(data);
        json_decref(row);
        return;
    }
    j->state = OCTO_JOB_FINISHED;
    j->status = status;
    j->ended = octo_job_now();
    if (j->started <= 0) {
        j->started = 0;
    }
    free(j->error);
    j->error = message != NULL && status != OCTO_RUN_SUCCESS ? octo_xstrdup(message) : NULL;
    if (status == OCTO_RUN_EXIT && message != NULL) {
        free(j->error);
        j->error = octo_xstrdup(message);
    }
    j->failed_step = step != NULL && step[0] != '\0' ? octo_xstrdup(step) : NULL;
    j->result = data;
    j->steps_dropped = steps_dropped;
    close_running_rows(j, message);
    rows = j->pending;
    nrows = j->npending;
    j->pending = NULL;
    j->npending = 0;
    j->cap_pending = 0;
    pthread_mutex_unlock(&j->mu);

    /* The lock goes before anyone is told: a client that launches again
     * right after its answer must not get "already running". */
    octo_lock_release(j->lock);
    j->lock = NULL;
    if (data != NULL) {
        text = octo_json_capped(data, (size_t)data_cap(), &truncated);
    }
    if (nrows > 0) {
        octo_store_job_steps(j->id, rows, nrows);
    } else {
        free(rows);
    }
    json_object_set_new(row, "id", json_string(j->id));
    json_object_set_new(row, "state", json_string("finished"));
    json_object_set_new(row, "status",
                        json_string(j->abandoned ? "abandoned" : octo_run_status_name(status)));
    json_object_set_new(row, "error", j->error != NULL ? json_string(j->error) : json_null());
    json_object_set_new(row, "result", text != NULL ? json_string(text) : json_null());
    json_object_set_new(row, "result_truncated", json_integer(truncated));
    json_object_set_new(row, "ended", json_real(j->ended));
    json_object_set_new(row, "steps_dropped", json_integer(steps_dropped));
    octo_metrics_job_finished(j->flow_path, json_string_value(json_object_get(row, "status")),
                              j->source, j->started > 0 ? j->ended - j->started : -1);
    if (j->started > 0) {
        json_object_set_new(row, "started", json_real(j->started));
    }
    free(text);
    octo_store_job_update(row);
    octo_log(status == OCTO_RUN_SUCCESS ? OCTO_LOG_INFO : OCTO_LOG_WARN,
             "[job %.8s] Job %s (%s, %s) finished: %s%s%s", j->id, j->id, j->flow_path, j->source,
             octo_run_status_name(status), j->error != NULL ? ": " : "",
             j->error != NULL ? j->error : "");

    octo_job_registry_retire(j);

    pthread_mutex_lock(&j->mu);
    if (j->subs != NULL) { /* the whole job as JSON: only for live readers */
        ev = octo_job_json_locked(j, 0);
        octo_job_publish(j, "end", ev, 1);
        json_decref(ev);
    }
    pthread_cond_broadcast(&j->cv);
    pthread_mutex_unlock(&j->mu);
    if (j->on_finish != NULL) {
        j->on_finish(j, j->on_finish_ud);
    }
}

int octo_job_cancel(struct octo_job *j)
{
    pthread_mutex_lock(&j->mu);
    if (j->state == OCTO_JOB_FINISHED) {
        pthread_mutex_unlock(&j->mu);
        return -1;
    }
    j->cancel_requested = 1;
    pthread_mutex_unlock(&j->mu);
    octo_log(OCTO_LOG_INFO, "[job %.8s] cancel requested", j->id);
    octo_cancel_request(&j->cancel);
    if (j->on_cancel != NULL) {
        j->on_cancel(j);
    }
    return 0;
}

int octo_job_wait(struct octo_job *j, double seconds)
{
    struct timespec until;
    int done;

    if (seconds >= 0) {
        double t = octo_job_now() + seconds;

        until.tv_sec = (time_t)t;
        until.tv_nsec = (long)((t - (double)until.tv_sec) * 1e9);
    }
    pthread_mutex_lock(&j->mu);
    while (j->state != OCTO_JOB_FINISHED) {
        if (seconds < 0) {
            pthread_cond_wait(&j->cv, &j->mu);
        } else if (pthread_cond_timedwait(&j->cv, &j->mu, &until) != 0) {
            break;
        }
    }
    done = j->state == OCTO_JOB_FINISHED;
    pthread_mutex_unlock(&j->mu);
    return done;
}

/* The job as a store row, plus its rows sorted (new). Caller holds mu. */
static json_t *as_row(struct octo_job *j, int detail, json_t **steps)
{
    json_t *row = json_object();
    const struct octo_config *c = octo_config();

    json_object_set_new(row, "id", json_string(j->id));
    json_object_set_new(row, "flow_path", json_string(j->flow_path));
    json_object_set_new(row, "source", json_string(j->source));
    json_object_set_new(row, "schedule_id",
                        j->schedule_id ? json_string(j->schedule_id) : json_null());
    json_object_set_new(row, "state", json_string(state_name(j->state)));
    json_object_set_new(
        row, "status",
        j->state == OCTO_JOB_FINISHED
            ? json_string(j->abandoned ? "abandoned" : octo_run_status_name(j->status))
            : json_null());
    json_object_set_new(row, "error", j->error != NULL ? json_string(j->error) : json_null());
    json_object_set_new(row, "created", json_real(j->created));
    json_object_set_new(row, "started", j->started > 0 ? json_real(j->started) : json_null());
    json_object_set_new(row, "ended", j->ended > 0 ? json_real(j->ended) : json_null());
    json_object_set_new(row, "timeout", j->timeout > 0 ? json_real(j->timeout) : json_null());
    json_object_set_new(row, "node", json_string(c != NULL ? c->node_name : ""));
    json_object_set_new(row, "steps_dropped", json_integer(j->steps_dropped));
    if (detail) {
        int t = 0;
        char *text = octo_json_capped(j->input, (size_t)data_cap(), &t);
        struct octo_step_row **items;
        size_t n = 0;
        size_t i;

        json_object_set_new(row, "input", json_string(text));
        json_object_set_new(row, "input_truncated", json_integer(t));
        free(text);
        if (j->result != NULL) {
            text = octo_json_capped(j->result, (size_t)data_cap(), &t);
            json_object_set_new(row, "result", json_string(text));
            json_object_set_new(row, "result_truncated", json_integer(t));
            free(text);
        }
        items = octo_row_table_sorted(&j->rows, &n);
        *steps = json_array();
        for (i = 0; i < n; i++) {
            json_array_append_new(*steps, octo_step_row_json(items[i]));
        }
        free(items);
    }
    return row;
}

/* Caller holds j->mu. */
json_t *octo_job_json_locked(struct octo_job *j, int with_detail)
{
    json_t *steps = NULL;
    json_t *row = as_row(j, with_detail, &steps);
    json_t *out = octo_job_api_json(row, steps, with_detail);

    if (j->current != NULL && j->state == OCTO_JOB_RUNNING) {
        json_t *stored = octo_step_row_json(j->current);

        json_object_set_new(out, "current_step", octo_job_step_api_json(stored));
        json_decref(stored);
    }
    json_decref(row);
    json_decref(steps);
    return out;
}

json_t *octo_job_json(struct octo_job *j, int with_detail)
{
    json_t *out;

    pthread_mutex_lock(&j->mu);
    out = octo_job_json_locked(j, with_detail);
    pthread_mutex_unlock(&j->mu);
    return out;
}
