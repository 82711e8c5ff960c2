/* store.c - the backend-neutral job store layer (see store.h).
 *
 * DESIGN
 * ------
 * Writers never wait for the disk: a launch, a step event or a schedule
 * change appends an op to one queue and returns. The writer thread takes
 * everything queued (a batch), applies it in one transaction and
 * publishes how far it got (applied_seq). That is the group commit: under
 * load one commit carries hundreds of ops; idle, an op is applied within
 * microseconds. Commits are at least COMMIT_GAP apart (store_writer.c)
 * unless someone waits for one. Readers first wait for applied_seq to reach the sequence
 * number current when they were called (octo_store_sync), so a client
 * that was told "202, job x" finds x when it lists jobs.
 *
 * Failures degrade, they do not propagate. A batch that fails is retried
 * op by op (one bad row must not cost the others); what still fails is
 * dropped and counted. The first error of each minute is logged; the
 * current state is in octo_store_stats() for /api/health. A store that
 * could not be opened is retried once a minute by the writer thread.
 *
 * FILES
 * -----
 * This file holds the state and the public API that queues ops (and the
 * synchronous delete, the barrier, health); the writer thread is in
 * store_writer.c, the reads in store_read.c; what they share is in
 * store_int.h.
 */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "errors.h"
#include "step_row.h"
#include "store_int.h"
#include "xalloc.h"

#define MAX_QUEUED 200000 /* ops; beyond, writes are dropped (a stuck disk) */
/* Launches are refused (503) while JOBS_QUEUE_MAX writes wait (below
 * MAX_QUEUED): a burst of launches faster than the disk (or a starved
 * writer thread) slows the clients down instead of growing the queue until
 * writes are dropped. */
#define BEHIND_QUEUED_DEFAULT 20000

struct octo_store_state octo_store_g = {.mu = PTHREAD_MUTEX_INITIALIZER,
                                        .wake = PTHREAD_COND_INITIALIZER,
                                        .applied = PTHREAD_COND_INITIALIZER};

double octo_store_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void octo_store_abs_deadline(struct timespec *ts, double seconds)
{
    double t = octo_store_now() + seconds;

    ts->tv_sec = (time_t)t;
    ts->tv_nsec = (long)((t - (double)ts->tv_sec) * 1e9);
}

int octo_store_open(const char *path, int readonly, octo_error *err)
{
    int rc = OCTO_OK;

    if (octo_store_g.started) {
        return OCTO_OK;
    }
    octo_store_g.disabled = path == NULL || path[0] == '\0';
    if (octo_store_g.disabled) {
        return OCTO_OK;
    }
    octo_store_g.be = &octo_store_sqlite;
    snprintf(octo_store_g.path, sizeof(octo_store_g.path), "%s", path);
    octo_store_g.readonly = readonly;
    octo_store_g.stop = 0;
    octo_store_g.ok = 1;
    octo_store_g.error[0] = '\0';
    octo_store_g.errors_total = 0;
    octo_store_g.dropped = 0;
    if (!readonly) {
        rc = octo_store_g.be->open(octo_store_g.path, 1, &octo_store_g.wconn, err);
        if (rc != OCTO_OK) {
            octo_store_g.wconn = NULL;
            octo_store_error(err, 0);
        }
        octo_store_g.have_writer = octo_store_g.wconn != NULL;
    }
    if (pthread_create(&octo_store_g.thread, NULL, octo_store_writer_main, NULL) != 0) {
        if (octo_store_g.wconn != NULL) {
            octo_store_g.be->close(octo_store_g.wconn);
            octo_store_g.wconn = NULL;
        }
        return octo_error_set(err, OCTO_EINTERNAL, NULL, "cannot start the job store writer");
    }
    octo_store_g.started = 1;
    return rc;
}

void octo_store_close(void)
{
    int i;

    if (!octo_store_g.started) {
        return;
    }
    pthread_mutex_lock(&octo_store_g.mu);
    octo_store_g.stop = 1;
    pthread_cond_signal(&octo_store_g.wake);
    pthread_mutex_unlock(&octo_store_g.mu);
    pthread_join(octo_store_g.thread, NULL);
    octo_store_g.started = 0;
    if (octo_store_g.wconn != NULL) {
        octo_store_g.be->close(octo_store_g.wconn);
        octo_store_g.wconn = NULL;
    }
    octo_store_g.have_writer = 0;
    for (i = 0; i < octo_store_g.nfree; i++) {
        octo_store_g.be->close(octo_store_g.readers[i]);
    }
    octo_store_g.nfree = 0;
    octo_store_g.nreaders = 0;
}

int octo_store_is_open(void)
{
    return octo_store_g.started;
}

size_t octo_store_behind(void)
{
    const struct octo_config *c = octo_config();
    size_t limit =
        c != NULL && c->jobs_queue_max > 0 ? (size_t)c->jobs_queue_max : BEHIND_QUEUED_DEFAULT;
    size_t n;

    pthread_mutex_lock(&octo_store_g.mu);
    n = octo_store_g.started && octo_store_g.queued >= limit ? octo_store_g.queued : 0;
    pthread_mutex_unlock(&octo_store_g.mu);
    return n;
}

static void enqueue(struct op *o)
{
    pthread_mutex_lock(&octo_store_g.mu);
    if (!octo_store_g.started || octo_store_g.queued >= MAX_QUEUED) {
        octo_store_g.dropped += o->done == NULL && !octo_store_g.disabled;
        pthread_mutex_unlock(&octo_store_g.mu);
        if (o->done != NULL) {
            octo_error e;

            memset(&e, 0, sizeof(e));
            octo_error_set(&e, OCTO_EIO, NULL, "job store unavailable");
            *o->rc = OCTO_EIO;
            if (o->err != NULL) {
                *o->err = e;
            }
            *o->done = 1;
        }
        octo_store_op_free(o);
        return;
    }
    o->seq = ++octo_store_g.enq_seq;
    if (octo_store_g.tail != NULL) {
        octo_store_g.tail->next = o;
    } else {
        octo_store_g.head = o;
    }
    octo_store_g.tail = o;
    octo_store_g.queued++;
    /* A writer inside its gap between commits wakes by itself: a signal
     * per op (three per launch) would only make it spin through futexes. */
    if (o->done != NULL) {
        octo_store_g.urgent = 1;
    }
    if (octo_store_g.writer_idle || octo_store_g.urgent) {
        octo_store_g.writer_idle = 0;
        pthread_cond_signal(&octo_store_g.wake);
    }
    pthread_mutex_unlock(&octo_store_g.mu);
}

static void queue_row(enum op_type t, json_t *row, const char *id)
{
    struct op *o = octo_xcalloc(1, sizeof(*o));

    o->type = t;
    o->row = row;
    o->id = id != NULL ? octo_xstrdup(id) : NULL;
    enqueue(o);
}

void octo_store_job_insert(json_t *row)
{
    queue_row(OP_JOB_INSERT, row, NULL);
}

void octo_store_job_update(json_t *row)
{
    queue_row(OP_JOB_UPDATE, row, NULL);
}

void octo_store_job_steps(const char *job_id, struct octo_step_row **rows, size_t n)
{
    struct op *o = octo_xcalloc(1, sizeof(*o));

    o->type = OP_STEPS;
    o->steps = rows;
    o->nsteps = n;
    o->id = octo_xstrdup(job_id);
    enqueue(o);
}

void octo_store_sched_put(json_t *row)
{
    queue_row(OP_SCHED_PUT, row, NULL);
}

void octo_store_sched_delete(const char *id)
{
    queue_row(OP_SCHED_DELETE, NULL, id);
}

void octo_store_prune_request(void)
{
    pthread_mutex_lock(&octo_store_g.mu);
    octo_store_g.prune_requested = 1;
    pthread_cond_signal(&octo_store_g.wake);
    pthread_mutex_unlock(&octo_store_g.mu);
}

int octo_store_sync(double timeout)
{
    struct timespec ts;
    unsigned long want;
    int rc = 0;

    octo_store_abs_deadline(&ts, timeout);
    pthread_mutex_lock(&octo_store_g.mu);
    want = octo_store_g.enq_seq;
    if (octo_store_g.applied_seq < want) { /* a reader waits: no gap before the commit */
        octo_store_g.urgent = 1;
        pthread_cond_signal(&octo_store_g.wake);
    }
    while (octo_store_g.started && octo_store_g.applied_seq < want) {
        if (pthread_cond_timedwait(&octo_store_g.applied, &octo_store_g.mu, &ts) != 0) {
            rc = -1;
            break;
        }
    }
    pthread_mutex_unlock(&octo_store_g.mu);
    return rc;
}

int octo_store_job_delete(const struct octo_job_query *q, long *deleted, octo_error *err)
{
    struct op *o = octo_xcalloc(1, sizeof(*o));
    int done = 0;
    int rc = OCTO_OK;

    *deleted = 0;
    o->type = OP_DELETE;
    o->q = q;
    o->count = deleted;
    o->err = err;
    o->rc = &rc;
    o->done = &done;
    enqueue(o);
    pthread_mutex_lock(&octo_store_g.mu);
    while (!done) {
        pthread_cond_wait(&octo_store_g.applied, &octo_store_g.mu);
    }
    pthread_mutex_unlock(&octo_store_g.mu);
    return rc;
}

void octo_store_stats(struct octo_store_stats *s)
{
    memset(s, 0, sizeof(*s));
    pthread_mutex_lock(&octo_store_g.mu);
    s->disabled = octo_store_g.disabled;
    if (!octo_store_g.disabled) {
        s->ok = octo_store_g.started && octo_store_g.ok && octo_store_g.have_writer;
        snprintf(s->backend, sizeof(s->backend), "%s",
                 octo_store_g.be != NULL ? octo_store_g.be->name : "none");
        snprintf(s->error, sizeof(s->error), "%s", octo_store_g.error);
        s->errors_total = octo_store_g.errors_total;
        s->dropped = octo_store_g.dropped;
        s->queued = octo_store_g.queued;
        s->last_error_at = octo_store_g.last_error_at;
    }
    pthread_mutex_unlock(&octo_store_g.mu);
}
