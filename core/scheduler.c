/* scheduler.c - cron / every_seconds schedules (see scheduler.h).
 *
 * DESIGN
 * ------
 * Entries live in a list under one mutex. The timer thread sleeps on a
 * condition variable until the earliest next_run (or a change), then
 * submits each due entry that is not already running to the pool and
 * marks it running. The run task does the work outside the mutex, then
 * sets last_run/last_status, computes the next fire time and wakes the
 * timer. Entries are reference counted so a removed schedule's run in
 * progress can finish safely; a removed entry never fires again.
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
#include "jobs.h"
#include "locks.h"
#include "log.h"
#include "pool.h"
#include "runner.h"
#include "timefmt.h"

struct entry {
    char id[37];
    char *path;
    char *abs;        /* canonical path: the duplicate check */
    char *cron_text;
    struct octo_cron *cron;
    long every;
    double timeout;
    double next;      /* epoch seconds */
    double last;      /* 0: never */
    char last_status[16];
    int running;
    int removed;
    int refs;         /* under g_mu */
    struct entry *next_entry;
};

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv;
static struct entry *g_head;
static pthread_t g_thread;
static int g_started;
static int g_stopping;

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

static void run_entry(void *arg)
{
    struct entry *e = arg;
    struct octo_flow *f = NULL;
    struct octo_cancel cancel;
    struct octo_run_opts o;
    struct octo_run_result r;
    struct octo_job *job;
    json_t *input;
    octo_error err;
    const char *status = "success";

    memset(&err, 0, sizeof(err));
    memset(&r, 0, sizeof(r));
    if (octo_flow_get(e->path, &f, NULL, &err) != OCTO_OK) {
        octo_log(OCTO_LOG_ERROR, "Error running flow %s: %s", e->path, err.msg);
        status = "error";
        goto done;
    }
    if (octo_lock_acquire(f->abs_path, f->file_name, &err) != OCTO_OK) {
        octo_log(OCTO_LOG_WARN, "Flow %s is already running. Skipping.", f->file_name);
        status = "skipped";
        goto done;
    }
    octo_cancel_init(&cancel, e->timeout);
    job = octo_job_begin(e->path, "scheduler", &cancel);
    memset(&o, 0, sizeof(o));
    input = json_object(); /* the original's scheduler passed {} (a fresh one each run) */
    o.input = input;
    o.cancel = &cancel;
    octo_run_flow(f, &o, &r);
    octo_job_end(job);
    octo_lock_release(f->abs_path, f->file_name);
    json_decref(input);
    if (r.failed) {
        status = r.cancelled ? "timeout" : "failed";
        octo_log(OCTO_LOG_ERROR, "Scheduled run of %s failed: %s: %s", e->path, r.step, r.message);
    }
    octo_run_result_free(&r);
done:
    octo_flow_unref(f);
    pthread_mutex_lock(&g_mu);
    e->running = 0;
    e->last = now_epoch();
    snprintf(e->last_status, sizeof(e->last_status), "%s", status);
    if (e->every > 0 && e->cron == NULL) {
        e->next = e->last + (double)e->every; /* counted from the end of the run */
    } else if (e->next <= e->last) {
        e->next = next_after(e, e->last); /* fire times missed meanwhile are skipped */
    }
    pthread_cond_signal(&g_cv);
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

        for (e = g_head; e != NULL; e = e->next_entry) {
            if (e->running) {
                continue;
            }
            if (e->next <= now) {
                e->running = 1;
                e->refs++;
                if (octo_pool_submit(run_entry, e) != 0) {
                    e->running = 0;
                    e->refs--;
                    e->next = next_after(e, now);
                }
                continue;
            }
            if (e->next < earliest) {
                earliest = e->next;
            }
        }
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

enum octo_sched_error octo_sched_add(const char *rel, const char *cron, long every_seconds,
                                     double timeout, char *id, octo_error *err)
{
    struct octo_flow *f = NULL;
    struct entry *e;
    struct entry *it;
    const char *cron_text;
    long every;
    int rc;

    rc = octo_flow_get(rel, &f, NULL, err);
    if (rc != OCTO_OK) {
        return rc == OCTO_ENOENT ? OCTO_SCHED_NOT_FOUND : OCTO_SCHED_BAD_REQUEST;
    }
    cron_text = (cron != NULL && cron[0] != '\0') ? cron : (every_seconds > 0 ? NULL : f->cron);
    every = cron_text != NULL ? 0 : (every_seconds > 0 ? every_seconds : f->every_seconds);
    e = calloc(1, sizeof(*e));
    if (e == NULL) {
        octo_flow_unref(f);
        octo_error_set(err, OCTO_ENOMEM, NULL, "out of memory");
        return OCTO_SCHED_BAD_REQUEST;
    }
    e->refs = 1;
    e->path = strdup(rel);
    e->every = every;
    e->timeout = timeout > 0 ? timeout : (double)octo_config()->flow_timeout;
    if (cron_text != NULL) {
        e->cron_text = strdup(cron_text);
        if (octo_cron_parse(cron_text, &e->cron, err) != OCTO_OK) {
            octo_flow_unref(f);
            entry_unref_locked(e);
            return OCTO_SCHED_BAD_REQUEST;
        }
    } else if (every <= 0) {
        octo_error_set(err, OCTO_EINVAL, NULL,
                       "Flow %s does not have a valid schedule (cron or every_seconds).", rel);
        octo_flow_unref(f);
        entry_unref_locked(e);
        return OCTO_SCHED_BAD_REQUEST;
    }
    /* Duplicates are found by canonical path: "./x.yml" or "sub//x.yml"
     * added after "x.yml" was a second schedule of the same flow
     * (tests/e2e/test_api_routes.py, test_flows_add_list_delete). */
    e->abs = strdup(f->abs_path);
    octo_flow_unref(f);
    octo_uuid4(e->id);
    snprintf(e->last_status, sizeof(e->last_status), "%s", "");
    pthread_mutex_lock(&g_mu);
    for (it = g_head; it != NULL; it = it->next_entry) {
        if (strcmp(it->path, rel) == 0 ||
            (it->abs != NULL && e->abs != NULL && strcmp(it->abs, e->abs) == 0)) {
            pthread_mutex_unlock(&g_mu);
            entry_unref_locked(e);
            octo_error_set(err, OCTO_EINVAL, NULL, "Flow %s is already added to the scheduler.",
                           rel);
            return OCTO_SCHED_DUPLICATE;
        }
    }
    e->next = next_after(e, now_epoch()); /* first run after N seconds, or the next cron time */
    e->next_entry = g_head;
    g_head = e;
    if (g_started) {
        pthread_cond_signal(&g_cv);
    }
    pthread_mutex_unlock(&g_mu);
    snprintf(id, 37, "%s", e->id);
    /* the interval itself was missing: "(every seconds)" */
    if (e->cron_text != NULL) {
        octo_log(OCTO_LOG_INFO, "Flow %s added to the scheduler (cron %s) with id %s", rel,
                 e->cron_text, e->id);
    } else {
        octo_log(OCTO_LOG_INFO, "Flow %s added to the scheduler (every %ld seconds) with id %s",
                 rel, e->every, e->id);
    }
    return OCTO_SCHED_OK;
}

int octo_sched_remove(const char *id)
{
    struct entry **p;

    pthread_mutex_lock(&g_mu);
    for (p = &g_head; *p != NULL; p = &(*p)->next_entry) {
        if (strcmp((*p)->id, id) == 0) {
            struct entry *e = *p;

            *p = e->next_entry;
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

static json_t *time_or_null(double t)
{
    char iso[64];

    if (t <= 0 || isinf(t)) {
        return json_null();
    }
    octo_timestamp_iso((time_t)t, iso, sizeof(iso));
    return json_string(iso);
}

json_t *octo_sched_list(void)
{
    json_t *a = json_array();
    struct entry *e;

    pthread_mutex_lock(&g_mu);
    for (e = g_head; e != NULL; e = e->next_entry) {
        json_t *o = json_object();

        json_object_set_new(o, "id", json_string(e->id));
        json_object_set_new(o, "path", json_string(e->path));
        json_object_set_new(o, "cron", e->cron_text != NULL ? json_string(e->cron_text) : json_null());
        json_object_set_new(o, "every_seconds",
                            e->cron == NULL ? json_integer(e->every) : json_null());
        json_object_set_new(o, "timeout_seconds", json_real(e->timeout));
        json_object_set_new(o, "next_run", time_or_null(e->next));
        json_object_set_new(o, "last_run", time_or_null(e->last));
        json_object_set_new(o, "last_status",
                            e->last_status[0] != '\0' ? json_string(e->last_status) : json_null());
        if (e->running) {
            json_object_set_new(o, "running", json_true());
        }
        json_array_append_new(a, o);
    }
    pthread_mutex_unlock(&g_mu);
    return a;
}

int octo_sched_autostart(json_t *config)
{
    json_t *list = json_object_get(config, "autostart");
    json_t *item;
    size_t i;
    int added = 0;
    char id[37];
    octo_error err;

    if (list != NULL && !json_is_array(list) && !json_is_null(list)) {
        octo_log(OCTO_LOG_ERROR, "config.yml: autostart must be a list of flow paths");
    }
    json_array_foreach(list, i, item) {
        memset(&err, 0, sizeof(err));
        if (!json_is_string(item)) {
            octo_log(OCTO_LOG_ERROR, "Failed to add flow: autostart[%zu] is not a path", i);
            continue;
        }
        if (octo_sched_add(json_string_value(item), NULL, 0, 0, id, &err) != OCTO_SCHED_OK) {
            octo_log(OCTO_LOG_ERROR, "Failed to add flow: %s", err.msg);
        } else {
            added++;
        }
    }
    list = json_object_get(config, "autostart_flows");
    if (list != NULL && !json_is_array(list) && !json_is_null(list)) {
        octo_log(OCTO_LOG_ERROR, "config.yml: autostart_flows must be a list of mappings");
    }
    json_array_foreach(list, i, item) {
        const char *path = json_string_value(json_object_get(item, "path"));
        json_t *every = json_object_get(item, "every_seconds");
        json_t *timeout = json_object_get(item, "timeout_seconds");

        memset(&err, 0, sizeof(err));
        if (path == NULL) {
            octo_log(OCTO_LOG_ERROR, "Failed to add flow: autostart_flows[%zu] has no path", i);
            continue;
        }
        if (every != NULL && !json_is_null(every) && !json_is_integer(every)) {
            octo_log(OCTO_LOG_ERROR, "Failed to add flow: autostart_flows[%zu].every_seconds must "
                     "be an integer", i);
            continue;
        }
        if (octo_sched_add(path, json_string_value(json_object_get(item, "cron")),
                           (long)json_integer_value(every),
                           json_is_number(timeout) ? json_number_value(timeout) : 0, id,
                           &err) != OCTO_SCHED_OK) {
            octo_log(OCTO_LOG_ERROR, "Failed to add flow: %s", err.msg);
        } else {
            added++;
        }
    }
    return added;
}
