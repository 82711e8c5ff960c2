/* job_registry.c - the jobs this process knows: the unfinished ones and
 * the most recent finished ones (so a client polling a job it just
 * launched gets it even when the store is failing).
 *
 * Split from job.c: the lists and their one mutex are a concern of their
 * own, apart from what happens to a single job. Lock order: the registry
 * (g_mu), then a job's mu, never the reverse; a job is unreferenced with
 * g_mu released (its last reference may free it).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "job.h"
#include "job_int.h"
#include "xalloc.h"

#define RECENT 256 /* finished jobs kept in memory */

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_idle = PTHREAD_COND_INITIALIZER;
static struct octo_job **g_active;
static size_t g_nactive;
static size_t g_capactive;
static struct octo_job *g_recent[RECENT];
static size_t g_recent_next;

void octo_job_registry_add(struct octo_job *j)
{
    pthread_mutex_lock(&g_mu);
    if (g_nactive == g_capactive) {
        g_capactive = g_capactive ? g_capactive * 2 : 64;
        g_active = octo_xrealloc(g_active, g_capactive * sizeof(*g_active));
    }
    g_active[g_nactive++] = j;
    pthread_mutex_unlock(&g_mu);
}

/* Take j off the active list. Caller holds g_mu. Returns 1 when it was
 * there. */
static int take_active_locked(struct octo_job *j)
{
    size_t i;

    for (i = 0; i < g_nactive; i++) {
        if (g_active[i] == j) {
            g_active[i] = g_active[--g_nactive];
            return 1;
        }
    }
    return 0;
}

int octo_job_registry_remove(struct octo_job *j)
{
    int found;

    pthread_mutex_lock(&g_mu);
    found = take_active_locked(j);
    pthread_cond_broadcast(&g_idle);
    pthread_mutex_unlock(&g_mu);
    return found;
}

void octo_job_registry_retire(struct octo_job *j)
{
    int found;

    pthread_mutex_lock(&g_mu);
    found = take_active_locked(j);
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
    double t = octo_job_now() + seconds;
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

/* Does finished job j match q as the store's WHERE clause would
 * (store_sqlite_query.c, where())? Caller holds j->mu. */
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
