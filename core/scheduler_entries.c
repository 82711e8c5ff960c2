/* scheduler_entries.c - the schedules themselves: a spec checked and
 * turned into an entry (its flow validated now rather than failing at
 * every fire; duplicates found by canonical path; a missed fire of a
 * restored schedule caught up once), and the API's remove, pause, list
 * and get. Apart from scheduler.c because none of it runs on the timer
 * thread: it only edits the list the timer thread reads, under its lock.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "cron.h"
#include "errors.h"
#include "flow.h"
#include "log.h"
#include "runner.h"
#include "scheduler_int.h"
#include "store.h"
#include "timefmt.h"
#include "xalloc.h"

#define MAX_EVERY ((long)OCTO_SECONDS_MAX)

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
enum octo_sched_error octo_sched_add_entry(const struct octo_sched_spec *spec, int from_config,
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
    e->created = octo_sched_now();
    if (parse_choice(spec->overlap, "skip", "queue", &e->overlap_queue) != 0 ||
        parse_choice(spec->missed, "none", "last", &e->missed_last) != 0) {
        octo_error_set(err, OCTO_EINVAL, NULL,
                       "overlap must be skip or queue, missed must be none or last");
        octo_flow_unref(f);
        octo_sched_entry_unref_locked(e);
        return OCTO_SCHED_BAD_REQUEST;
    }
    if (cron_text != NULL) {
        e->cron_text = octo_xstrdup(cron_text);
        if (octo_cron_parse(cron_text, &e->cron, err) != OCTO_OK) {
            octo_flow_unref(f);
            octo_sched_entry_unref_locked(e);
            return OCTO_SCHED_BAD_REQUEST;
        }
    } else if (every <= 0 || every > MAX_EVERY) {
        octo_error_set(err, OCTO_EINVAL, NULL,
                       "Flow %s does not have a valid schedule (cron or every_seconds).",
                       spec->path);
        octo_flow_unref(f);
        octo_sched_entry_unref_locked(e);
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
    pthread_mutex_lock(&octo_sched_mu);
    for (it = octo_sched_head; it != NULL; it = it->next_entry) {
        if (strcmp(it->path, spec->path) == 0 ||
            (it->abs != NULL && strcmp(it->abs, e->abs) == 0)) {
            octo_sched_entry_unref_locked(e);
            pthread_mutex_unlock(&octo_sched_mu);
            octo_error_set(err, OCTO_EINVAL, NULL, "Flow %s is already added to the scheduler.",
                           spec->path);
            return OCTO_SCHED_DUPLICATE;
        }
    }
    {
        double now = octo_sched_now();

        e->next =
            octo_sched_next_after(e, now); /* first run after N seconds, or at the next cron time */
        if (stored != NULL && e->missed_last) {
            /* a fire time passed while the service was down: once, now,
             * however many were missed (a catch-up burst after a long
             * outage would run the same work N times at once) */
            double since = e->last_fire > 0 ? e->last_fire : e->created;
            double due = e->cron != NULL
                             ? octo_sched_next_after(e, since)
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
    e->next_entry = octo_sched_head;
    octo_sched_head = e;
    if (stored == NULL) {
        octo_sched_persist_locked(e);
    }
    if (octo_sched_started) {
        pthread_cond_signal(&octo_sched_cv);
    }
    pthread_mutex_unlock(&octo_sched_mu);
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
    return octo_sched_add_entry(spec, 0, NULL, id, err);
}

int octo_sched_remove(const char *id)
{
    struct entry **p;

    pthread_mutex_lock(&octo_sched_mu);
    for (p = &octo_sched_head; *p != NULL; p = &(*p)->next_entry) {
        if (strcmp((*p)->id, id) == 0) {
            struct entry *e = *p;

            *p = e->next_entry;
            if (!e->from_config) {
                octo_store_sched_delete(e->id);
            }
            e->removed = 1;
            octo_log(OCTO_LOG_INFO, "Flow %s removed from the scheduler (id %s)", e->path, e->id);
            octo_sched_entry_unref_locked(e);
            pthread_cond_signal(&octo_sched_cv);
            pthread_mutex_unlock(&octo_sched_mu);
            return OCTO_OK;
        }
    }
    pthread_mutex_unlock(&octo_sched_mu);
    return OCTO_ENOENT;
}

int octo_sched_pause(const char *id, int paused)
{
    struct entry *e;

    pthread_mutex_lock(&octo_sched_mu);
    for (e = octo_sched_head; e != NULL; e = e->next_entry) {
        if (strcmp(e->id, id) == 0) {
            if (e->paused != paused) {
                e->paused = paused;
                e->queued = 0;
                if (!paused) {
                    e->next = octo_sched_next_after(e, octo_sched_now());
                }
                octo_sched_persist_locked(e);
                octo_log(OCTO_LOG_INFO, "Schedule %s (%s) %s", e->id, e->path,
                         paused ? "paused" : "resumed");
            }
            pthread_cond_signal(&octo_sched_cv);
            pthread_mutex_unlock(&octo_sched_mu);
            return OCTO_OK;
        }
    }
    pthread_mutex_unlock(&octo_sched_mu);
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

/* Caller holds octo_sched_mu. */
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

    pthread_mutex_lock(&octo_sched_mu);
    for (e = octo_sched_head; e != NULL; e = e->next_entry) {
        json_array_append_new(rev, entry_json(e));
    }
    pthread_mutex_unlock(&octo_sched_mu);
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

    pthread_mutex_lock(&octo_sched_mu);
    for (e = octo_sched_head; e != NULL && o == NULL; e = e->next_entry) {
        if (strcmp(e->id, id) == 0) {
            o = entry_json(e);
        }
    }
    pthread_mutex_unlock(&octo_sched_mu);
    return o;
}
