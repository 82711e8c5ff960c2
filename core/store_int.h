/* store_int.h - what the store layer's files share; private to them
 * (store.c, store_writer.c, store_read.c), never included elsewhere.
 *
 * store.c holds the state and the public queueing API, store_writer.c the
 * writer thread that applies queued ops in batches, store_read.c the
 * reader connections and the reads.
 *
 * Locking: octo_store_g.mu guards the queue (head, tail, queued, the
 * sequence numbers, stop, prune_requested), the idle reader connections
 * (readers, nfree, nreaders), have_writer and the health fields. wconn is
 * the writer thread's alone (and open/close's, before it starts and
 * after it is joined). be, path, readonly, disabled and started are set
 * by octo_store_open/close only, while no other thread uses the store.
 */
#ifndef OCTO_STORE_INT_H
#define OCTO_STORE_INT_H

#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <time.h>

#include "errors.h"
#include "store.h"

#define NREADERS 8

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

struct octo_store_state {
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
    int writer_idle; /* the writer waits for an op: an enqueue must wake it */
    int urgent;      /* someone waits for what is queued: commit now, no gap */
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
};

extern struct octo_store_state octo_store_g;

/* Wall-clock time in epoch seconds. */
double octo_store_now(void);
/* ts = now + seconds, for pthread_cond_timedwait. */
void octo_store_abs_deadline(struct timespec *ts, double seconds);
/* Record a store error: counted, shown by health, logged at most once a
 * minute (with how many were not logged). Caller does not hold
 * octo_store_g.mu. */
void octo_store_error(const octo_error *err, unsigned long dropped);
/* Free an op and everything it owns. */
void octo_store_op_free(struct op *o);
/* The writer thread (store_writer.c). */
void *octo_store_writer_main(void *unused);

#endif
