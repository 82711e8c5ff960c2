/* store_writer.c - the job store's writer thread: it takes what is
 * queued, applies it in one transaction (group commit), falls back to op
 * by op on failure, prunes old jobs and reopens a store it lost.
 *
 * Split from store.c, which keeps the public API that queues ops: the
 * writer's batching and failure handling is its own concern. The thread
 * owns octo_store_g.wconn; everything else shared is under
 * octo_store_g.mu (store_int.h).
 */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "metrics.h"
#include "step_row.h"
#include "store_int.h"

#define MAX_BATCH 4000
/* The least time between two commits, unless a reader or a synchronous op
 * waits. Each commit rewrites the pages it touches (the table's last leaf,
 * every index's) into the WAL whatever it carries: one commit per launch
 * wrote ~40 KB per launch and held the store to ~55% of the launches/s
 * without it. Idle, the first op after a quiet spell is still committed
 * at once. */
#define COMMIT_GAP      0.002
#define REOPEN_INTERVAL 60.0
#define LOG_INTERVAL    60.0

void octo_store_error(const octo_error *err, unsigned long dropped)
{
    double now = octo_store_now();
    int log_it = 0;
    unsigned long suppressed = 0;

    pthread_mutex_lock(&octo_store_g.mu);
    octo_store_g.ok = 0;
    snprintf(octo_store_g.error, sizeof(octo_store_g.error), "%s", err->msg);
    octo_store_g.errors_total++;
    octo_store_g.dropped += dropped;
    octo_metrics_store_error();
    octo_store_g.last_error_at = now;
    if (now - octo_store_g.last_logged >= LOG_INTERVAL) {
        log_it = 1;
        suppressed = octo_store_g.suppressed;
        octo_store_g.suppressed = 0;
        octo_store_g.last_logged = now;
    } else {
        octo_store_g.suppressed++;
    }
    pthread_mutex_unlock(&octo_store_g.mu);
    if (log_it) {
        octo_log(OCTO_LOG_ERROR,
                 "%s (%lu write(s) dropped; %lu similar error(s) not logged in the last minute; "
                 "runs go on without their records)",
                 err->msg, dropped, suppressed);
    }
}

static void store_ok(void)
{
    pthread_mutex_lock(&octo_store_g.mu);
    if (!octo_store_g.ok && octo_store_g.error[0] != '\0') {
        pthread_mutex_unlock(&octo_store_g.mu);
        octo_log(OCTO_LOG_INFO, "job store writable again");
        pthread_mutex_lock(&octo_store_g.mu);
    }
    octo_store_g.ok = 1;
    pthread_mutex_unlock(&octo_store_g.mu);
}

void octo_store_op_free(struct op *o)
{
    size_t i;

    json_decref(o->row);
    for (i = 0; i < o->nsteps; i++) {
        octo_step_row_unref(o->steps[i]);
    }
    free(o->steps);
    free(o->id);
    free(o);
}

static int apply(struct op *o, octo_error *err)
{
    const struct octo_store_backend *be = octo_store_g.be;
    size_t i;

    if (o->merged) {
        return OCTO_OK;
    }
    switch (o->type) {
    case OP_JOB_INSERT:
        return be->job_insert(octo_store_g.wconn, o->row, err);
    case OP_JOB_UPDATE:
        return be->job_update(octo_store_g.wconn, o->row, err);
    case OP_STEPS:
        for (i = 0; i < o->nsteps; i++) {
            int rc = be->step_insert(octo_store_g.wconn, o->id, o->steps[i], err);

            if (rc != OCTO_OK) {
                return rc;
            }
        }
        return OCTO_OK;
    case OP_SCHED_PUT:
        return be->sched_put(octo_store_g.wconn, o->row, err);
    case OP_SCHED_DELETE:
        return be->sched_delete(octo_store_g.wconn, o->id, err);
    case OP_DELETE:
        return be->job_delete(octo_store_g.wconn, o->q, o->count, err);
    }
    return OCTO_EINTERNAL;
}

static void finish_sync(struct op *o, int rc, const octo_error *err)
{
    if (o->done == NULL) {
        return;
    }
    *o->rc = rc;
    if (rc != OCTO_OK && o->err != NULL) {
        *o->err = *err;
    }
    pthread_mutex_lock(&octo_store_g.mu);
    *o->done = 1;
    pthread_cond_broadcast(&octo_store_g.applied);
    pthread_mutex_unlock(&octo_store_g.mu);
}

static void try_open_writer(void)
{
    octo_error err;

    memset(&err, 0, sizeof(err));
    if (octo_store_g.be->open(octo_store_g.path, 1, &octo_store_g.wconn, &err) != OCTO_OK) {
        octo_store_g.wconn = NULL;
        octo_store_error(&err, 0);
        return;
    }
    pthread_mutex_lock(&octo_store_g.mu);
    octo_store_g.have_writer = 1;
    pthread_mutex_unlock(&octo_store_g.mu);
    store_ok();
}

/* Ops that always change the file when they succeed. An update or a
 * delete may match no row (the job's insert was dropped) and commit
 * without writing anything: such a success says nothing about a full
 * disk, and counting it flipped /api/health back to "ok" (and logged
 * "writable again") while every real write still failed. */
static int writes(const struct op *o)
{
    return !o->merged && (o->type == OP_JOB_INSERT || o->type == OP_SCHED_PUT ||
                          (o->type == OP_STEPS && o->nsteps > 0));
}

/* Writes of one job that meet in a batch become one: its insert (or its
 * first update) takes the later updates' columns, which are skipped. A
 * job launched and finished between two commits is then one row written,
 * not an insert and two updates - what keeps the writer ahead of
 * thousands of launches a second. Deletes are barriers (an update after
 * a delete must not resurrect the row). */
static void coalesce(struct op *batch)
{
    json_t *by_id = json_object(); /* job id -> the op that takes the merge */
    struct op *o;

    for (o = batch; o != NULL; o = o->next) {
        const char *id;
        json_t *target;

        if (o->type == OP_DELETE) {
            json_object_clear(by_id);
            continue;
        }
        if ((o->type != OP_JOB_INSERT && o->type != OP_JOB_UPDATE) || o->done != NULL) {
            continue;
        }
        id = json_string_value(json_object_get(o->row, "id"));
        if (id == NULL) {
            continue;
        }
        target = json_object_get(by_id, id);
        if (target != NULL) {
            struct op *t = (struct op *)(intptr_t)json_integer_value(target);

            json_object_update(t->row, o->row);
            o->merged = 1;
        } else {
            json_object_set_new(by_id, id, json_integer((json_int_t)(intptr_t)o));
        }
    }
    json_decref(by_id);
}

/* Apply a batch in one transaction; on failure, op by op. */
static void apply_batch(struct op *batch)
{
    octo_error err;
    struct op *o;
    int rc;
    int wrote = 0;
    unsigned long failed = 0;

    memset(&err, 0, sizeof(err));
    if (octo_store_g.wconn == NULL) {
        unsigned long n = 0;

        octo_error_set(&err, OCTO_EIO, NULL, "job store unavailable: %s",
                       octo_store_g.error[0] != '\0' ? octo_store_g.error : "not open");
        for (o = batch; o != NULL; o = o->next) {
            n += o->done == NULL;
            finish_sync(o, OCTO_EIO, &err);
        }
        pthread_mutex_lock(&octo_store_g.mu);
        octo_store_g.dropped += n;
        pthread_mutex_unlock(&octo_store_g.mu);
        return;
    }
    rc = octo_store_g.be->begin(octo_store_g.wconn, &err);
    if (rc != OCTO_OK) {
        /* The database is locked (another process) or gone: every op of
         * the batch would wait out the busy timeout again, one by one,
         * while health still said ok. Fail them all now. */
        for (o = batch; o != NULL; o = o->next) {
            failed += o->done == NULL;
            finish_sync(o, rc, &err);
        }
        octo_store_g.be->rollback(octo_store_g.wconn);
        octo_store_error(&err, failed);
        return;
    }
    for (o = batch; o != NULL && rc == OCTO_OK; o = o->next) {
        rc = apply(o, &err);
    }
    if (rc == OCTO_OK) {
        rc = octo_store_g.be->commit(octo_store_g.wconn, &err);
    }
    if (rc == OCTO_OK) {
        for (o = batch; o != NULL; o = o->next) {
            finish_sync(o, OCTO_OK, &err);
            wrote |= writes(o);
        }
        if (wrote) {
            store_ok();
        }
        return;
    }
    octo_store_g.be->rollback(octo_store_g.wconn);
    for (o = batch; o != NULL; o = o->next) {
        octo_error one;

        memset(&one, 0, sizeof(one));
        rc = octo_store_g.be->begin(octo_store_g.wconn, &one);
        if (rc == OCTO_OK) {
            rc = apply(o, &one);
        }
        if (rc == OCTO_OK) {
            rc = octo_store_g.be->commit(octo_store_g.wconn, &one);
        }
        if (rc != OCTO_OK) {
            octo_store_g.be->rollback(octo_store_g.wconn);
            failed += o->done == NULL;
            err = one;
        } else {
            wrote |= writes(o);
        }
        finish_sync(o, rc, &one);
    }
    if (failed > 0) {
        octo_store_error(&err, failed);
    } else if (wrote) {
        store_ok();
    }
}

static void (*_Atomic g_on_prune)(json_t *ids);

void octo_store_on_prune(void (*fn)(json_t *ids))
{
    g_on_prune = fn;
}

static void prune(void)
{
    const struct octo_config *c = octo_config();
    double days = c != NULL ? (double)c->jobs_retention_days : 30.0;
    long keep = c != NULL ? c->jobs_max : 100000;
    long total = 0;
    long n;
    octo_error err;
    json_t *gone;

    if (octo_store_g.wconn == NULL) {
        return;
    }
    gone = json_array();
    /* In batches, each its own transaction, so a large backlog never
     * holds the write lock for long (launches keep being recorded). */
    do {
        memset(&err, 0, sizeof(err));
        n = 0;
        if (octo_store_g.be->begin(octo_store_g.wconn, &err) != OCTO_OK ||
            octo_store_g.be->prune(octo_store_g.wconn,
                                   days > 0 ? octo_store_now() - days * 86400.0 : 0, keep, 500,
                                   gone, &n, &err) != OCTO_OK ||
            octo_store_g.be->commit(octo_store_g.wconn, &err) != OCTO_OK) {
            octo_store_g.be->rollback(octo_store_g.wconn);
            octo_store_error(&err, 0);
            json_decref(gone);
            return;
        }
        total += n;
    } while (n > 0);
    if (total > 0) {
        void (*fn)(json_t *) = g_on_prune;

        octo_log(OCTO_LOG_INFO,
                 "job store: %ld old job(s) pruned (JOBS_RETENTION_DAYS=%g, "
                 "JOBS_MAX=%ld)",
                 total, days, keep);
        if (fn != NULL) { /* what is gone from the store is gone from memory too */
            fn(gone);
        }
    }
    json_decref(gone);
}

/* After a backlog, give the memory its ops held back to the system:
 * glibc keeps freed memory in per-thread arenas, so a burst of queued
 * writes would otherwise stay in the service's RSS for good. */
static void trim_after(size_t applied)
{
    static size_t since; /* the writer thread's alone */
    static double last;
    int empty;

    since += applied;
    pthread_mutex_lock(&octo_store_g.mu);
    empty = octo_store_g.queued == 0;
    pthread_mutex_unlock(&octo_store_g.mu);
    if (empty && since >= 20000 && octo_store_now() - last >= 10) {
        malloc_trim(0);
        since = 0;
        last = octo_store_now();
    }
}

void *octo_store_writer_main(void *unused)
{
    const struct octo_config *c = octo_config();
    double prune_every = c != NULL && c->jobs_prune_interval > 0 ? c->jobs_prune_interval : 3600;
    double next_prune = octo_store_now() + 1.0; /* soon after start, off the start-up path */
    double next_reopen = octo_store_now() + REOPEN_INTERVAL;
    double last_commit = 0;

    (void)unused;
    pthread_mutex_lock(&octo_store_g.mu);
    for (;;) {
        struct op *batch;
        struct op *last;
        size_t n = 0;
        int do_prune;

        while (!octo_store_g.stop && !octo_store_g.prune_requested) {
            struct timespec ts;
            double now = octo_store_now();
            double wait;

            if (octo_store_g.head == NULL) {
                wait = next_prune - now;
                if (octo_store_g.wconn == NULL && next_reopen - now < wait) {
                    wait = next_reopen - now;
                }
                octo_store_g.writer_idle = 1;
            } else if (!octo_store_g.urgent && now < last_commit + COMMIT_GAP &&
                       now >= last_commit) { /* (a clock set back: no wait) */
                wait = last_commit + COMMIT_GAP - now;
            } else {
                break;
            }
            if (wait <= 0) {
                break;
            }
            octo_store_abs_deadline(&ts, wait);
            pthread_cond_timedwait(&octo_store_g.wake, &octo_store_g.mu, &ts);
        }
        octo_store_g.writer_idle = 0;
        if (octo_store_g.head == NULL && octo_store_g.stop) {
            break;
        }
        batch = octo_store_g.head;
        last = batch;
        for (; last != NULL && last->next != NULL && n + 1 < MAX_BATCH; last = last->next) {
            n++;
        }
        if (batch != NULL) {
            octo_store_g.head = last->next;
            if (octo_store_g.head == NULL) {
                octo_store_g.tail = NULL;
            }
            last->next = NULL;
            octo_store_g.queued -= n + 1;
            if (octo_store_g.head == NULL) {
                octo_store_g.urgent = 0; /* what a waiter wants is in this batch */
            }
        }
        do_prune = octo_store_g.prune_requested;
        octo_store_g.prune_requested = 0;
        pthread_mutex_unlock(&octo_store_g.mu);

        if (octo_store_g.wconn == NULL && !octo_store_g.readonly &&
            octo_store_now() >= next_reopen) {
            next_reopen = octo_store_now() + REOPEN_INTERVAL;
            try_open_writer();
        }
        if (batch != NULL) {
            unsigned long seq = last->seq;
            struct op *o;

            coalesce(batch);
            apply_batch(batch);
            last_commit = octo_store_now();
            trim_after(n + 1);
            while (batch != NULL) {
                o = batch;
                batch = o->next;
                octo_store_op_free(o);
            }
            pthread_mutex_lock(&octo_store_g.mu);
            octo_store_g.applied_seq = seq;
            pthread_cond_broadcast(&octo_store_g.applied);
            pthread_mutex_unlock(&octo_store_g.mu);
        }
        if (do_prune || octo_store_now() >= next_prune) {
            next_prune = octo_store_now() + prune_every;
            prune();
        }
        pthread_mutex_lock(&octo_store_g.mu);
    }
    pthread_mutex_unlock(&octo_store_g.mu);
    return NULL;
}
