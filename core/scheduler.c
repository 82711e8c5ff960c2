/* scheduler.c - flows on a schedule: cron or every N seconds (see
 * scheduler.h): the timer thread and the fire logic. Adding, removing,
 * pausing and listing schedules is in scheduler_entries.c, the schedules
 * of config.yml and the store at start-up in scheduler_autostart.c; the
 * list they share is in scheduler_int.h.
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

#include "cron.h"
#include "errors.h"
#include "job.h"
#include "log.h"
#include "runner.h"
#include "scheduler_int.h"
#include "store.h"
#include "timefmt.h"

#define QUEUE_RETRY 1.0

pthread_mutex_t octo_sched_mu = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t octo_sched_cv;
struct entry *octo_sched_head;
int octo_sched_started;
static pthread_t g_thread;
static int g_stopping;

/* Wall-clock time: fire times are wall-clock instants (cron in
 * TIMEZONE), and the timer's condition variable waits on the same clock
 * (pthread_cond_init's default, CLOCK_REALTIME). */
double octo_sched_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Next fire time strictly after t. Caller holds octo_sched_mu or owns e. */
double octo_sched_next_after(const struct entry *e, double t)
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

void octo_sched_entry_unref_locked(struct entry *e)
{
    if (--e->refs == 0) {
        free(e->path);
        free(e->abs);
        free(e->cron_text);
        octo_cron_free(e->cron);
        free(e);
    }
}

/* The stored row of an API schedule (new). Caller holds octo_sched_mu. */
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

void octo_sched_persist_locked(const struct entry *e)
{
    if (!e->from_config && !e->removed) {
        octo_store_sched_put(row_of(e));
    }
}

static void run_done(struct octo_job *j, void *ud);

/* Fire e. Called with octo_sched_mu held; drops it around the launch. */
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
    e->next = e->cron != NULL ? octo_sched_next_after(e, fmax(due, octo_sched_now())) : INFINITY;
    e->refs += 2; /* this call's, and the run's (released by run_done) */
    snprintf(path, sizeof(path), "%s", e->path);
    snprintf(sid, sizeof(sid), "%s", e->id);
    pthread_mutex_unlock(&octo_sched_mu);

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

    pthread_mutex_lock(&octo_sched_mu);
    if (rc == OCTO_LAUNCHED) {
        e->last_fire = due;
        e->last_lag = octo_sched_now() - due;
        snprintf(e->last_job_id, sizeof(e->last_job_id), "%s", octo_job_id(job));
        octo_sched_persist_locked(e);
        pthread_mutex_unlock(&octo_sched_mu);
        octo_job_unref(job);
        pthread_mutex_lock(&octo_sched_mu);
        octo_sched_entry_unref_locked(e); /* this call's */
        return;
    }
    /* not launched: run_done will not come */
    e->running = 0;
    e->refs--;
    if (rc == OCTO_LAUNCH_BUSY) {
        if (e->overlap_queue) {
            e->queued = 1;
            e->next = octo_sched_now() + QUEUE_RETRY;
            octo_log(OCTO_LOG_INFO,
                     "Flow %s is already running: the scheduled run waits "
                     "(overlap: queue)",
                     e->path);
        } else {
            snprintf(e->last_status, sizeof(e->last_status), "skipped");
            e->next = octo_sched_next_after(e, fmax(octo_sched_now(), due));
            octo_log(OCTO_LOG_WARN, "Flow %s is already running. Skipping.", e->path);
        }
    } else if (rc != OCTO_LAUNCH_UNAVAILABLE || err.code != OCTO_ECANCELED) {
        /* a refused launch (invalid flow, job store too far behind) is
         * this fire's error and the schedule goes on; a shutdown
         * (UNAVAILABLE with ECANCELED) is no error: the timer stops */
        snprintf(e->last_status, sizeof(e->last_status), "error");
        e->next = octo_sched_next_after(e, fmax(octo_sched_now(), due));
        octo_log(OCTO_LOG_ERROR, "Error running flow %s: %s", e->path, err.msg);
    }
    octo_sched_persist_locked(e);
    octo_sched_entry_unref_locked(e);
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
    pthread_mutex_lock(&octo_sched_mu);
    e->running = 0;
    e->last_run = octo_sched_now();
    snprintf(e->last_status, sizeof(e->last_status), "%s", octo_run_status_name(status));
    if (e->queued) {
        e->next = e->last_run; /* overlap: queue - the waiting run goes now */
    } else if (e->cron == NULL) {
        e->next = e->last_run + (double)e->every; /* counted from the end of the run */
    } else if (e->next <= e->last_run) {
        e->next =
            octo_sched_next_after(e, e->last_run); /* fire times missed meanwhile are skipped */
    }
    octo_sched_persist_locked(e);
    if (octo_sched_started) {
        pthread_cond_signal(&octo_sched_cv);
    }
    octo_sched_entry_unref_locked(e);
    pthread_mutex_unlock(&octo_sched_mu);
}

static void *timer_main(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&octo_sched_mu);
    while (!g_stopping) {
        double now = octo_sched_now();
        double earliest = INFINITY;
        struct entry *e;
        int fired = 0;

        for (e = octo_sched_head; e != NULL && !fired; e = e->next_entry) {
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
            pthread_cond_timedwait(&octo_sched_cv, &octo_sched_mu, &ts);
        }
    }
    pthread_mutex_unlock(&octo_sched_mu);
    return NULL;
}

int octo_sched_start(void)
{
    pthread_condattr_t attr;

    if (octo_sched_started) {
        return 0;
    }
    pthread_condattr_init(&attr);
    pthread_cond_init(&octo_sched_cv, &attr);
    pthread_condattr_destroy(&attr);
    g_stopping = 0;
    if (pthread_create(&g_thread, NULL, timer_main, NULL) != 0) {
        return -1;
    }
    octo_sched_started = 1;
    return 0;
}

void octo_sched_stop(void)
{
    struct entry *e;

    if (!octo_sched_started) {
        return;
    }
    pthread_mutex_lock(&octo_sched_mu);
    g_stopping = 1;
    pthread_cond_signal(&octo_sched_cv);
    pthread_mutex_unlock(&octo_sched_mu);
    pthread_join(g_thread, NULL);
    octo_sched_started = 0;
    pthread_mutex_lock(&octo_sched_mu);
    while (octo_sched_head != NULL) {
        e = octo_sched_head;
        octo_sched_head = e->next_entry;
        e->removed = 1;
        octo_sched_entry_unref_locked(e);
    }
    pthread_mutex_unlock(&octo_sched_mu);
}
