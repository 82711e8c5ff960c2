/* runner.h - run a compiled flow.
 *
 * A run owns one JSON object, the flow data: __errors__, __input__,
 * __loop_index__, __job_id__, __timestamp__, __flow_path__, then one key
 * per step's result_key. Each step goes through, in order: when ->
 * render templated options -> resolve data_key -> the plugin's run() ->
 * jq_expression -> store under result_key. A failed step may be retried
 * (retry.h); its final error is recorded as {"step", "error": {"type",
 * "message", ...}} in __errors__; a matching ignore_errors pattern lets
 * the flow go on, otherwise the flow fails, its finally_step runs
 * (whatever its `when`) and the data is kept.
 *
 * A job is one top-level run with its sub-flows and loop items. They
 * share a struct octo_job_ctx: the cancellation (API, deadline,
 * shutdown, or a limit that aborts the whole job), the event hooks that
 * feed the job's timeline, and the job-wide counters.
 *
 * Runs are independent: any number may run at once, from any thread.
 * Cancellation is a flag checked between steps and by plugins through
 * host->cancelled(); waits (retries, sleep) end on it at once.
 */
#ifndef OCTO_RUNNER_H
#define OCTO_RUNNER_H

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include <jansson.h>
#include <octoflow/core.h>
#include <octoflow/octo_step.h>

#include "flow.h"

struct octo_buf;

/* octo_cancel_check reasons */
enum { OCTO_GO_ON = 0, OCTO_CANCELLED = 1, OCTO_DEADLINE = 2, OCTO_ABORTED = 3 };

/* Cancellation shared by a top-level run and all its sub-flows. */
struct octo_cancel {
    atomic_int flag;          /* OCTO_CANCELLED or OCTO_ABORTED once set */
    struct timespec deadline; /* CLOCK_MONOTONIC; tv_sec 0: none */
    double timeout;           /* seconds, for messages */
    pthread_mutex_t mu;       /* with cv: interruptible waits */
    pthread_cond_t cv;
    char abort_msg[OCTO_ERROR_MSG_LEN]; /* OCTO_ABORTED: why (set before the flag) */
};

/* timeout_seconds <= 0 (or not finite): no deadline. Values beyond a
 * year are clamped to a year (callers validate before). */
void octo_cancel_init(struct octo_cancel *c, double timeout_seconds);
void octo_cancel_destroy(struct octo_cancel *c);
void octo_cancel_request(struct octo_cancel *c);
/* Stop the whole job with a message (a limit was hit); the first wins. */
void octo_cancel_abort(struct octo_cancel *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* OCTO_GO_ON, OCTO_CANCELLED, OCTO_DEADLINE or OCTO_ABORTED. */
int octo_cancel_check(const struct octo_cancel *c);
/* Wait up to seconds. 0 when the time passed, else the reason it ended
 * early (octo_cancel_check). */
int octo_cancel_sleep(struct octo_cancel *c, double seconds);
/* Seconds left before the deadline (a large number when there is none). */
double octo_cancel_remaining(const struct octo_cancel *c);

/* One step execution, as the timeline records it. Borrowed pointers are
 * valid during the hook call only. */
struct octo_step_event {
    long seq;    /* unique in the job, from 1 */
    long parent; /* seq of the step that ran this sub-flow; 0 at top */
    long item;   /* loop index (1-based) of the run; 0 when none */
    int depth;   /* 0: the job's own flow */
    long index;  /* the step's index in its flow */
    const char *name;
    const char *type;
    const char *flow; /* the flow's path */
    int attempt;      /* 1, 2, ... */
    double started;   /* epoch seconds */
    /* end events only */
    long long duration_us;
    const char *outcome; /* "ok" "skipped" "ignored" "failed" "retried"; NULL: start */
    json_t *error;       /* the error record, or NULL */
    json_t *input;       /* the step's input, or NULL */
    json_t *output;      /* what was stored under result_key, or NULL */
    int recorded;        /* set by the step_start hook: it kept this step, so
                            its end must be kept too (one row per seq) */
};

/* Called from any run thread of the job (loop items run in parallel):
 * implementations are thread-safe and do not block for long.
 * A step whose `when` is false never starts: it gets one step_start
 * call with its outcome ("skipped") already set and no step_end, so a
 * skipped step costs one timeline row instead of two. */
struct octo_run_hooks {
    void (*step_start)(void *ud, struct octo_step_event *ev);
    void (*step_end)(void *ud, const struct octo_step_event *ev);
    void *ud;
};

/* What every run of one job shares. */
struct octo_job_ctx {
    struct octo_cancel *cancel;         /* may be NULL */
    const struct octo_run_hooks *hooks; /* may be NULL */
    char job_id[40];
    atomic_long subruns; /* sub-flow runs and loop items so far */
    atomic_long seq;     /* step event numbers */
    /* steps that already warned of an undefined variable in this job
     * (runner_undef.c): claimed lock-free, zeroed by octo_job_ctx_init */
    _Atomic(const void *) undef_warned[32];
};

void octo_job_ctx_init(struct octo_job_ctx *j, const char *job_id, struct octo_cancel *cancel,
                       const struct octo_run_hooks *hooks);

/* How a run ended: enum octo_run_status (octoflow/core.h). */

struct octo_run_opts {
    json_t *input;              /* borrowed; NULL is null */
    struct octo_job_ctx *job;   /* NULL: a job of its own (cancel, job_id below) */
    struct octo_cancel *cancel; /* without job: may be NULL */
    const char *job_id;         /* without job: NULL makes a new id at depth 0 */
    int depth;                  /* 0 for a top-level run */
    json_int_t loop_index;      /* 0: not a loop item */
    long parent_seq;            /* the step event that started this sub-run */
};

struct octo_run_result {
    json_t *data; /* new: the final flow data */
    int failed;
    int cancelled;                    /* failed because cancelled, timed out or aborted */
    int status;                       /* enum octo_run_status */
    char step[256];                   /* the failing step's name */
    char message[OCTO_ERROR_MSG_LEN]; /* its error message */
    char job_id[40];
    long steps_run; /* steps executed (skipped ones included) */
};

/* Run flow f. Returns OCTO_OK when the flow ran (r->status tells how it
 * ended), or an error when it could not start. */
int octo_run_flow(struct octo_flow *f, const struct octo_run_opts *o, struct octo_run_result *r);
void octo_run_result_free(struct octo_run_result *r);

/* One run of a flow; the host services reach it through the ctx. */
struct octo_run {
    struct octo_flow *flow;
    json_t *data;
    struct octo_job_ctx *job;
    struct octo_cancel *cancel; /* job->cancel */
    int depth;
    json_int_t loop_index;
    long parent_seq;
    char prefix[300]; /* "[name]" or "[name][3]" */
};

/* What a control step asked for (host->control), read by the runner
 * once run() returned. */
struct octo_control_result {
    int what; /* 0, OCTO_CONTROL_GOTO, OCTO_CONTROL_EXIT */
    char arg[OCTO_ERROR_MSG_LEN];
};

struct octo_ctx {
    struct octo_run *run;
    const struct octo_step *step;
    long seq;                            /* the step event of this execution */
    struct octo_control_result *control; /* where host->control writes */
};

/* Execute one step's phases (runner_step.c): when, options, data_key,
 * run(), jq_expression. *out new on success; *input borrowed (the step's
 * input, may be NULL). */
int octo_run_step(struct octo_run *run, const struct octo_step *st, long seq, int ignore_when,
                  int *skipped, json_t **input, json_t **out, struct octo_control_result *cr,
                  octo_error *err);
/* Evaluate st's `when` conditions alone (the first phase above): *run_it
 * is 0 when one of them is false. */
int octo_run_step_when(struct octo_run *run, const struct octo_step *st, int *run_it,
                       octo_error *err);

/* Render one templated option of st (runner_undef.c): an undefined
 * variable written into it is a warning naming the variable, the step and
 * its line, once per step and job; an error under TEMPLATE_UNDEFINED=strict
 * or the flow's `undefined: strict`. */
int octo_render_option(struct octo_run *run, const struct octo_step *st,
                       const struct octo_tmpl_opt *t, struct octo_buf *out, octo_error *err);

/* host->run_nested (runner.c). */
int octo_run_nested(octo_ctx *ctx, const char *option, size_t index, json_t **out, octo_error *err);

/* Sub-flow services behind host->flow_run / flow_run_each. */
int octo_run_subflow(octo_ctx *ctx, const char *rel_path, json_t *input, json_t **out, int *failed,
                     octo_error *err);
int octo_run_subflow_each(octo_ctx *ctx, const char *rel_path, json_t *items, unsigned max_parallel,
                          json_t **out, size_t *failed_items, octo_error *err);

/* The Python str()-like one-line text ignore_errors patterns are searched
 * in: "<type>: <message>" (plus " {'status_code': N, 'response_content':
 * ...}" for HTTP errors), CR/LF as spaces. Returns a malloc'd string. */
char *octo_error_subject(const octo_error *err);

/* The __errors__ record {"step", "error": {"type", "message",
 * "status_code"?, "response_content"?}} of err (new). */
json_t *octo_error_record(const char *step, const octo_error *err);

/* A new UUID4 string (36 characters + NUL). */
void octo_uuid4(char out[37]);

/* Epoch seconds, microsecond precision. */
double octo_now(void);

#endif
