/* launch.c - the front door (see launch.h), and the two in-process
 * executors: the calling thread (the CLI) and the core's thread pool
 * (FLOW_ISOLATION=thread). The process executor is supervisor.c. */
#include "launch.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "errors.h"
#include "flow.h"
#include "job.h"
#include "locks.h"
#include "log.h"
#include "pool.h"
#include "redact.h"
#include "runner.h"
#include "step_row.h"
#include "store.h"
#include "supervisor.h"
#include "timeline.h"
#include "xalloc.h"

static atomic_int g_mode = OCTO_EXEC_INLINE;
static atomic_int g_closed;

void octo_launch_set_mode(int mode)
{
    atomic_store(&g_mode, mode);
}

int octo_launch_mode(void)
{
    return atomic_load(&g_mode);
}

void octo_launch_close(void)
{
    atomic_store(&g_closed, 1);
}

void octo_launch_reset(void)
{
    atomic_store(&g_closed, 0);
}

/* ---- in-process execution ------------------------------------------- */

struct inproc {
    struct octo_job *job;
    struct octo_flow *flow;
    struct octo_timeline_policy policy;
};

static void hook_start(void *ud, struct octo_step_event *ev)
{
    struct inproc *x = ud;

    if (octo_timeline_keep_start(&x->policy, ev)) {
        octo_job_step(x->job, octo_step_row_from_event(ev, OCTO_STEP_DATA_BYTES));
    }
}

static void hook_end(void *ud, const struct octo_step_event *ev)
{
    struct inproc *x = ud;

    if (octo_timeline_keep_end(&x->policy, ev)) {
        octo_job_step(x->job, octo_step_row_from_event(ev, OCTO_STEP_DATA_BYTES));
    }
}

/* Run the job here and finish it. Takes over x (the flow reference and
 * the job reference in it). */
static void run_inproc(struct inproc *x)
{
    struct octo_job *j = x->job;
    struct octo_run_hooks hooks = {hook_start, hook_end, x};
    struct octo_job_ctx ctx;
    struct octo_run_opts o;
    struct octo_run_result r;
    int cancelled;

    pthread_mutex_lock(&j->mu);
    cancelled = j->cancel_requested;
    pthread_mutex_unlock(&j->mu);
    if (cancelled) {
        octo_job_finish(j, OCTO_RUN_CANCELLED, "the job was cancelled before it started", NULL,
                        NULL, 0);
    } else {
        octo_timeline_policy_init(&x->policy);
        octo_job_started(j, 0);
        octo_job_ctx_init(&ctx, j->id, &j->cancel, &hooks);
        memset(&o, 0, sizeof(o));
        o.input = j->input;
        o.job = &ctx;
        octo_run_flow(x->flow, &o, &r);
        octo_job_finish(j, r.status, r.message, r.step, octo_redact_json(r.data),
                        atomic_load(&x->policy.dropped));
        octo_run_result_free(&r);
    }
    octo_flow_unref(x->flow);
    octo_job_unref(j);
    free(x);
}

static void pool_task(void *arg)
{
    run_inproc(arg);
}

/* ---- the front door --------------------------------------------------- */

int octo_launch(const struct octo_launch_req *req, struct octo_job **out, octo_error *err)
{
    struct octo_flow *f = NULL;
    struct octo_job *j;
    int rc;
    int mode = atomic_load(&g_mode);

    *out = NULL;
    if (atomic_load(&g_closed)) {
        octo_error_set(err, OCTO_ECANCELED, NULL, "the service is shutting down");
        return OCTO_LAUNCH_UNAVAILABLE;
    }
    {
        size_t behind = octo_store_behind();

        if (behind > 0) {
            octo_error_set(err, OCTO_EIO, NULL,
                           "the job store is %zu writes behind: retry in a moment", behind);
            return OCTO_LAUNCH_UNAVAILABLE;
        }
    }
    {
        struct octo_diags d;

        octo_diags_init(&d);
        rc = req->cli_arg ? octo_flow_open_arg(req->flow, 0, &f, &d, err)
                          : octo_flow_get(req->flow, &f, &d, err);
        if (req->diags != NULL) {
            json_object_set(req->diags, "errors", d.errors);
            json_object_set(req->diags, "warnings", d.warnings);
        }
        octo_diags_free(&d);
    }
    if (rc == OCTO_OK && f->shallow) {
        rc = octo_flow_deep_check(f, req->diags, err);
        if (rc != OCTO_OK) {
            octo_flow_unref(f);
            if (rc == OCTO_ETIMEDOUT) {
                return OCTO_LAUNCH_ERROR;
            }
        }
    }
    if (rc != OCTO_OK) {
        if (rc == OCTO_ENOENT) {
            return OCTO_LAUNCH_NOT_FOUND;
        }
        octo_log(OCTO_LOG_ERROR, "Launch of %s (%s) refused: the flow does not validate: %s",
                 req->flow, req->source, err->msg);
        return OCTO_LAUNCH_INVALID;
    }
    j = octo_job_new(f->path, f->abs_path, req->source, req->schedule_id, req->input, req->timeout);
    rc = octo_lock_acquire(j->lock_name, j->id, &j->lock, err);
    if (rc != OCTO_OK) {
        /* never recorded: a refused launch is not a job (the original did
         * not record one either) */
        octo_job_discard(j);
        octo_job_unref(j);
        octo_flow_unref(f);
        return rc == OCTO_EACCES ? OCTO_LAUNCH_BUSY : OCTO_LAUNCH_ERROR;
    }
    j->on_finish = req->on_finish;
    j->on_finish_ud = req->ud;
    octo_job_record(j);
    octo_log(OCTO_LOG_INFO, "[job %.8s] Job %s: %s launched (%s%s%s)", j->id, j->id, f->path,
             req->source, req->schedule_id != NULL ? ", schedule " : "",
             req->schedule_id != NULL ? req->schedule_id : "");
    *out = octo_job_ref(j);
    if (req->inline_run || mode == OCTO_EXEC_INLINE ||
        (mode == OCTO_EXEC_PROCESSES && !octo_supervisor_running())) {
        struct inproc *x = octo_xcalloc(1, sizeof(*x));

        x->job = j;
        x->flow = f;
        run_inproc(x);
        return OCTO_LAUNCHED;
    }
    if (mode == OCTO_EXEC_PROCESSES) {
        octo_flow_unref(f);
        octo_supervisor_submit(j); /* takes its own reference */
        octo_job_unref(j);
        return OCTO_LAUNCHED;
    }
    {
        struct inproc *x = octo_xcalloc(1, sizeof(*x));

        x->job = j;
        x->flow = f;
        if (octo_pool_submit(pool_task, x) != 0) {
            run_inproc(x); /* no pool (stopping): run here rather than lose it */
        }
    }
    return OCTO_LAUNCHED;
}
