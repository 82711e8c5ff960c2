/* scheduler.c - flows on a schedule: cron or every N seconds (see
 * scheduler.h).
 *
 * DESIGN
 * ------
 * Entries live in a list under one mutex. One timer thread sleeps until
 * the earliest due entry (or a change) and fires it through the front
 * door (octo_launch, source "schedule"); the run's end comes back through
 * the job's on_finish callback, which records the outcome and computes
 * the next fire time. The timer thread never runs a flow and never
 * waits for one, so a long flow delays no other schedule.
 *
 * Fire logic, per entry:
 * - due, not running: launch. A flow already running (the API, another
 *   process) is the overlap case: "skip" drops this fire, "queue" keeps
 *   one pending fire and retries each second until the lock is free.
 * - due while its own previous run is still going: "skip" waits for the
 *   run to end and continues with the next fire time after it; "queue"
 *   fires once more right after it.
 * - every_seconds counts from the end of the previous run (the
 *   original's rule); cron fire times missed meanwhile are skipped.
 *
 * Schedules added through the API are stored (store.h) and come back
 * after a restart; the `missed: last` policy then fires once at start
 * when a fire time passed while the service was down. Schedules from
 * config.yml belong to the file: re-read at each start, never stored.
 */
#include "scheduler.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "cron.h"
#include "errors.h"
#include "flow.h"
#include "job.h"
#include "log.h"
#include "runner.h"
#include "store.h"
#include "timefmt.h"
#include "xalloc.h"

#define MAX_EVERY   ((long)OCTO_SECONDS_MAX)
#define QUEUE_RETRY 1.0

struct entry {
    char id[37];
    char *path;
    char *abs; /* canonical path: the duplicate check */
    char *cron_text;
    struct octo_cron *cron;
    long every;
    double timeout;
    int overlap_queue; /* overlap: queue */
    int missed_last;   /* missed: last */
    int paused;
    int from_config;
    double created;
    double next;      /* epoch seconds; INFINITY when paused */
    double last_run;  /* end of the last run; 0: never */
    double last_fire; /* the fire time the last run was for */
    double last_lag;  /* seconds between a fire time and its launch */
    char last_job_id[37];
    char last_status[16];
    int running; /* a run of this schedule is in progress */
    int queued;  /* one more run is waiting (overlap: queue) */
    int removed;
    int refs; /* under g_mu */
    struct entry *next_entry;
};

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv;
static struct entry *g_head;
static pthread_t g_thread;
static int g_started;
static int g_stopping;

/* Wall-clock time: fire times are wall-clock instants (cron in
 * TIMEZONE), and the timer's condition variable waits on the same clock
 * (pthread_cond_init's default, CLOCK_REALTIME). */
static double now_epoch(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Next fire time strictly after t. Caller holds g_mu or owns e. */
static double next_after(const struct entry *e, double t)
{
    time_t next = 0;

    if (e->cron != NULL) {
        if (octo_cron_next(e->cron, octo_timefmt_zone(), (time_t)floor(t), &next) != OCTO_OK) {
            return INFINITY;
        }
        return (double)next;
    }
    return t + (double)e->every;
}

static void entry_unref_locked(struct entry *e)
{
    if (--e->refs == 0) {
        free(e->path);
        free(e->abs);
        free(e->cron_text);
        octo_cron_free(e->cron);
        free(e);
    }
}

/* The stored row of an API schedule (new). Caller holds g_mu. */
static json_t *row_of(const struct entry *e)
{
    json_t *r = json_object();

    json_object_set_new(r, "id", json_string(e->id));
    json_object_set_new(r, "path", json_string(e->path));
    json_object_set_new(r, "cron", e->cron_text ? json_string(e->cron_text) : json_null());
    json_object_set_new(r, "every_seconds", e->cron == NULL ? json_integer(e->every) : json_null());
    json_object_set_new(r, "timeout", json_real(e->timeout));
    json_object_set_new(r, "overlap", json_string(e->overlap_queue ? "queue" : "skip"));
    json_object_set_new(r, "missed", json_string(e->missed_last ? "last" : "none"));
    json_object_set_new(r, "paused", json_integer(e->paused));
    json_object_set_new(r, "created", json_real(e->created));
    json_object_set_new(r, "last_job_id",
                        e->last_job_id[0] ? json_string(e->last_job_id) : json_null());
    json_object_set_new(r, "last_status",
                        e->last_status[0] ? json_string(e->last_status) : json_null());
    json_object_set_new(r, "last_run", e->last_run > 0 ? json_real(e->last_run) : json_null());
    json_object_set_new(r, "last_fire", e->last_fire > 0 ? json_real(e->last_fire) : json_null());
    return r;
}

static void persist_locked(const struct entry *e)
{
    if (!e->from_config && !e->removed) {
        octo_store_sched_put(row_of(e));
    }
}

static void run_done(struct octo_job *j, void *ud);

/* Fire e. Called with g_mu held; drops it around the launch. */
static void fire_locked(struct entry *e, double due)
{
    struct octo_launch_req req;
    struct octo_job *job = NULL;
    octo_error err;
    char path[4096];
    char sid[37];
    double timeout = e->timeout;
    int rc;

    e->running = 1;
    e->queued = 0;
    /* not due again while this fire is handled: run_done sets the next
     * time for every_seconds (from the end of the run). A cron schedule
     * continues from now, not from the fire time it was due at: a fire
     * that came late (a busy machine, a suspended VM) is not followed by
     * a burst of the fire times it slept through. */
    e->next = e->cron != NULL ? next_after(e, fmax(due, now_epoch())) : INFINITY;
    e->refs += 2; /* this call's, and the run's (released by run_done) */
    snprintf(path, sizeof(path), "%s", e->path);
    snprintf(sid, sizeof(sid), "%s", e->id);
    pthread_mutex_unlock(&g_mu);

    memset(&req, 0, sizeof(req));
    memset(&err, 0, sizeof(err));
    req.flow = path;
    req.input = NULL; /* replaced below: a fresh {} per run, as the original */
    req.timeout = timeout;
    req.source = "schedule";
    req.schedule_id = sid;
    req.on_finish = run_done;
    req.ud = e;
    {
        json_t *input = json_object();

        req.input = input;
        rc = octo_launch(&req, &job, &err);
        json_decref(input);
    }

    pthread_mutex_lock(&g_mu);
    if (rc == OCTO_LAUNCHED) {
        e->last_fire = due;
        e->last_lag = now_epoch() - due;
        snprintf(e->last_job_id, sizeof(e->last_job_id), "%s", octo_job_id(job));
        persist_locked(e);
        pthread_mutex_unlock(&g_mu);
        octo_job_unref(job);
        pthread_mutex_lock(&g_mu);
        entry_unref_locked(e); /* this call's */
        return;
    }
    /* not launched: run_done will not come */
    e->running = 0;
    e->refs--;
    if (rc == OCTO_LAUNCH_BUSY) {
        if (e->overlap_queue) {
            e->queued = 1;
            e->next = now_epoch() + QUEUE_RETRY;
            octo_log(OCTO_LOG_INFO,
                     "Flow %s is already running: the scheduled run waits "
                     "(overlap: queue)",
                     e->path);
        } else {
            snprintf(e->last_status, sizeof(e->last_status), "skipped");
            e->next = next_after(e, fmax(now_epoch(), due));
            octo_log(OCTO_LOG_WARN, "Flow %s is already running. Skipping.", e->path);
        }
    } else if (rc != OCTO_LAUNCH_UNAVAILABLE || err.code != OCTO_ECANCELED) {
        /* a refused launch (invalid flow, job store too far behind) is
         * this fire's error and the schedule goes on; a shutdown
         * (UNAVAILABLE with ECANCELED) is no error: the timer stops */
        snprintf(e->last_status, sizeof(e->last_status), "error");
        e->next = next_after(e, fmax(now_epoch(), due));
        octo_log(OCTO_LOG_ERROR, "Error running flow %s: %s", e->path, err.msg);
    }
    persist_locked(e);
    entry_unref_locked(e);
}

static void run_done(struct octo_job *j, void *ud)
{
    struct entry *e = ud;
    int status = 0;
    const char *message = NULL;
    const char *step = NULL;

    octo_job_outcome(j, &status, &message, &step, NULL);
    if (status != OCTO_RUN_SUCCESS) {
        octo_log(OCTO_LOG_ERROR, "[job %.8s] Scheduled run of %s failed: %s%s%s", octo_job_id(j),
                 e->path, step != NULL ? step : "", step != NULL ? ": " : "",
                 message != NULL ? message : octo_run_status_name(status));
    }
    pthread_mutex_lock(&g_mu);
    e->running = 0;
    e->last_run = now_epoch();
    snprintf(e->last_status, sizeof(e->last_status), "%s", octo_run_status_name(status));
    if (e->queued) {
        e->next = e->last_run; /* overlap: queue - the waiting run goes now */
    } else if (e->cron == NULL) {
        e->next = e->last_run + (double)e->every; /* counted from the end of the run */
    } else if (e->next <= e->last_run) {
        e->next = next_after(e, e->last_run); /* fire times missed meanwhile are skipped */
    }
    persist_locked(e);
    if (g_started) {
        pthread_cond_signal(&g_cv);
    }
    entry_unref_locked(e);
    pthread_mutex_unlock(&g_mu);
}

static void *timer_main(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&g_mu);
    while (!g_stopping) {
        double now = now_epoch();
        double earliest = INFINITY;
        struct entry *e;
        int fired = 0;

        for (e = g_head; e != NULL && !fired; e = e->next_entry) {
            if (e->paused) {
                continue;
            }
            if (e->next <= now) {
                if (e->running) {
                    if (e->overlap_queue) {
                        e->queued = 1; /* one more after the current run */
                    }
                    continue; /* run_done sets the next time */
                }
                fire_locked(e, e->next);
                fired = 1; /* the list may have changed while unlocked */
                continue;
            }
            if (e->next < earliest) {
                earliest = e->next;
            }
        }
        if (fired) {
            continue;
        }
        /* Wake at least hourly: the wait is on the wall clock, so a clock
         * stepped back by a day would otherwise sleep a day past the fire
         * times the entries now show. */
        if (isinf(earliest) || earliest - now > 3600) {
            earliest = now + 3600;
        }
        {
            struct timespec ts;

            ts.tv_sec = (time_t)earliest;
            ts.tv_nsec = (long)((earliest - (double)ts.tv_sec) * 1e9);
            pthread_cond_timedwait(&g_cv, &g_mu, &ts);
        }
    }
    pthread_mutex_unlock(&g_mu);
    return NULL;
}

int octo_sched_start(void)
{
    pthread_condattr_t attr;

    if (g_started) {
        return 0;
    }
    pthread_condattr_init(&attr);
    pthread_cond_init(&g_cv, &attr);
    pthread_condattr_destroy(&attr);
    g_stopping = 0;
    if (pthread_create(&g_thread, NULL, timer_main, NULL) != 0) {
        return -1;
    }
    g_started = 1;
    return 0;
}

void octo_sched_stop(void)
{
    struct entry *e;

    if (!g_started) {
        return;
    }
    pthread_mutex_lock(&g_mu);
    g_stopping = 1;
    pthread_cond_signal(&g_cv);
    pthread_mutex_unlock(&g_mu);
    pthread_join(g_thread, NULL);
    g_started = 0;
    pthread_mutex_lock(&g_mu);
    while (g_head != NULL) {
        e = g_head;
        g_head = e->next_entry;
        e->removed = 1;
        entry_unref_locked(e);
    }
    pthread_mutex_unlock(&g_mu);
}

static int parse_choice(const char *v, const char *a, const char *b, int *out)
{
    if (v == NULL || v[0] == '\0' || strcmp(v, a) == 0) {
        *out = 0;
        return 0;
    }
    if (strcmp(v, b) == 0) {
        *out = 1;
        return 0;
    }
    return -1;
}

/* Build and insert an entry. stored: a row from the store (its id and
 * history are kept), or NULL for a new schedule. */
static enum octo_sched_error add_entry(const struct octo_sched_spec *spec, int from_config,
                                       json_t *stored, char *id, octo_error *err)
{
    struct octo_flow *f = NULL;
    struct entry *e;
    struct entry *it;
    const char *cron_text;
    long every;
    int rc;

    if (spec->every_seconds < 0 || spec->every_seconds > MAX_EVERY) {
        octo_error_set(err, OCTO_EINVAL, "every_seconds",
                       "every_seconds must be an integer in 1..%ld (a year)", MAX_EVERY);
        return OCTO_SCHED_BAD_REQUEST;
    }
    if (!(spec->timeout >= 0) || spec->timeout > (double)MAX_EVERY) {
        octo_error_set(err, OCTO_EINVAL, "timeout_seconds",
                       "timeout_seconds must be a positive number of seconds, at most a year");
        return OCTO_SCHED_BAD_REQUEST;
    }
    /* A schedule is refused now, when its flow does not validate, rather
     * than fail at every fire; in the service that needs a worker's full
     * check (flow_check.c). */
    rc = octo_flow_get(spec->path, &f, NULL, err);
    if (rc == OCTO_OK && f->shallow && octo_flow_deep_check(f, NULL, err) != OCTO_OK) {
        octo_flow_unref(f);
        return OCTO_SCHED_BAD_REQUEST;
    }
    if (rc != OCTO_OK) {
        return rc == OCTO_ENOENT ? OCTO_SCHED_NOT_FOUND : OCTO_SCHED_BAD_REQUEST;
    }
    cron_text = (spec->cron != NULL && spec->cron[0] != '\0')
                    ? spec->cron
                    : (spec->every_seconds > 0 ? NULL : f->cron);
    every =
        cron_text != NULL ? 0 : (spec->every_seconds > 0 ? spec->every_seconds : f->every_seconds);
    e = octo_xcalloc(1, sizeof(*e));
    e->refs = 1;
    e->path = octo_xstrdup(spec->path);
    e->every = every;
    e->from_config = from_config;
    e->paused = spec->paused;
    e->timeout = spec->timeout > 0 ? spec->timeout : (double)octo_config()->flow_timeout;
    e->created = now_epoch();
    if (parse_choice(spec->overlap, "skip", "queue", &e->overlap_queue) != 0 ||
        parse_choice(spec->missed, "none", "last", &e->missed_last) != 0) {
        octo_error_set(err, OCTO_EINVAL, NULL,
                       "overlap must be skip or queue, missed must be none or last");
        octo_flow_unref(f);
        entry_unref_locked(e);
        return OCTO_SCHED_BAD_REQUEST;
    }
    if (cron_text != NULL) {
        e->cron_text = octo_xstrdup(cron_text);
        if (octo_cron_parse(cron_text, &e->cron, err) != OCTO_OK) {
            octo_flow_unref(f);
            entry_unref_locked(e);
            return OCTO_SCHED_BAD_REQUEST;
        }
    } else if (every <= 0 || every > MAX_EVERY) {
        octo_error_set(err, OCTO_EINVAL, NULL,
                       "Flow %s does not have a valid schedule (cron or every_seconds).",
                       spec->path);
        octo_flow_unref(f);
        entry_unref_locked(e);
        return OCTO_SCHED_BAD_REQUEST;
    }
    /* Duplicates are found by canonical path: "./x.yml" or "sub//x.yml"
     * added after "x.yml" was a second schedule of the same flow. */
    e->abs = octo_xstrdup(f->abs_path);
    octo_flow_unref(f);
    if (stored != NULL) {
        const char *sid = json_string_value(json_object_get(stored, "id"));
        const char *ljob = json_string_value(json_object_get(stored, "last_job_id"));
        const char *lst = json_string_value(json_object_get(stored, "last_status"));

        snprintf(e->id, sizeof(e->id), "%s", sid != NULL ? sid : "");
        e->created = json_number_value(json_object_get(stored, "created"));
        e->last_run = json_number_value(json_object_get(stored, "last_run"));
        e->last_fire = json_number_value(json_object_get(stored, "last_fire"));
        snprintf(e->last_job_id, sizeof(e->last_job_id), "%s", ljob != NULL ? ljob : "");
        snprintf(e->last_status, sizeof(e->last_status), "%s", lst != NULL ? lst : "");
    } else {
        octo_uuid4(e->id);
    }
    pthread_mutex_lock(&g_mu);
    for (it = g_head; it != NULL; it = it->next_entry) {
        if (strcmp(it->path, spec->path) == 0 ||
            (it->abs != NULL && strcmp(it->abs, e->abs) == 0)) {
            entry_unref_locked(e);
            pthread_mutex_unlock(&g_mu);
            octo_error_set(err, OCTO_EINVAL, NULL, "Flow %s is already added to the scheduler.",
                           spec->path);
            return OCTO_SCHED_DUPLICATE;
        }
    }
    {
        double now = now_epoch();

        e->next = next_after(e, now); /* first run after N seconds, or at the next cron time */
        if (stored != NULL && e->missed_last) {
            /* a fire time passed while the service was down: once, now,
             * however many were missed (a catch-up burst after a long
             * outage would run the same work N times at once) */
            double since = e->last_fire > 0 ? e->last_fire : e->created;
            double due = e->cron != NULL
                             ? next_after(e, since)
                             : (e->last_run > 0 ? e->last_run : since) + (double)e->every;

            if (due < now) {
                e->next = now;
                octo_log(OCTO_LOG_INFO,
                         "Schedule %s (%s) missed a run while the service was "
                         "down: running it now (missed: last)",
                         e->id, e->path);
            }
        }
    }
    e->next_entry = g_head;
    g_head = e;
    if (stored == NULL) {
        persist_locked(e);
    }
    if (g_started) {
        pthread_cond_signal(&g_cv);
    }
    pthread_mutex_unlock(&g_mu);
    snprintf(id, 37, "%s", e->id);
    if (e->cron_text != NULL) {
        octo_log(OCTO_LOG_INFO, "Flow %s added to the scheduler (cron %s) with id %s", e->path,
                 e->cron_text, e->id);
    } else {
        octo_log(OCTO_LOG_INFO, "Flow %s added to the scheduler (every %ld seconds) with id %s",
                 e->path, e->every, e->id);
    }
    return OCTO_SCHED_OK;
}

enum octo_sched_error octo_sched_add(const struct octo_sched_spec *spec, char *id, octo_error *err)
{
    return add_entry(spec, 0, NULL, id, err);
}

int octo_sched_remove(const char *id)
{
    struct entry **p;

    pthread_mutex_lock(&g_mu);
    for (p = &g_head; *p != NULL; p = &(*p)->next_entry) {
        if (strcmp((*p)->id, id) == 0) {
            struct entry *e = *p;

            *p = e->next_entry;
            if (!e->from_config) {
                octo_store_sched_delete(e->id);
            }
            e->removed = 1;
            octo_log(OCTO_LOG_INFO, "Flow %s removed from the scheduler (id %s)", e->path, e->id);
            entry_unref_locked(e);
            pthread_cond_signal(&g_cv);
            pthread_mutex_unlock(&g_mu);
            return OCTO_OK;
        }
    }
    pthread_mutex_unlock(&g_mu);
    return OCTO_ENOENT;
}

int octo_sched_pause(const char *id, int paused)
{
    struct entry *e;

    pthread_mutex_lock(&g_mu);
    for (e = g_head; e != NULL; e = e->next_entry) {
        if (strcmp(e->id, id) == 0) {
            if (e->paused != paused) {
                e->paused = paused;
                e->queued = 0;
                if (!paused) {
                    e->next = next_after(e, now_epoch());
                }
                persist_locked(e);
                octo_log(OCTO_LOG_INFO, "Schedule %s (%s) %s", e->id, e->path,
                         paused ? "paused" : "resumed");
            }
            pthread_cond_signal(&g_cv);
            pthread_mutex_unlock(&g_mu);
            return OCTO_OK;
        }
    }
    pthread_mutex_unlock(&g_mu);
    return OCTO_ENOENT;
}

static json_t *time_or_null(double t)
{
    char iso[64];

    if (t <= 0 || isinf(t)) {
        return json_null();
    }
    octo_timestamp_iso_us(floor(t), iso, sizeof(iso));
    return json_string(iso);
}

/* Caller holds g_mu. */
static json_t *entry_json(const struct entry *e)
{
    json_t *o = json_object();

    json_object_set_new(o, "id", json_string(e->id));
    json_object_set_new(o, "path", json_string(e->path));
    json_object_set_new(o, "cron", e->cron_text != NULL ? json_string(e->cron_text) : json_null());
    json_object_set_new(o, "every_seconds", e->cron == NULL ? json_integer(e->every) : json_null());
    json_object_set_new(o, "timeout_seconds", json_real(e->timeout));
    json_object_set_new(o, "overlap", json_string(e->overlap_queue ? "queue" : "skip"));
    json_object_set_new(o, "missed", json_string(e->missed_last ? "last" : "none"));
    json_object_set_new(o, "paused", json_boolean(e->paused));
    json_object_set_new(o, "source", json_string(e->from_config ? "config" : "api"));
    json_object_set_new(o, "next_run", e->paused ? json_null() : time_or_null(e->next));
    json_object_set_new(o, "last_run", time_or_null(e->last_run));
    json_object_set_new(o, "last_job_id",
                        e->last_job_id[0] != '\0' ? json_string(e->last_job_id) : json_null());
    json_object_set_new(o, "last_status",
                        e->last_status[0] != '\0' ? json_string(e->last_status) : json_null());
    json_object_set_new(o, "last_lag_seconds",
                        e->last_fire > 0 ? json_real(e->last_lag) : json_null());
    json_object_set_new(o, "running", json_boolean(e->running));
    json_object_set_new(o, "queued", json_boolean(e->queued));
    return o;
}

json_t *octo_sched_list(void)
{
    json_t *a = json_array();
    struct entry *e;
    json_t *rev = json_array();
    size_t i;

    pthread_mutex_lock(&g_mu);
    for (e = g_head; e != NULL; e = e->next_entry) {
        json_array_append_new(rev, entry_json(e));
    }
    pthread_mutex_unlock(&g_mu);
    for (i = json_array_size(rev); i > 0; i--) { /* in the order they were added */
        json_array_append(a, json_array_get(rev, i - 1));
    }
    json_decref(rev);
    return a;
}

json_t *octo_sched_get(const char *id)
{
    struct entry *e;
    json_t *o = NULL;

    pthread_mutex_lock(&g_mu);
    for (e = g_head; e != NULL && o == NULL; e = e->next_entry) {
        if (strcmp(e->id, id) == 0) {
            o = entry_json(e);
        }
    }
    pthread_mutex_unlock(&g_mu);
    return o;
}

static int autostart_one(json_t *item, size_t i, const char *list)
{
    struct octo_sched_spec spec;
    octo_error err;
    char id[37];
    double timeout = 0;

    memset(&spec, 0, sizeof(spec));
    memset(&err, 0, sizeof(err));
    if (json_is_string(item)) {
        spec.path = json_string_value(item);
    } else {
        json_t *every = json_object_get(item, "every_seconds");

        spec.path = json_string_value(json_object_get(item, "path"));
        if (spec.path == NULL) {
            octo_log(OCTO_LOG_ERROR, "Failed to add flow: %s[%zu] has no path", list, i);
            return 0;
        }
        if (every != NULL && !json_is_null(every) && !json_is_integer(every)) {
            octo_log(OCTO_LOG_ERROR,
                     "Failed to add flow: %s[%zu].every_seconds must be an "
                     "integer",
                     list, i);
            return 0;
        }
        if (octo_seconds_check(json_object_get(item, "timeout_seconds"), "timeout_seconds",
                               &timeout, &err) != OCTO_OK) {
            octo_log(OCTO_LOG_ERROR, "Failed to add flow: %s[%zu]: %s", list, i, err.msg);
            return 0;
        }
        spec.cron = json_string_value(json_object_get(item, "cron"));
        spec.every_seconds = (long)json_integer_value(every);
        spec.timeout = timeout;
        spec.overlap = json_string_value(json_object_get(item, "overlap"));
        spec.missed = json_string_value(json_object_get(item, "missed"));
    }
    if (add_entry(&spec, 1, NULL, id, &err) != OCTO_SCHED_OK) {
        octo_log(OCTO_LOG_ERROR, "Failed to add flow: %s", err.msg);
        return 0;
    }
    return 1;
}

int octo_sched_autostart(json_t *config)
{
    static const char *const lists[] = {"autostart", "autostart_flows"};
    int added = 0;
    size_t k;

    for (k = 0; k < 2; k++) {
        json_t *list = json_object_get(config, lists[k]);
        json_t *item;
        size_t i;

        if (list != NULL && !json_is_array(list) && !json_is_null(list)) {
            octo_log(OCTO_LOG_ERROR, "config.yml: %s must be a list", lists[k]);
            continue;
        }
        json_array_foreach(list, i, item)
        {
            if (k == 0 && !json_is_string(item)) {
                octo_log(OCTO_LOG_ERROR, "Failed to add flow: autostart[%zu] is not a path", i);
                continue;
            }
            added += autostart_one(item, i, lists[k]);
        }
    }
    return added;
}

int octo_sched_restore(void)
{
    json_t *rows = NULL;
    json_t *row;
    size_t i;
    int n = 0;
    octo_error err;

    memset(&err, 0, sizeof(err));
    if (octo_store_sched_list(&rows, &err) != OCTO_OK) {
        octo_log(OCTO_LOG_ERROR, "Stored schedules not restored: %s", err.msg);
        return 0;
    }
    json_array_foreach(rows, i, row)
    {
        struct octo_sched_spec spec;
        char id[37];

        memset(&spec, 0, sizeof(spec));
        memset(&err, 0, sizeof(err));
        spec.path = json_string_value(json_object_get(row, "path"));
        spec.cron = json_string_value(json_object_get(row, "cron"));
        spec.every_seconds = (long)json_integer_value(json_object_get(row, "every_seconds"));
        spec.timeout = json_number_value(json_object_get(row, "timeout"));
        spec.overlap = json_string_value(json_object_get(row, "overlap"));
        spec.missed = json_string_value(json_object_get(row, "missed"));
        spec.paused = (int)json_integer_value(json_object_get(row, "paused"));
        if (spec.path == NULL) {
            continue;
        }
        if (add_entry(&spec, 0, row, id, &err) != OCTO_SCHED_OK) {
            octo_log(OCTO_LOG_ERROR, "Stored schedule %s (%s) not restored: %s",
                     json_string_value(json_object_get(row, "id")), spec.path, err.msg);
        } else {
            n++;
        }
    }
    json_decref(rows);
    return n;
}
