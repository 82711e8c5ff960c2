/* runner.h - run a compiled flow.
 *
 * A run owns one JSON object, the flow data: __errors__, __input__,
 * __loop_index__, __job_id__, __timestamp__, __flow_path__, then one key
 * per step's result_key. Each step goes through, in order: when ->
 * render templated options -> resolve data_key -> the plugin's run() ->
 * jq_expression -> store under result_key. A failed step records
 * {"step", "error": {"type", "message", ...}} in __errors__; a matching
 * ignore_errors pattern lets the flow go on, otherwise the flow fails,
 * its finally_step runs (whatever its `when`) and the data is kept.
 *
 * Runs are independent: any number may run at once, from any thread.
 * Cancellation (API, timeout, shutdown) is a shared flag checked between
 * steps and by plugins through host->cancelled().
 */
#ifndef OCTO_RUNNER_H
#define OCTO_RUNNER_H

#include <stdatomic.h>
#include <time.h>

#include <jansson.h>
#include <octoflow/octo_step.h>

#include "flow.h"

/* Cancellation shared by a top-level run and all its sub-flows. */
struct octo_cancel {
    atomic_int flag;        /* set by octo_cancel_request */
    struct timespec deadline; /* CLOCK_MONOTONIC; tv_sec 0: none */
    double timeout;         /* seconds, for messages */
};

void octo_cancel_init(struct octo_cancel *c, double timeout_seconds);
void octo_cancel_request(struct octo_cancel *c);
/* 0: go on; 1: cancelled on request; 2: deadline passed. */
int octo_cancel_check(const struct octo_cancel *c);

struct octo_run_opts {
    json_t *input;               /* borrowed; NULL is null */
    struct octo_cancel *cancel;  /* may be NULL */
    const char *job_id;          /* NULL: a new id is made for depth 0 */
    int depth;                   /* 0 for a top-level run */
    json_int_t loop_index;       /* 0: not a loop item */
};

struct octo_run_result {
    json_t *data;                /* new: the final flow data */
    int failed;
    int cancelled;               /* failed because cancelled or timed out */
    char step[256];              /* the failing step's name */
    char message[OCTO_ERROR_MSG_LEN]; /* its error message */
    char job_id[40];
};

/* Run flow f. Returns OCTO_OK when the flow ran (r->failed tells how it
 * ended), or an error when it could not start (out of memory). */
int octo_run_flow(struct octo_flow *f, const struct octo_run_opts *o, struct octo_run_result *r);
void octo_run_result_free(struct octo_run_result *r);

/* One run of a flow; the host services reach it through the ctx. */
struct octo_run {
    struct octo_flow *flow;
    json_t *data;
    struct octo_cancel *cancel;
    int depth;
    json_int_t loop_index;
    char prefix[300];            /* "[name]" or "[name][3]" */
};

struct octo_ctx {
    struct octo_run *run;
    const struct octo_step *step;
};

/* Sub-flow services behind host->flow_run / flow_run_each. */
int octo_run_subflow(octo_ctx *ctx, const char *rel_path, json_t *input, json_t **out,
                     int *failed, octo_error *err);
int octo_run_subflow_each(octo_ctx *ctx, const char *rel_path, json_t *items,
                          unsigned max_parallel, json_t **out, size_t *failed_items,
                          octo_error *err);

/* The Python str()-like one-line text ignore_errors patterns are searched
 * in: "<type>: <message>" (plus " {'status_code': N, 'response_content':
 * ...}" for HTTP errors), CR/LF as spaces. Returns a malloc'd string. */
char *octo_error_subject(const octo_error *err);

/* A new UUID4 string (36 characters + NUL). */
void octo_uuid4(char out[37]);

#endif
