/* goto.c - the goto step: continue the run at another step.
 *
 *   type: goto
 *   goto:
 *     step_name: "{{ 'process' if tickets | length > 0 else '__end__' }}"
 *
 * step_name is templated (rendered when the step runs, against the flow
 * data) and declared OCTO_OPT_STEP_NAME: a literal name no step of the
 * flow has is a load error with file:line; a rendered one is an error of
 * the run ("Goto step 'x' not found in flow.", the original's words).
 * Targets besides step names: __end__ (the run finishes, success),
 * __start__ (the first step), __exit__ and the original's __exit (the run
 * ends with status exit). Whitespace around a rendered name is dropped
 * (a folded YAML scalar or a template's own newline would otherwise name
 * no step).
 *
 * The jump is a control result (host->control), never data: nothing is
 * stored under result_key and no jq_expression applies
 * (OCTO_STEP_NO_RESULT); a step output that happens to contain a "goto"
 * key stays data (the original jumped on any such mapping). Every run has
 * an executed-step cap in the core, so a goto loop fails with a clear
 * error instead of spinning until the timeout.
 */
#include <ctype.h>
#include <string.h>

#include <octoflow/octo_step.h>

static int goto_prepare(const octo_host *h, json_t *options, void **inst, octo_error *err)
{
    const char *name = json_string_value(json_object_get(options, "step_name"));

    (void)inst;
    if (name == NULL || strspn(name, " \t\r\n") == strlen(name)) {
        return h->error_set(err, OCTO_EINVAL, "step_name", "is required: the step to go to");
    }
    return OCTO_OK;
}

static int goto_run(const octo_host *h, octo_ctx *ctx, void *inst, const octo_run_args *args,
                    json_t **out, octo_error *err)
{
    const char *name = json_string_value(json_object_get(args->options, "step_name"));
    char target[OCTO_ERROR_MSG_LEN];
    size_t len;
    int rc;

    (void)inst;
    *out = NULL;
    if (name == NULL) {
        return h->error_set(err, OCTO_EINVAL, "step_name", "is required: the step to go to");
    }
    while (isspace((unsigned char)*name)) {
        name++;
    }
    len = strlen(name);
    while (len > 0 && isspace((unsigned char)name[len - 1])) {
        len--;
    }
    if (len == 0) {
        return h->error_set(err, OCTO_EINVAL, "step_name",
                            "rendered to an empty name: nowhere to go");
    }
    if (len >= sizeof(target)) {
        return h->error_set(err, OCTO_EINVAL, "step_name",
                            "the rendered name is longer than %zu bytes", sizeof(target) - 1);
    }
    memcpy(target, name, len);
    target[len] = '\0';
    rc = h->control(ctx, OCTO_CONTROL_GOTO, target);
    if (rc != OCTO_OK) {
        return h->error_set(err, rc, NULL, "the core refused the jump to %s", target);
    }
    h->log(ctx, OCTO_LOG_DEBUG, "-> goto %s", target);
    *out = json_null();
    return OCTO_OK;
}

static const octo_option goto_options[] = {
    {.name = "step_name",
     .type = OCTO_OPT_STRING,
     .flags = OCTO_OPT_REQUIRED | OCTO_OPT_TEMPLATE | OCTO_OPT_STEP_NAME,
     .summary = "the step to continue at (templated), or __end__, __start__, __exit__"},
    {.name = NULL},
};

static const octo_step_type goto_step_type = {
    .struct_size = sizeof(octo_step_type),
    .flags = OCTO_STEP_NO_RESULT,
    .name = "goto",
    .summary = "Continue the run at another step (or __end__, __start__, __exit__)",
    .doc = "Jumps to `step_name` (templated). `__end__` finishes the run successfully, "
           "`__start__` goes back to the first step, `__exit__` (or `__exit`) ends it with "
           "status exit. Stores nothing.",
    .options = goto_options,
    .option_size = sizeof(octo_option),
    .prepare = goto_prepare,
    .run = goto_run,
};

static const octo_step_type *const goto_steps[] = {&goto_step_type, NULL};
OCTO_PLUGIN_DESCRIPTOR(goto_plugin, "octo-step-goto", "1.0.0", goto_steps);
OCTO_PLUGIN_DEFINE_ENTRY(goto_plugin)
