/* flow_loop.c - the flow_loop step: run a sub-flow once per list item.
 *
 *   type: flow_loop
 *   flow_loop:
 *     path: ticket_to_awx.yml   # relative to FLOWS_PATH
 *     data_key: tickets         # must give a list
 *     max_workers: 4            # items at once (default: FLOW_MAX_WORKERS)
 *     fail_on_item_error: false # a failed item fails the step (default: no,
 *                               # as the original)
 *
 * Each item runs with __input__ = the item and __loop_index__ = its
 * 1-based index, in parallel on the core's bounded worker pool (the
 * calling thread takes part, so nested loops cannot deadlock). The output
 * is the list of each item's final flow data, in input order. Each item's
 * errors are appended to this flow's __errors__ with "loop_index".
 */
#include <octoflow/octo_step.h>

static int loop_prepare(const octo_host *h, json_t *options, void **inst, octo_error *err)
{
    json_int_t w = json_integer_value(json_object_get(options, "max_workers"));

    if (w < 0 || w > 256) {
        return h->error_set(err, OCTO_EINVAL, "max_workers", "must be between 0 and 256");
    }
    *inst = options;
    return OCTO_OK;
}

static const char *kind(json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "a mapping";
    case JSON_STRING:
        return "a string";
    case JSON_NULL:
        return "null";
    default:
        return "a scalar";
    }
}

static int loop_run(const octo_host *h, octo_ctx *ctx, void *inst, const octo_run_args *args,
                    json_t **out, octo_error *err)
{
    json_t *opts = inst;
    const char *path = json_string_value(json_object_get(opts, "path"));
    const char *dk = json_string_value(json_object_get(opts, "data_key"));
    unsigned workers = (unsigned)json_integer_value(json_object_get(opts, "max_workers"));
    size_t failed = 0;
    int rc;

    *out = NULL;
    if (!json_is_array(args->input)) {
        return h->error_set(err, OCTO_EINVAL, "data_key",
                            "Data key must produce a list: \"%s\" is %s", dk,
                            args->input == NULL ? "not in the flow data" : kind(args->input));
    }
    h->log(ctx, OCTO_LOG_INFO, "-> %zu item(s) through %s", json_array_size(args->input), path);
    rc = h->flow_run_each(ctx, path, args->input, workers, out, &failed, err);
    if (rc != OCTO_OK) {
        return rc;
    }
    if (failed > 0) {
        h->log(ctx, OCTO_LOG_WARN, "%zu of %zu item(s) failed", failed,
               json_array_size(args->input));
        if (json_is_true(json_object_get(opts, "fail_on_item_error"))) {
            json_decref(*out);
            *out = NULL;
            return h->error_set(err, OCTO_ESUBFLOW, NULL, "%zu of %zu item(s) of %s failed", failed,
                                json_array_size(args->input), path);
        }
    }
    return OCTO_OK;
}

static const octo_option loop_options[] = {
    {.name = "path",
     .type = OCTO_OPT_STRING,
     .flags = OCTO_OPT_REQUIRED | OCTO_OPT_PATH_FLOWS,
     .summary = "the sub-flow run for each item, relative to FLOWS_PATH"},
    {.name = "data_key",
     .type = OCTO_OPT_STRING,
     .flags = OCTO_OPT_REQUIRED | OCTO_OPT_DATA_KEY | OCTO_OPT_INPUT_NEEDED,
     .summary = "key of the flow data holding the list of items"},
    {.name = "max_workers",
     .type = OCTO_OPT_INT,
     .def = "0",
     .summary = "items run at once (0: FLOW_MAX_WORKERS)"},
    {.name = "fail_on_item_error",
     .type = OCTO_OPT_BOOL,
     .def = "false",
     .summary = "a failed item fails the step (default false, as the original)"},
    {.name = NULL},
};

static const octo_step_type loop_step_type = {
    .struct_size = sizeof(octo_step_type),
    .name = "flow_loop",
    .summary = "Run a sub-flow for each item of a list, in parallel",
    .options = loop_options,
    .option_size = sizeof(octo_option),
    .prepare = loop_prepare,
    .run = loop_run,
};

static const octo_step_type *const loop_steps[] = {&loop_step_type, NULL};
OCTO_PLUGIN_DESCRIPTOR(loop_plugin, "octo-step-flow-loop", "1.0.0", loop_steps);
OCTO_PLUGIN_DEFINE_ENTRY(loop_plugin)
