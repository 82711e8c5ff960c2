/* store.c - the backend-neutral job store layer (see store.h).
 *
 * DESIGN
 * ------
 * Writers never wait for the disk: a launch, a step event or a schedule
 * change appends an op to one queue and returns. The writer thread takes
 * everything queued (a batch), applies it in one transaction and
 * publishes how far it got (applied_seq). That is the group commit: under
 * load one commit carries hundreds of ops; idle, an op is applied within
 * microseconds. Readers first wait for applied_seq to reach the sequence
 * number current when they were called (octo_store_sync), so a client
 * that was told "202, job x" finds x when it lists jobs.
 *
 * Failures degrade, they do not propagate. A batch that fails is retried
 * op by op (one bad row must not cost the others); what still fails is
 * dropped and counted. The first error of each minute is logged; the
 * current state is in octo_store_health() for /api/health. A store that
 * could not be opened is retried once a minute by the writer thread.
 */
#include "store.h"

#include <limits.h>
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "errors.h"
#include "log.h"
#include "metrics.h"
#include "step_row.h"
#include "xalloc.h"

#define MAX_QUEUED 200000 /* ops; beyond, writes are dropped (a stuck disk) */
/* Launches are refused (503) while JOBS_QUEUE_MAX writes wait (below
 * MAX_QUEUED): a burst of launches faster than the disk (or a starved
 * writer thread) slows the clients down instead of growing the queue until
 * writes are dropped. */
#define BEHIND_QUEUED_DEFAULT 20000
#define MAX_BATCH             4000
#define NREADERS              8
#define REOPEN_INTERVAL       60.0
#define LOG_INTERVAL          60.0

enum op_type {
    OP_JOB_INSERT,
    OP_JOB_UPDATE,
    OP_STEPS,
    OP_SCHED_PUT,
    OP_SCHED_DELETE,
    OP_DELETE, /* synchronous */
};

struct op {
    enum op_type type;
    int merged;                   /* its columns went into an earlier op of its job (coalesce) */
    json_t *row;                  /* owned */
    struct octo_step_row **steps; /* OP_STEPS: owned references */
    size_t nsteps;
    char *id; /* owned */
    /* synchronous ops: the caller waits for done */
    const struct octo_job_query *q;
    long *count;
    octo_error *err;
    int *rc;
    int *done;
    unsigned long seq;
    struct op *next;
};

static struct {
    pthread_mutex_t mu;
    pthread_cond_t wake;    /* the writer: ops queued, stop */
    pthread_cond_t applied; /* readers and sync ops: applied_seq moved */
    struct op *head;
    struct op *tail;
    size_t queued;
    unsigned long enq_seq;
    unsigned long applied_seq;
    pthread_t thread;
    int started;
    int disabled; /* JOBS_DB=none: no store, nothing to report */
    int stop;
    int prune_requested;
    const struct octo_store_backend *be;
    char path[PATH_MAX];
    int readonly;
    void *wconn;     /* writer thread only */
    int have_writer; /* wconn != NULL, readable under mu */
    void *readers[NREADERS];
    int nfree;    /* readers[0..nfree) are idle connections */
    int nreaders; /* connections opened in all */
    /* health */
    int ok;
    char error[OCTO_ERROR_MSG_LEN];
    unsigned long errors_total;
    unsigned long dropped;
    double last_error_at;
    double last_logged;
    unsigned long suppressed;
} g = {.mu = PTHREAD_MUTEX_INITIALIZER,
       .wake = PTHREAD_COND_INITIALIZER,
       .applied = PTHREAD_COND_INITIALIZER};

static double now_real(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void abs_deadline(struct timespec *ts, double seconds)
{
    double t = now_real() + seconds;

    ts->tv_sec = (time_t)t;
    ts->tv_nsec = (long)((t - (double)ts->tv_sec) * 1e9);
}

/* Record a store error: counted, shown by health, logged at most once a
 * minute (with how many were not logged). Caller does not hold g.mu. */
static void store_error(const octo_error *err, unsigned long dropped)
{
    double now = now_real();
    int log_it = 0;
    unsigned long suppressed = 0;

    pthread_mutex_lock(&g.mu);
    g.ok = 0;
    snprintf(g.error, sizeof(g.error), "%s", err->msg);
    g.errors_total++;
    g.dropped += dropped;
    octo_metrics_store_error();
    g.last_error_at = now;
    if (now - g.last_logged >= LOG_INTERVAL) {
        log_it = 1;
        suppressed = g.suppressed;
        g.suppressed = 0;
        g.last_logged = now;
    } else {
        g.suppressed++;
    }
    pthread_mutex_unlock(&g.mu);
    if (log_it) {
        octo_log(OCTO_LOG_ERROR,
                 "%s (%lu write(s) dropped; %lu similar error(s) not logged in the last minute; "
                 "runs go on without their records)",
                 err->msg, dropped, suppressed);
    }
}

static void store_ok(void)
{
    pthread_mutex_lock(&g.mu);
    if (!g.ok && g.error[0] != '\0') {
        pthread_mutex_unlock(&g.mu);
        octo_log(OCTO_LOG_INFO, "job store writable again");
        pthread_mutex_lock(&g.mu);
    }
    g.ok = 1;
    pthread_mutex_unlock(&g.mu);
}

static void op_free(struct op *o)
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
    const struct octo_store_backend *be = g.be;
    size_t i;

    if (o->merged) {
        return OCTO_OK;
    }
    switch (o->type) {
    case OP_JOB_INSERT:
        return be->job_insert(g.wconn, o->row, err);
    case OP_JOB_UPDATE:
        return be->job_update(g.wconn, o->row, err);
    case OP_STEPS:
        for (i = 0; i < o->nsteps; i++) {
            int rc = be->step_insert(g.wconn, o->id, o->steps[i], err);

            if (rc != OCTO_OK) {
                return rc;
            }
        }
        return OCTO_OK;
    case OP_SCHED_PUT:
        return be->sched_put(g.wconn, o->row, err);
    case OP_SCHED_DELETE:
        return be->sched_delete(g.wconn, o->id, err);
    case OP_DELETE:
        return be->job_delete(g.wconn, o->q, o->count, err);
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
    pthread_mutex_lock(&g.mu);
    *o->done = 1;
    pthread_cond_broadcast(&g.applied);
    pthread_mutex_unlock(&g.mu);
}

static void try_open_writer(void)
{
    octo_error err;

    memset(&err, 0, sizeof(err));
    if (g.be->open(g.path, 1, &g.wconn, &err) != OCTO_OK) {
        g.wconn = NULL;
        store_error(&err, 0);
        return;
    }
    pthread_mutex_lock(&g.mu);
    g.have_writer = 1;
    pthread_mutex_unlock(&g.mu);
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
    if (g.wconn == NULL) {
        unsigned long n = 0;

        octo_error_set(&err, OCTO_EIO, NULL, "job store unavailable: %s",
                       g.error[0] != '\0' ? g.error : "not open");
        for (o = batch; o != NULL; o = o->next) {
            n += o->done == NULL;
            finish_sync(o, OCTO_EIO, &err);
        }
        pthread_mutex_lock(&g.mu);
        g.dropped += n;
        pthread_mutex_unlock(&g.mu);
        return;
    }
    rc = g.be->begin(g.wconn, &err);
    if (rc != OCTO_OK) {
        /* The database is locked (another process) or gone: every op of
         * the batch would wait out the busy timeout again, one by one,
         * while health still said ok. Fail them all now. */
        for (o = batch; o != NULL; o = o->next) {
            failed += o->done == NULL;
            finish_sync(o, rc, &err);
        }
        g.be->rollback(g.wconn);
        store_error(&err, failed);
        return;
    }
    for (o = batch; o != NULL && rc == OCTO_OK; o = o->next) {
        rc = apply(o, &err);
    }
    if (rc == OCTO_OK) {
        rc = g.be->commit(g.wconn, &err);
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
    g.be->rollback(g.wconn);
    for (o = batch; o != NULL; o = o->next) {
        octo_error one;

        memset(&one, 0, sizeof(one));
        rc = g.be->begin(g.wconn, &one);
        if (rc == OCTO_OK) {
            rc = apply(o, &one);
        }
        if (rc == OCTO_OK) {
            rc = g.be->commit(g.wconn, &one);
        }
        if (rc != OCTO_OK) {
            g.be->rollback(g.wconn);
            failed += o->done == NULL;
            err = one;
        } else {
            wrote |= writes(o);
        }
        finish_sync(o, rc, &one);
    }
    if (failed > 0) {
        store_error(&err, failed);
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

    if (g.wconn == NULL) {
        return;
    }
    gone = json_array();
    /* In batches, each its own transaction, so a large backlog never
     * holds the write lock for long (launches keep being recorded). */
    do {
        memset(&err, 0, sizeof(err));
        n = 0;
        if (g.be->begin(g.wconn, &err) != OCTO_OK ||
            g.be->prune(g.wconn, days > 0 ? now_real() - days * 86400.0 : 0, keep, 500, gone, &n,
                        &err) != OCTO_OK ||
            g.be->commit(g.wconn, &err) != OCTO_OK) {
            g.be->rollback(g.wconn);
            store_error(&err, 0);
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
    pthread_mutex_lock(&g.mu);
    empty = g.queued == 0;
    pthread_mutex_unlock(&g.mu);
    if (empty && since >= 20000 && now_real() - last >= 10) {
        malloc_trim(0);
        since = 0;
        last = now_real();
    }
}

static void *writer_main(void *unused)
{
    const struct octo_config *c = octo_config();
    double prune_every = c != NULL && c->jobs_prune_interval > 0 ? c->jobs_prune_interval : 3600;
    double next_prune = now_real() + 1.0; /* soon after start, off the start-up path */
    double next_reopen = now_real() + REOPEN_INTERVAL;

    (void)unused;
    pthread_mutex_lock(&g.mu);
    for (;;) {
        struct op *batch;
        struct op *last;
        size_t n = 0;
        int do_prune;

        while (g.head == NULL && !g.stop && !g.prune_requested) {
            struct timespec ts;
            double wait = next_prune - now_real();

            if (g.wconn == NULL && next_reopen - now_real() < wait) {
                wait = next_reopen - now_real();
            }
            if (wait <= 0) {
                break;
            }
            abs_deadline(&ts, wait);
            pthread_cond_timedwait(&g.wake, &g.mu, &ts);
        }
        if (g.head == NULL && g.stop) {
            break;
        }
        batch = g.head;
        last = batch;
        for (; last != NULL && last->next != NULL && n + 1 < MAX_BATCH; last = last->next) {
            n++;
        }
        if (batch != NULL) {
            g.head = last->next;
            if (g.head == NULL) {
                g.tail = NULL;
            }
            last->next = NULL;
            g.queued -= n + 1;
        }
        do_prune = g.prune_requested;
        g.prune_requested = 0;
        pthread_mutex_unlock(&g.mu);

        if (g.wconn == NULL && !g.readonly && now_real() >= next_reopen) {
            next_reopen = now_real() + REOPEN_INTERVAL;
            try_open_writer();
        }
        if (batch != NULL) {
            unsigned long seq = last->seq;
            struct op *o;

            coalesce(batch);
            apply_batch(batch);
            trim_after(n + 1);
            while (batch != NULL) {
                o = batch;
                batch = o->next;
                op_free(o);
            }
            pthread_mutex_lock(&g.mu);
            g.applied_seq = seq;
            pthread_cond_broadcast(&g.applied);
            pthread_mutex_unlock(&g.mu);
        }
        if (do_prune || now_real() >= next_prune) {
            next_prune = now_real() + prune_every;
            prune();
        }
        pthread_mutex_lock(&g.mu);
    }
    pthread_mutex_unlock(&g.mu);
    return NULL;
}

int octo_store_open(const char *path, int readonly, octo_error *err)
{
    int rc = OCTO_OK;

    if (g.started) {
        return OCTO_OK;
    }
    g.disabled = path == NULL || path[0] == '\0';
    if (g.disabled) {
        return OCTO_OK;
    }
    g.be = &octo_store_sqlite;
    snprintf(g.path, sizeof(g.path), "%s", path);
    g.readonly = readonly;
    g.stop = 0;
    g.ok = 1;
    g.error[0] = '\0';
    g.errors_total = 0;
    g.dropped = 0;
    if (!readonly) {
        rc = g.be->open(g.path, 1, &g.wconn, err);
        if (rc != OCTO_OK) {
            g.wconn = NULL;
            store_error(err, 0);
        }
        g.have_writer = g.wconn != NULL;
    }
    if (pthread_create(&g.thread, NULL, writer_main, NULL) != 0) {
        if (g.wconn != NULL) {
            g.be->close(g.wconn);
            g.wconn = NULL;
        }
        return octo_error_set(err, OCTO_EINTERNAL, NULL, "cannot start the job store writer");
    }
    g.started = 1;
    return rc;
}

void octo_store_close(void)
{
    int i;

    if (!g.started) {
        return;
    }
    pthread_mutex_lock(&g.mu);
    g.stop = 1;
    pthread_cond_signal(&g.wake);
    pthread_mutex_unlock(&g.mu);
    pthread_join(g.thread, NULL);
    g.started = 0;
    if (g.wconn != NULL) {
        g.be->close(g.wconn);
        g.wconn = NULL;
    }
    g.have_writer = 0;
    for (i = 0; i < g.nfree; i++) {
        g.be->close(g.readers[i]);
    }
    g.nfree = 0;
    g.nreaders = 0;
}

int octo_store_is_open(void)
{
    return g.started;
}

size_t octo_store_behind(void)
{
    const struct octo_config *c = octo_config();
    size_t limit =
        c != NULL && c->jobs_queue_max > 0 ? (size_t)c->jobs_queue_max : BEHIND_QUEUED_DEFAULT;
    size_t n;

    pthread_mutex_lock(&g.mu);
    n = g.started && g.queued >= limit ? g.queued : 0;
    pthread_mutex_unlock(&g.mu);
    return n;
}

static void enqueue(struct op *o)
{
    pthread_mutex_lock(&g.mu);
    if (!g.started || g.queued >= MAX_QUEUED) {
        g.dropped += o->done == NULL && !g.disabled;
        pthread_mutex_unlock(&g.mu);
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
        op_free(o);
        return;
    }
    o->seq = ++g.enq_seq;
    if (g.tail != NULL) {
        g.tail->next = o;
    } else {
        g.head = o;
    }
    g.tail = o;
    g.queued++;
    pthread_cond_signal(&g.wake);
    pthread_mutex_unlock(&g.mu);
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
    pthread_mutex_lock(&g.mu);
    g.prune_requested = 1;
    pthread_cond_signal(&g.wake);
    pthread_mutex_unlock(&g.mu);
}

int octo_store_sync(double timeout)
{
    struct timespec ts;
    unsigned long want;
    int rc = 0;

    abs_deadline(&ts, timeout);
    pthread_mutex_lock(&g.mu);
    want = g.enq_seq;
    while (g.started && g.applied_seq < want) {
        if (pthread_cond_timedwait(&g.applied, &g.mu, &ts) != 0) {
            rc = -1;
            break;
        }
    }
    pthread_mutex_unlock(&g.mu);
    return rc;
}

static void *reader_get(octo_error *err)
{
    void *c = NULL;

    pthread_mutex_lock(&g.mu);
    if (g.nfree > 0) {
        c = g.readers[--g.nfree];
    }
    pthread_mutex_unlock(&g.mu);
    if (c == NULL && g.be != NULL && g.be->open(g.path, 0, &c, err) != OCTO_OK) {
        return NULL;
    }
    return c;
}

static void reader_put(void *c)
{
    pthread_mutex_lock(&g.mu);
    if (g.nfree < NREADERS) {
        g.readers[g.nfree++] = c;
        c = NULL;
    }
    pthread_mutex_unlock(&g.mu);
    if (c != NULL) {
        g.be->close(c);
    }
}

static int reader_begin(void **c, octo_error *err)
{
    if (!g.started) {
        return octo_error_set(err, OCTO_EIO, NULL,
                              g.disabled ? "there is no job store (JOBS_DB=none)"
                                         : "the job store is not open");
    }
    octo_store_sync(2.0);
    *c = reader_get(err);
    return *c != NULL ? OCTO_OK : OCTO_EIO;
}

int octo_store_job_get(const char *id, json_t **job, json_t **steps, octo_error *err)
{
    void *c;
    int rc;

    *job = NULL;
    if (steps != NULL) {
        *steps = NULL;
    }
    if (reader_begin(&c, err) != OCTO_OK) {
        return OCTO_EIO;
    }
    rc = g.be->job_get(c, id, job, err);
    if (rc == OCTO_OK && *job != NULL && steps != NULL) {
        rc = g.be->job_steps(c, id, steps, err);
        if (rc != OCTO_OK) {
            json_decref(*job);
            *job = NULL;
        }
    }
    reader_put(c);
    return rc;
}

int octo_store_job_list(const struct octo_job_query *q, json_t **rows, long *total, octo_error *err)
{
    void *c;
    int rc;

    *rows = NULL;
    if (reader_begin(&c, err) != OCTO_OK) {
        return OCTO_EIO;
    }
    rc = g.be->job_list(c, q, rows, err);
    if (rc == OCTO_OK && total != NULL) {
        rc = g.be->job_count(c, q, total, err);
        if (rc != OCTO_OK) {
            json_decref(*rows);
            *rows = NULL;
        }
    }
    reader_put(c);
    return rc;
}

int octo_store_sched_list(json_t **rows, octo_error *err)
{
    void *c;
    int rc;

    *rows = NULL;
    if (reader_begin(&c, err) != OCTO_OK) {
        return OCTO_EIO;
    }
    rc = g.be->sched_list(c, rows, err);
    reader_put(c);
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
    pthread_mutex_lock(&g.mu);
    while (!done) {
        pthread_cond_wait(&g.applied, &g.mu);
    }
    pthread_mutex_unlock(&g.mu);
    return rc;
}

void octo_store_stats(struct octo_store_stats *s)
{
    memset(s, 0, sizeof(*s));
    pthread_mutex_lock(&g.mu);
    s->disabled = g.disabled;
    if (!g.disabled) {
        s->ok = g.started && g.ok && g.have_writer;
        snprintf(s->backend, sizeof(s->backend), "%s", g.be != NULL ? g.be->name : "none");
        snprintf(s->error, sizeof(s->error), "%s", g.error);
        s->errors_total = g.errors_total;
        s->dropped = g.dropped;
        s->queued = g.queued;
        s->last_error_at = g.last_error_at;
    }
    pthread_mutex_unlock(&g.mu);
}

json_t *octo_store_health(void)
{
    struct octo_store_stats s;
    json_t *h;

    octo_store_stats(&s);
    if (s.disabled) {
        return json_pack("{s:b, s:s}", "ok", 1, "backend", "none");
    }
    h = json_pack("{s:b, s:s, s:s?, s:I, s:I, s:I}", "ok", s.ok, "backend", s.backend, "error",
                  s.error[0] != '\0' ? s.error : NULL, "errors_total", (json_int_t)s.errors_total,
                  "dropped_writes", (json_int_t)s.dropped, "queued_writes", (json_int_t)s.queued);
    if (s.last_error_at > 0) {
        json_object_set_new(h, "last_error_at", json_real(s.last_error_at));
    }
    return h;
}
