/* jobs.c - runs in progress (see jobs.h). A mutex-protected list and a
 * condition variable signalled when a run ends. */
#include "jobs.h"

#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "timefmt.h"

struct octo_job {
    char *path;
    char source[16];
    time_t started;
    struct octo_cancel *cancel;
    struct octo_job *next;
};

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static struct octo_job *g_head;
static size_t g_count;

struct octo_job *octo_job_begin(const char *path, const char *source, struct octo_cancel *cancel)
{
    struct octo_job *j = calloc(1, sizeof(*j));

    if (j == NULL) {
        return NULL;
    }
    j->path = strdup(path);
    snprintf(j->source, sizeof(j->source), "%s", source);
    j->started = time(NULL);
    j->cancel = cancel;
    pthread_mutex_lock(&g_mu);
    j->next = g_head;
    g_head = j;
    g_count++;
    pthread_mutex_unlock(&g_mu);
    return j;
}

void octo_job_end(struct octo_job *job)
{
    struct octo_job **p;

    if (job == NULL) {
        return;
    }
    pthread_mutex_lock(&g_mu);
    for (p = &g_head; *p != NULL; p = &(*p)->next) {
        if (*p == job) {
            *p = job->next;
            g_count--;
            break;
        }
    }
    pthread_cond_broadcast(&g_cv);
    pthread_mutex_unlock(&g_mu);
    free(job->path);
    free(job);
}

size_t octo_jobs_active(void)
{
    size_t n;

    pthread_mutex_lock(&g_mu);
    n = g_count;
    pthread_mutex_unlock(&g_mu);
    return n;
}

size_t octo_jobs_wait_idle(double seconds)
{
    struct timespec deadline;
    size_t n;

    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += (time_t)seconds;
    deadline.tv_nsec += (long)((seconds - (double)(time_t)seconds) * 1e9);
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&g_mu);
    while (g_count > 0) {
        if (pthread_cond_timedwait(&g_cv, &g_mu, &deadline) != 0) {
            break;
        }
    }
    n = g_count;
    pthread_mutex_unlock(&g_mu);
    return n;
}

void octo_jobs_cancel_all(void)
{
    struct octo_job *j;

    pthread_mutex_lock(&g_mu);
    for (j = g_head; j != NULL; j = j->next) {
        if (j->cancel != NULL) {
            octo_cancel_request(j->cancel);
        }
    }
    pthread_mutex_unlock(&g_mu);
}

json_t *octo_jobs_list(void)
{
    json_t *a = json_array();
    struct octo_job *j;
    char iso[64];

    pthread_mutex_lock(&g_mu);
    for (j = g_head; j != NULL; j = j->next) {
        octo_timestamp_iso(j->started, iso, sizeof(iso));
        json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "path", j->path, "source", j->source,
                                           "started", iso));
    }
    pthread_mutex_unlock(&g_mu);
    return a;
}
