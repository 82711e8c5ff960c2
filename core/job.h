/* job.h - a job: one launch of a flow, from the request to its record.
 *
 * The process that launches a flow (the service, or `octoflow run`) owns
 * a struct octo_job for it: its identity and input, its flow lock, its
 * state (queued -> running -> finished), its status when finished, the
 * in-memory timeline while it runs, the clients waiting for it and the
 * live-event subscribers (SSE). Executors (launch.c's in-process runs,
 * supervisor.c's worker processes)
 * run it and report back through octo_job_started / octo_job_step /
 * octo_job_finish; everything that changes is queued to the job store.
 *
 * Jobs are reference counted; the registry keeps the unfinished ones and
 * the most recent finished ones (so a client polling a job it just
 * launched gets it even when the store is failing). Thread-safe.
 */
#ifndef OCTO_JOB_H
#define OCTO_JOB_H

#include <pthread.h>
#include <stdatomic.h>

#include <jansson.h>

#include <octoflow/core.h>

#include "runner.h"
#include "step_row.h"

enum octo_job_state { OCTO_JOB_QUEUED = 0, OCTO_JOB_RUNNING, OCTO_JOB_FINISHED };

struct octo_lock;
struct octo_job_sub;

struct octo_job {
    atomic_int refs;
    char id[37];
    char *flow_path; /* relative to FLOWS_PATH (display and store) */
    char *flow_abs;  /* canonical path */
    char lock_name[1024];
    char source[16];   /* "api", "schedule", "cli" */
    char *schedule_id; /* or NULL */
    json_t *input;     /* the caller's input (owned; may be JSON null) */
    double timeout;    /* seconds, 0: none */
    double created;    /* epoch seconds */
    double started;
    double ended;
    struct octo_lock *lock; /* held while not finished */

    pthread_mutex_t mu; /* everything below */
    pthread_cond_t cv;  /* state changes (waiters) */
    _Atomic int state;  /* written under mu; read without it by the counts */
    int status;         /* enum octo_run_status, when finished */
    int abandoned;
    char *error; /* finished: the failure message, or NULL */
    char *failed_step;
    json_t *result;                 /* finished: the final flow data (redacted) */
    struct octo_row_table rows;     /* the timeline */
    struct octo_step_row **pending; /* ended rows not yet handed to the store */
    size_t npending;
    size_t cap_pending;
    struct octo_step_row *current; /* the running top-level step's row (a
                                      reference), or NULL */
    long steps_dropped;
    int cancel_requested;
    struct octo_job_sub *subs;
    int worker_pid; /* the process running it (0: this one) */

    /* set by the executor that runs it */
    struct octo_cancel cancel;
    void (*on_cancel)(struct octo_job *j); /* executor's hook, may be NULL */

    /* called once when it finishes (scheduler), outside the job's mutex */
    void (*on_finish)(struct octo_job *j, void *ud);
    void *on_finish_ud;
};

/* A new queued job (refs 1, registered). input borrowed (copied by
 * reference). Does not take the lock. */
struct octo_job *octo_job_new(const char *flow_path, const char *flow_abs, const char *source,
                              const char *schedule_id, json_t *input, double timeout);
/* Drop a job that never started (its launch was refused): out of the
 * registry, never recorded. The caller's reference stays. */
void octo_job_discard(struct octo_job *j);

/* Record the new job in the store (state queued). */
void octo_job_record(struct octo_job *j);
/* The executor started it. */
void octo_job_started(struct octo_job *j, int worker_pid);
/* A timeline row from the executor (start: outcome "running"; end).
 * row stolen. */
void octo_job_step(struct octo_job *j, struct octo_step_row *row);
/* The same, unless the job already has a row with that seq (the
 * supervisor's guess at a dead worker's last step). */
void octo_job_step_if_new(struct octo_job *j, struct octo_step_row *row);
/* The run ended: status (enum octo_run_status), message/step for
 * failures, data (stolen, may be NULL). Releases the lock, records the
 * job, wakes waiters, tells subscribers, calls on_finish. */
void octo_job_finish(struct octo_job *j, int status, const char *message, const char *step,
                     json_t *data, long steps_dropped);

/* Cancel, wait, JSON, the active list, subscriptions: octoflow/core.h. */

/* At start: unfinished jobs in the store whose owning process on this
 * node is gone become finished/abandoned. Returns how many. */
int octo_jobs_abandon_orphans(void);

/* Drop the finished jobs matching q from the registry's recent list:
 * jobs deleted from the store (DELETE /api/v1/jobs) must not still be
 * answered from memory. Unfinished jobs are never dropped. */
void octo_jobs_forget(const struct octo_job_query *q);
/* The same for jobs the store pruned (octo_store_on_prune): ids borrowed. */
void octo_jobs_forget_ids(json_t *ids);
/* Forget the registry (shutdown). */
void octo_jobs_clear(void);

#endif
