/* runner_sub.c - sub-flows: host->flow_run and host->flow_run_each.
 *
 * A sub-flow is loaded through the compiled-flow cache, takes no lock,
 * shares its parent's job (cancellation, timeline, counters) and runs
 * one level deeper. Two job-wide bounds stop runaway recursion: the depth
 * (FLOW_MAX_DEPTH) and the total number of sub-runs of the job
 * (MAX_SUBRUNS_PER_RUN) - a self-calling loop with fan-out 2 stays under
 * any sane depth limit while doing 2^depth runs. Hitting either aborts
 * the whole job with the reason: a limit is a defect of the flow, and
 * letting each level record an item error and "succeed" hid it.
 *
 * Loop items run on the core's worker pool, at most max_parallel at a
 * time, the calling thread taking part (pool.h); each item writes only
 * its own result slot, and the caller merges the items' __errors__ into
 * its own flow data after the batch, marked with their loop_index.
 */
#include "runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "errors.h"
#include "log.h"
#include "pool.h"
#include "xalloc.h"

/* Count n more sub-runs of the job and check the depth; on a limit the
 * whole job is aborted with the message. */
static int check_limits(octo_ctx *ctx, const char *rel, size_t n, octo_error *err)
{
    const struct octo_config *c = octo_config();
    int max = c != NULL ? c->max_depth : 16;
    long max_runs = c != NULL && c->max_subruns > 0 ? c->max_subruns : 100000;
    long total;

    if (ctx->run->depth + 1 > max) {
        octo_error_set(err, OCTO_ESUBFLOW, "path",
                       "sub-flow depth limit (FLOW_MAX_DEPTH=%d) reached calling %s: does a "
                       "flow call itself?",
                       max, rel);
    } else if ((total = atomic_fetch_add(&ctx->run->job->subruns, (long)n) + (long)n) > max_runs) {
        octo_error_set(err, OCTO_ESUBFLOW, "path",
                       "the job would run %ld sub-flows and loop items, more than "
                       "MAX_SUBRUNS_PER_RUN=%ld (calling %s)",
                       total, max_runs, rel);
    } else {
        return OCTO_OK;
    }
    if (ctx->run->cancel != NULL) {
        octo_cancel_abort(ctx->run->cancel, "%s", err->msg);
    }
    return OCTO_ESUBFLOW;
}

int octo_run_subflow(octo_ctx *ctx, const char *rel_path, json_t *input, json_t **out, int *failed,
                     octo_error *err)
{
    struct octo_flow *f = NULL;
    struct octo_run_opts o;
    struct octo_run_result r;
    int rc;

    *out = NULL;
    *failed = 0;
    if (ctx == NULL || ctx->run == NULL) {
        return octo_error_set(err, OCTO_EINVAL, NULL, "flow_run needs the ctx of a running step");
    }
    rc = check_limits(ctx, rel_path, 1, err);
    if (rc != OCTO_OK) {
        return rc;
    }
    rc = octo_flow_get(rel_path, &f, NULL, err);
    if (rc != OCTO_OK) {
        err->code = rc == OCTO_ENOENT ? OCTO_ENOENT : OCTO_ESUBFLOW;
        return err->code;
    }
    memset(&o, 0, sizeof(o));
    o.input = input;
    o.job = ctx->run->job;
    o.depth = ctx->run->depth + 1;
    o.parent_seq = ctx->seq;
    rc = octo_run_flow(f, &o, &r);
    octo_flow_unref(f);
    if (rc != OCTO_OK) {
        return octo_error_set(err, rc, NULL, "sub-flow %s could not run", rel_path);
    }
    if (r.failed) {
        /* Each nesting level prefixes "sub-flow X failed: step: ", so a deep
         * chain (a flow calling itself until the depth limit) overflowed the
         * message and cut off its cause, which is at the end: keep the end
         * of the inner message when the whole would not fit. */
        size_t fixed = strlen(rel_path) + strlen(r.step) + 40;
        size_t room = fixed < sizeof(err->msg) - 96 ? sizeof(err->msg) - fixed : 96;
        const char *m = r.message;
        const char *cut = "";

        if (strlen(m) > room) {
            m += strlen(m) - room;
            while ((*m & 0xC0) == 0x80) {
                m++; /* on a UTF-8 character boundary */
            }
            cut = "...";
        }
        *failed = 1;
        octo_error_set(err, r.cancelled ? OCTO_ECANCELED : OCTO_ESUBFLOW, NULL,
                       "sub-flow %s failed: %s: %s%s", rel_path, r.step, cut, m);
    }
    *out = r.data;
    return OCTO_OK;
}

struct loop {
    struct octo_flow *flow;
    json_t *items;
    struct octo_job_ctx *job;
    long parent_seq;
    const char *tag; /* the caller's log tag, for the pool threads */
    int depth;
    json_t **results;
    unsigned char *failed;
};

static void loop_item(void *arg, size_t i)
{
    struct loop *l = arg;
    struct octo_run_opts o;
    struct octo_run_result r;
    const char *saved = octo_log_set_tag(l->tag);

    memset(&o, 0, sizeof(o));
    o.input = json_array_get(l->items, i);
    o.job = l->job;
    o.depth = l->depth;
    o.loop_index = (json_int_t)i + 1;
    o.parent_seq = l->parent_seq;
    if (octo_run_flow(l->flow, &o, &r) != OCTO_OK) {
        l->results[i] = NULL;
        l->failed[i] = 1;
    } else {
        l->results[i] = r.data;
        l->failed[i] = (unsigned char)r.failed;
    }
    octo_log_set_tag(saved);
}

int octo_run_subflow_each(octo_ctx *ctx, const char *rel_path, json_t *items, unsigned max_parallel,
                          json_t **out, size_t *failed_items, octo_error *err)
{
    struct loop l;
    size_t n;
    size_t i;
    json_t *parent_errors;
    int rc;

    *out = NULL;
    *failed_items = 0;
    if (ctx == NULL || ctx->run == NULL) {
        return octo_error_set(err, OCTO_EINVAL, NULL,
                              "flow_run_each needs the ctx of a running step");
    }
    if (!json_is_array(items)) {
        return octo_error_set(err, OCTO_EINVAL, "data_key",
                              "the items to loop over must be a list");
    }
    rc = check_limits(ctx, rel_path, json_array_size(items), err);
    if (rc != OCTO_OK) {
        return rc;
    }
    memset(&l, 0, sizeof(l));
    rc = octo_flow_get(rel_path, &l.flow, NULL, err);
    if (rc != OCTO_OK) {
        err->code = rc == OCTO_ENOENT ? OCTO_ENOENT : OCTO_ESUBFLOW;
        return err->code;
    }
    n = json_array_size(items);
    l.items = items;
    l.job = ctx->run->job;
    l.parent_seq = ctx->seq;
    l.tag = octo_log_get_tag();
    l.depth = ctx->run->depth + 1;
    l.results = octo_xcalloc(n + 1, sizeof(*l.results));
    l.failed = octo_xcalloc(n + 1, 1);
    octo_pool_run_batch(n, max_parallel, loop_item, &l);
    *out = json_array();
    parent_errors = json_object_get(ctx->run->data, "__errors__");
    for (i = 0; i < n; i++) {
        json_t *d = l.results[i];
        json_t *ie = d != NULL ? json_object_get(d, "__errors__") : NULL;
        size_t k;
        json_t *e;

        if (l.failed[i]) {
            (*failed_items)++;
        }
        json_array_foreach(ie, k, e)
        {
            json_t *copy = json_copy(e);

            json_object_set_new(copy, "loop_index", json_integer((json_int_t)i + 1));
            if (json_is_array(parent_errors)) {
                json_array_append_new(parent_errors, copy);
            } else {
                json_decref(copy);
            }
        }
        json_array_append_new(*out, d != NULL ? d : json_null());
    }
    free(l.results);
    free(l.failed);
    octo_flow_unref(l.flow);
    return OCTO_OK;
}
