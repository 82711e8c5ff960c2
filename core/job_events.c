/* job_events.c - live events of a job for its subscribers (the API's
 * server-sent events): state changes, steps, the end.
 *
 * Split from job.c: each subscriber has its own queue and mutex, so a slow
 * reader never holds up the job. The list of subscribers is guarded by the
 * job's mu; a subscriber's queue by its own mu, taken after the job's.
 */
#include <stdlib.h>
#include <time.h>

#include "job.h"
#include "job_int.h"
#include "xalloc.h"

#define SUB_QUEUE_MAX 10000 /* events a slow subscriber may lag behind */

struct octo_job_sub {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    json_t *queue; /* events not yet taken */
    int ended;     /* the final event is queued */
    int lost;      /* events dropped for a slow reader */
    struct octo_job_sub *next;
};

/* Queue an event to every subscriber. Caller holds j->mu. */
void octo_job_publish(struct octo_job *j, const char *event, json_t *data, int final)
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

void octo_job_subs_free(struct octo_job *j)
{
    struct octo_job_sub *s;

    while ((s = j->subs) != NULL) { /* unsubscribed subscribers are gone */
        j->subs = s->next;
        json_decref(s->queue);
        pthread_mutex_destroy(&s->mu);
        pthread_cond_destroy(&s->cv);
        free(s);
    }
}

struct octo_job_sub *octo_job_subscribe(struct octo_job *j)
{
    struct octo_job_sub *s = octo_xcalloc(1, sizeof(*s));

    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->queue = json_array();
    pthread_mutex_lock(&j->mu);
    if (j->state == OCTO_JOB_FINISHED) {
        json_t *ev = octo_job_json_locked(j, 0);

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
    double t = octo_job_now() + timeout;
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
