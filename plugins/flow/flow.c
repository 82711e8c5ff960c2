/* flow.c - the flow step: run a sub-flow and return its flow data.
 *
 *   type: flow
 *   flow:
 *     path: sub/enrich.yml     # relative to FLOWS_PATH
 *     data_key: ticket         # becomes the sub-flow's __input__
 *     fail_on_error: true      # a failed sub-flow fails this step (default)
 *
 * The sub-flow runs synchronously on this thread, through the core's
 * compiled-flow cache, without taking a lock, sharing this run's
 * cancellation; FLOW_MAX_DEPTH stops a flow that calls itself. The output
 * is the sub-flow's final flow data. With fail_on_error: false a failed
 * sub-flow's data (its __errors__ included) is returned as the output.
 * (The original's flow step never worked; this is its intended behaviour.)
 */
#include <string.h>

#include <octoflow/octo_step.h>

static int flow_prepare(const octo_host *h, json_t *options, void **inst, octo_error *err)
{
    (void)h;
    (void)err;
    *inst = options;
    return OCTO_OK;
}

static int flow_run(const octo_host *h, octo_ctx *ctx, void *inst, const octo_run_args *args,
                    json_t **out, octo_error *err)
{
    json_t *opts = inst;
    const char *path = json_string_value(json_object_get(opts, "path"));
    int fail = json_is_true(json_object_get(opts, "fail_on_error"));
    int failed = 0;
    int rc;

    *out = NULL;
    h->log(ctx, OCTO_LOG_INFO, "-> sub-flow %s", path);
    rc = h->flow_run(ctx, path, args->input, out, &failed, err);
    if (rc != OCTO_OK) {
        return rc;
    }
    if (failed && fail) {
        json_decref(*out);
        *out = NULL;
        return err->code != 0 ? err->code : OCTO_ESUBFLOW;
    }
    memset(err, 0, sizeof(*err));
    return OCTO_OK;
}

static const octo_option flow_options[] = {
    {.name = "path",
     .type = OCTO_OPT_STRING,
     .flags = OCTO_OPT_REQUIRED | OCTO_OPT_PATH_FLOWS,
     .summary = "the sub-flow, relative to FLOWS_PATH"},
    {.name = "data_key",
     .type = OCTO_OPT_STRING,
     .flags = OCTO_OPT_DATA_KEY,
     .summary = "key of the flow data passed as the sub-flow's __input__"},
    {.name = "fail_on_error",
     .type = OCTO_OPT_BOOL,
     .def = "true",
     .summary = "a failed sub-flow fails this step (false: return its data anyway)"},
    {.name = NULL},
};

static const octo_step_type flow_step_type = {
    .struct_size = sizeof(octo_step_type),
    .name = "flow",
    .summary = "Run a sub-flow and return its flow data",
    .options = flow_options,
    .option_size = sizeof(octo_option),
    .prepare = flow_prepare,
    .run = flow_run,
};

static const octo_step_type *const flow_steps[] = {&flow_step_type, NULL};
OCTO_PLUGIN_DESCRIPTOR(flow_plugin, "octo-step-flow", "1.0.0", flow_steps);
OCTO_PLUGIN_DEFINE_ENTRY(flow_plugin)
