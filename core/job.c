/* job.c - jobs of this process: lifecycle, registry, waiting, live
 * events (see job.h).
 *
 * Each job has its own mutex; the registry has one for its lists. Lock
 * order: registry, then a job (never the reverse). Store writes and
 * callbacks happen outside both.
 */
#include "job.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "job_json.h"
#include "locks.h"
#include "log.h"
#include "metrics.h"
#include "store.h"
#include "timeline.h"
#include "xalloc.h"

#define RECENT        256   /* finished jobs kept in memory */
#define FLUSH_ROWS    100   /* timeline rows per store write while running */
#define SUB_QUEUE_MAX 10000 /* events a slow subscriber may lag behind */

struct octo_job_sub {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    json_t *queue; /* events not yet taken */
    int ended;     /* the final event is queued */
    int lost;      /* events dropped for a slow reader */
    struct octo_job_sub *next;
};

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_idle = PTHREAD_COND_INITIALIZER;
static struct octo_job **g_active;
static size_t g_nactive;
static size_t g_capactive;
static struct octo_job *g_recent[RECENT];
static size_t g_recent_next;

static json_t *job_json_locked(struct octo_job *j, int with_detail);

static double now_real(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)(ts.tv_nsec / 1000) / 1e6;
}

static const char *state_name(int s)
{
    return s == OCTO_JOB_QUEUED ? "queued" : s == OCTO_JOB_RUNNING ? "running" : "finished";
}

/* The start time of a process in clock ticks since boot (field 22 of
 * /proc/PID/stat), 0 when it does not exist. With the pid it names a
 * process uniquely: pids are reused, (pid, start time) pairs are not. */
static unsigned long long proc_start(long pid)
{
    char path[64];
    char buf[1024];
    FILE *fp;
    size_t n;
    char *p;
    int field;
    unsigned long long v = 0;

    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    fp = fopen(path, "re");
    if (fp == NULL) {
        return 0;
    }
    n = fread(buf, 1, sizeof(buf) - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    p = strrchr(buf, ')'); /* the command name may hold spaces and ')' */
    if (p == NULL) {
        return 0;
    }
    for (field = 2; field < 22 && p != NULL; field++) {
        p = strchr(p + 1, ' ');
    }
    if (p != NULL) {
        v = strtoull(p + 1, NULL, 10);
    }
    return v;
}

/* This process's start time, read once per process (a launch used to read
 * /proc for it): the pid is stored after the start time, so a thread that
 * sees its own pid also sees the start time that goes with it, and a
 * forked child, whose pid differs, reads its own. */
static atomic_ullong g_self_start;
static atomic_long g_self_pid;

static void owner_of_self(char *out, size_t cap)
{
    long pid = (long)getpid();

    if (atomic_load(&g_self_pid) != pid) {
        atomic_store(&g_self_start, proc_start(pid));
        atomic_store(&g_self_pid, pid);
    }
    snprintf(out, cap, "%ld:%llu", pid, atomic_load(&g_self_start));
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
    j->created = now_real();
    j->state = OCTO_JOB_QUEUED;
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->cv, NULL);
    /* the deadline counts from the launch: time spent queued counts, as
     * the later original's did */
    octo_cancel_init(&j->cancel, timeout);
    pthread_mutex_lock(&g_mu);
    if (g_nactive == g_capactive) {
        g_capactive = g_capactive ? g_capactive * 2 : 64;
        g_active = octo_xrealloc(g_active, g_capactive * sizeof(*g_active));
    }
    g_active[g_nactive++] = j;
    pthread_mutex_unlock(&g_mu);
    return j;
}

void octo_job_discard(struct octo_job *j)
{
    size_t i;
    int found = 0;

    pthread_mutex_lock(&g_mu);
    for (i = 0; i < g_nactive; i++) {
        if (g_active[i] == j) {
            g_active[i] = g_active[--g_nactive];
            found = 1;
            break;
        }
    }
    pthread_cond_broadcast(&g_idle);
    pthread_mutex_unlock(&g_mu);
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
    struct octo_job_sub *s;

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
    while ((s = j->subs) != NULL) { /* unsubscribed subscribers are gone */
        j->subs = s->next;
        json_decref(s->queue);
        pthread_mutex_destroy(&s->mu);
        pthread_cond_destroy(&s->cv);
        free(s);
    }
    octo_cancel_destroy(&j->cancel);
    pthread_mutex_destroy(&j->mu);
    pthread_cond_destroy(&j->cv);
    free(j);
}

struct octo_job *octo_job_find(const char *id)
{
    struct octo_job *found = NULL;
    size_t i;

    pthread_mutex_lock(&g_mu);
    for (i = 0; i < g_nactive && found == NULL; i++) {
        if (strcmp(g_active[i]->id, id) == 0) {
            found = octo_job_ref(g_active[i]);
        }
    }
    for (i = 0; i < RECENT && found == NULL; i++) {
        if (g_recent[i] != NULL && strcmp(g_recent[i]->id, id) == 0) {
            found = octo_job_ref(g_recent[i]);
        }
    }
    pthread_mutex_unlock(&g_mu);
    return found;
}

struct octo_job *octo_job_find_by_lock(const char *lock_name)
{
    struct octo_job *found = NULL;
    size_t i;

    pthread_mutex_lock(&g_mu);
    for (i = 0; i < g_nactive && found == NULL; i++) {
        if (strcmp(g_active[i]->lock_name, lock_name) == 0) {
            found = octo_job_ref(g_active[i]);
        }
    }
    pthread_mutex_unlock(&g_mu);
    return found;
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

    owner_of_self(owner, sizeof(owner));
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

/* Queue an event to every subscriber. Caller holds j->mu. */
static void publish(struct octo_job *j, const char *event, json_t *data, int final)
{
    struct octo_job_sub *s;

    for (s = j->subs; s != NULL; s = s->next) {
        pthread_mutex_lock(&s->mu);
        if (!s->ended) {
            if (json_array_size(s->queue) < SUB_QUEUE_MAX || final) {
                json_array_append_new(s->queue,
                                      json_pack("{s:s, s:O}", "event", event, "data", data));
            } else {
                s->lost++;
            }
            s->ended = final;
            pthread_cond_signal(&s->cv);
        }
        pthread_mutex_unlock(&s->mu);
    }
}

void octo_job_started(struct octo_job *j, int worker_pid)
{
    json_t *row = json_object();
    json_t *ev;

    pthread_mutex_lock(&j->mu);
    j->state = OCTO_JOB_RUNNING;
    j->started = now_real();
    j->worker_pid = worker_pid;
    ev = json_pack("{s:s, s:s}", "id", j->id, "state", "running");
    publish(j, "state", ev, 0);
    json_decref(ev);
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

        publish(j, "step", api, 0);
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
    size_t i;
    int found = 0;

    pthread_mutex_lock(&j->mu);
    if (j->state == OCTO_JOB_FINISHED) {
        pthread_mutex_unlock(&j->mu);
        json_decref(data);
        json_decref(row);
        return;
    }
    j->state = OCTO_JOB_FINISHED;
    j->status = status;
    j->ended = now_real();
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

    pthread_mutex_lock(&g_mu);
    for (i = 0; i < g_nactive; i++) {
        if (g_active[i] == j) {
            g_active[i] = g_active[--g_nactive];
            found = 1;
            break;
        }
    }
    if (found) {
        struct octo_job *old = g_recent[g_recent_next];

        g_recent[g_recent_next] = j; /* the registry's reference moves here */
        g_recent_next = (g_recent_next + 1) % RECENT;
        if (old != NULL) {
            pthread_mutex_unlock(&g_mu);
            octo_job_unref(old);
            pthread_mutex_lock(&g_mu);
        }
    }
    pthread_cond_broadcast(&g_idle);
    pthread_mutex_unlock(&g_mu);

    pthread_mutex_lock(&j->mu);
    ev = job_json_locked(j, 0);
    publish(j, "end", ev, 1);
    json_decref(ev);
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
        double t = now_real() + seconds;

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
static json_t *job_json_locked(struct octo_job *j, int with_detail)
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
    out = job_json_locked(j, with_detail);
    pthread_mutex_unlock(&j->mu);
    return out;
}

json_t *octo_jobs_active_json(void)
{
    json_t *a = json_array();
    size_t i;

    pthread_mutex_lock(&g_mu);
    for (i = 0; i < g_nactive; i++) {
        json_array_append_new(a, octo_job_json(g_active[i], 0));
    }
    pthread_mutex_unlock(&g_mu);
    return a;
}

size_t octo_jobs_active_count(void)
{
    size_t n;

    pthread_mutex_lock(&g_mu);
    n = g_nactive;
    pthread_mutex_unlock(&g_mu);
    return n;
}

size_t octo_jobs_queued_count(void)
{
    size_t n = 0;
    size_t i;

    pthread_mutex_lock(&g_mu);
    for (i = 0; i < g_nactive; i++) {
        n += g_active[i]->state == OCTO_JOB_QUEUED;
    }
    pthread_mutex_unlock(&g_mu);
    return n;
}

size_t octo_jobs_wait_idle(double seconds)
{
    struct timespec until;
    double t = now_real() + seconds;
    size_t n;

    until.tv_sec = (time_t)t;
    until.tv_nsec = (long)((t - (double)until.tv_sec) * 1e9);
    pthread_mutex_lock(&g_mu);
    while (g_nactive > 0) {
        if (pthread_cond_timedwait(&g_idle, &g_mu, &until) != 0) {
            break;
        }
    }
    n = g_nactive;
    pthread_mutex_unlock(&g_mu);
    return n;
}

void octo_jobs_cancel_all(void)
{
    struct octo_job **list;
    size_t n;
    size_t i;

    pthread_mutex_lock(&g_mu);
    n = g_nactive;
    list = octo_xcalloc(n + 1, sizeof(*list));
    for (i = 0; i < n; i++) {
        list[i] = octo_job_ref(g_active[i]);
    }
    pthread_mutex_unlock(&g_mu);
    for (i = 0; i < n; i++) {
        octo_job_cancel(list[i]);
        octo_job_unref(list[i]);
    }
    free(list);
}

struct octo_job_sub *octo_job_subscribe(struct octo_job *j)
{
    struct octo_job_sub *s = octo_xcalloc(1, sizeof(*s));

    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->queue = json_array();
    pthread_mutex_lock(&j->mu);
    if (j->state == OCTO_JOB_FINISHED) {
        json_t *ev = job_json_locked(j, 0);

        json_array_append_new(s->queue, json_pack("{s:s, s:o}", "event", "end", "data", ev));
        s->ended = 1;
    }
    s->next = j->subs;
    j->subs = s;
    pthread_mutex_unlock(&j->mu);
    return s;
}

json_t *octo_job_sub_next(struct octo_job_sub *s, double timeout, int *closed)
{
    struct timespec until;
    double t = now_real() + timeout;
    json_t *ev = NULL;

    until.tv_sec = (time_t)t;
    until.tv_nsec = (long)((t - (double)until.tv_sec) * 1e9);
    *closed = 0;
    pthread_mutex_lock(&s->mu);
    while (json_array_size(s->queue) == 0 && !s->ended) {
        if (pthread_cond_timedwait(&s->cv, &s->mu, &until) != 0) {
            break;
        }
    }
    if (json_array_size(s->queue) > 0) {
        ev = json_incref(json_array_get(s->queue, 0));
        json_array_remove(s->queue, 0);
    }
    *closed = s->ended && json_array_size(s->queue) == 0 && ev == NULL;
    if (ev != NULL && s->ended && json_array_size(s->queue) == 0) {
        *closed = 1; /* this was the final event */
    }
    pthread_mutex_unlock(&s->mu);
    return ev;
}

void octo_job_unsubscribe(struct octo_job *j, struct octo_job_sub *s)
{
    struct octo_job_sub **p;

    pthread_mutex_lock(&j->mu);
    for (p = &j->subs; *p != NULL; p = &(*p)->next) {
        if (*p == s) {
            *p = s->next;
            break;
        }
    }
    pthread_mutex_unlock(&j->mu);
    json_decref(s->queue);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s);
}

/* Is the process named by an owner text ("pid:start") still alive? */
static int owner_alive(const char *owner)
{
    long pid = 0;
    unsigned long long start = 0;

    if (owner == NULL || sscanf(owner, "%ld:%llu", &pid, &start) != 2 || pid <= 0) {
        return 0;
    }
    if (pid == (long)getpid() && start == proc_start(pid)) {
        return 1;
    }
    if (kill((pid_t)pid, 0) != 0 && errno == ESRCH) {
        return 0;
    }
    return proc_start(pid) == start;
}

int octo_jobs_abandon_orphans(void)
{
    static const char *const states[] = {"queued", "running"};
    const struct octo_config *c = octo_config();
    int n = 0;
    size_t s;

    for (s = 0; s < 2; s++) {
        struct octo_job_query q;
        json_t *rows = NULL;
        json_t *row;
        size_t i;
        octo_error err;

        memset(&q, 0, sizeof(q));
        memset(&err, 0, sizeof(err));
        q.state = states[s];
        q.limit = 100000;
        if (octo_store_job_list(&q, &rows, NULL, &err) != OCTO_OK) {
            continue;
        }
        json_array_foreach(rows, i, row)
        {
            json_t *full = NULL;
            const char *node = json_string_value(json_object_get(row, "node"));
            json_t *upd;
            char msg[300];

            if (c == NULL || node == NULL || strcmp(node, c->node_name) != 0) {
                continue; /* another node's job: that node decides */
            }
            if (octo_store_job_get(json_string_value(json_object_get(row, "id")), &full, NULL,
                                   &err) != OCTO_OK ||
                full == NULL || owner_alive(json_string_value(json_object_get(full, "owner")))) {
                json_decref(full);
                continue;
            }
            snprintf(msg, sizeof(msg),
                     "abandoned: the process that ran it (%s) ended while it was %s (crash, "
                     "kill -9 or power loss)",
                     json_string_value(json_object_get(full, "owner")) != NULL
                         ? json_string_value(json_object_get(full, "owner"))
                         : "?",
                     states[s]);
            /* the id copied, not shared: the store's writer thread owns upd */
            upd = json_pack("{s:s, s:s, s:s, s:s, s:f}", "id",
                            json_string_value(json_object_get(row, "id")), "state", "finished",
                            "status", "abandoned", "error", msg, "ended", now_real());
            octo_store_job_update(upd);
            octo_log(OCTO_LOG_WARN, "Job %s (%s) %s", json_string_value(json_object_get(row, "id")),
                     json_string_value(json_object_get(row, "flow_path")), msg);
            json_decref(full);
            n++;
        }
        json_decref(rows);
    }
    return n;
}

/* Does finished job j match q as the store's WHERE clause would
 * (store_sqlite.c, where())? Caller holds j->mu. */
static int matches_locked(const struct octo_job *j, const struct octo_job_query *q)
{
    double start = j->started > 0 ? j->started : j->created;
    const char *status = j->abandoned ? "abandoned" : octo_run_status_name(j->status);

    return (q->id == NULL || strcmp(q->id, j->id) == 0) &&
           (q->flow == NULL || strcmp(q->flow, j->flow_path) == 0) &&
           (q->state == NULL || strcmp(q->state, "finished") == 0) &&
           (q->status == NULL || strcmp(q->status, status) == 0) &&
           (q->source == NULL || strcmp(q->source, j->source) == 0) &&
           (q->started_from <= 0 || start >= q->started_from) &&
           (q->started_to <= 0 || start <= q->started_to) &&
           (q->ended_from <= 0 || j->ended >= q->ended_from) &&
           (q->ended_to <= 0 || j->ended <= q->ended_to) &&
           (q->ended_before <= 0 || j->ended < q->ended_before);
}

void octo_jobs_forget(const struct octo_job_query *q)
{
    struct octo_job *gone[RECENT];
    size_t n = 0;
    size_t i;

    pthread_mutex_lock(&g_mu);
    for (i = 0; i < RECENT; i++) {
        struct octo_job *j = g_recent[i];
        int hit;

        if (j == NULL) {
            continue;
        }
        pthread_mutex_lock(&j->mu);
        hit = j->state == OCTO_JOB_FINISHED && matches_locked(j, q);
        pthread_mutex_unlock(&j->mu);
        if (hit) {
            g_recent[i] = NULL;
            gone[n++] = j;
        }
    }
    pthread_mutex_unlock(&g_mu);
    for (i = 0; i < n; i++) {
        octo_job_unref(gone[i]); /* the registry's reference */
    }
}

void octo_jobs_forget_ids(json_t *ids)
{
    struct octo_job *gone[RECENT];
    size_t n = 0;
    size_t i;

    pthread_mutex_lock(&g_mu);
    for (i = 0; i < RECENT; i++) {
        struct octo_job *j = g_recent[i];
        size_t k;
        json_t *id;

        if (j == NULL) {
            continue;
        }
        json_array_foreach(ids, k, id)
        {
            if (json_is_string(id) && strcmp(json_string_value(id), j->id) == 0) {
                g_recent[i] = NULL;
                gone[n++] = j;
                break;
            }
        }
    }
    pthread_mutex_unlock(&g_mu);
    for (i = 0; i < n; i++) {
        octo_job_unref(gone[i]); /* the registry's reference */
    }
}

void octo_jobs_clear(void)
{
    size_t i;

    pthread_mutex_lock(&g_mu);
    for (i = 0; i < RECENT; i++) {
        if (g_recent[i] != NULL) {
            struct octo_job *j = g_recent[i];

            g_recent[i] = NULL;
            pthread_mutex_unlock(&g_mu);
            octo_job_unref(j);
            pthread_mutex_lock(&g_mu);
        }
    }
    pthread_mutex_unlock(&g_mu);
}
