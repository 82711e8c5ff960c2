/* exit.c - the exit step: end the run on purpose, with a message.
 *
 *   type: exit
 *   exit:
 *     message: "nothing to do for {{ __input__.id }}"   # templated
 *
 * The run ends with status "exit" and "Flow exited with message: <text>"
 * (the original's words): a top-level job records that status and text,
 * the legacy launch route answers 200. Inside a loop item or a sub-flow
 * only that child ends; its parent goes on (as the original). Nothing is
 * stored under result_key (OCTO_STEP_NO_RESULT; the original's README
 * said otherwise, its code stored nothing).
 */
#include <string.h>

#include <octoflow/octo_step.h>

static int exit_prepare(const octo_host *h, json_t *options, void **inst, octo_error *err)
{
    const char *msg = json_string_value(json_object_get(options, "message"));

    (void)inst;
    if (msg == NULL || msg[0] == '\0') {
        return h->error_set(err, OCTO_EINVAL, "message", "exit message is required");
    }
    return OCTO_OK;
}

static int exit_run(const octo_host *h, octo_ctx *ctx, void *inst, const octo_run_args *args,
                    json_t **out, octo_error *err)
{
    const char *msg = json_string_value(json_object_get(args->options, "message"));
    int rc;

    (void)inst;
    *out = NULL;
    rc = h->control(ctx, OCTO_CONTROL_EXIT, msg != NULL ? msg : "");
    if (rc != OCTO_OK) {
        return h->error_set(err, rc, NULL, "the core refused the exit");
    }
    *out = json_null();
    return OCTO_OK;
}

static const octo_option exit_options[] = {
    {.name = "message",
     .type = OCTO_OPT_STRING,
     .flags = OCTO_OPT_REQUIRED | OCTO_OPT_TEMPLATE,
     .summary = "why the run ends (templated): the job's message"},
    {.name = NULL},
};

static const octo_step_type exit_step_type = {
    .struct_size = sizeof(octo_step_type),
    .flags = OCTO_STEP_NO_RESULT,
    .name = "exit",
    .summary = "End the run with status exit and a message",
    .doc = "Ends the run (only this loop item or sub-flow when inside one) with status `exit` "
           "and `Flow exited with message: <message>`. Stores nothing.",
    .options = exit_options,
    .option_size = sizeof(octo_option),
    .prepare = exit_prepare,
    .run = exit_run,
};

static const octo_step_type *const exit_steps[] = {&exit_step_type, NULL};
OCTO_PLUGIN_DESCRIPTOR(exit_plugin, "octo-step-exit", "1.0.0", exit_steps);
OCTO_PLUGIN_DEFINE_ENTRY(exit_plugin)
