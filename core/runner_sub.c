/* runner_sub.c - sub-flows: host->flow_run and host->flow_run_each.
 *
 * A sub-flow is loaded through the compiled-flow cache, takes no lock,
 * shares its parent's cancellation and secrets, and runs one level deeper
 * (FLOW_MAX_DEPTH stops a flow that calls itself). Loop items run on the
 * core's worker pool, at most max_parallel at a time, the calling thread
 * taking part (pool.h); each item writes only its own result slot, and
 * the caller merges the items' __errors__ into its own flow data after
 * the batch, marked with their loop_index.
 */
#include "runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "errors.h"
#include "log.h"
#include "pool.h"

static int check_depth(octo_ctx *ctx, const char *rel, octo_error *err)
{
    const struct octo_config *c = octo_config();
    int max = c != NULL ? c->max_depth : 16;

    if (ctx->run->depth + 1 > max) {
        return octo_error_set(err, OCTO_ESUBFLOW, "path",
                              "sub-flow depth limit (%d) reached calling %s: does a flow call "
                              "itself?",
                              max, rel);
    }
    return OCTO_OK;
}

int octo_run_subflow(octo_ctx *ctx, const char *rel_path, json_t *input, json_t **out,
                     int *failed, octo_error *err)
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
    rc = check_depth(ctx, rel_path, err);
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
    o.cancel = ctx->run->cancel;
    o.depth = ctx->run->depth + 1;
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
    struct octo_cancel *cancel;
    int depth;
    json_t **results;
    unsigned char *failed;
};

static void loop_item(void *arg, size_t i)
{
    struct loop *l = arg;
    struct octo_run_opts o;
    struct octo_run_result r;

    memset(&o, 0, sizeof(o));
    o.input = json_array_get(l->items, i);
    o.cancel = l->cancel;
    o.depth = l->depth;
    o.loop_index = (json_int_t)i + 1;
    if (octo_run_flow(l->flow, &o, &r) != OCTO_OK) {
        l->results[i] = NULL;
        l->failed[i] = 1;
        return;
    }
    l->results[i] = r.data;
    l->failed[i] = (unsigned char)r.failed;
}

int octo_run_subflow_each(octo_ctx *ctx, const char *rel_path, json_t *items,
                          unsigned max_parallel, json_t **out, size_t *failed_items,
                          octo_error *err)
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
        return octo_error_set(err, OCTO_EINVAL, "data_key", "the items to loop over must be a list");
    }
    rc = check_depth(ctx, rel_path, err);
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
    l.cancel = ctx->run->cancel;
    l.depth = ctx->run->depth + 1;
    l.results = calloc(n + 1, sizeof(*l.results));
    l.failed = calloc(n + 1, 1);
    if (l.results == NULL || l.failed == NULL) {
        free(l.results);
        free(l.failed);
        octo_flow_unref(l.flow);
        return octo_error_set(err, OCTO_ENOMEM, NULL, "out of memory");
    }
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
        json_array_foreach(ie, k, e) {
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
