/* jq.c - the jq step: transform data with a jq expression.
 *
 *   type: jq
 *   jq:
 *     expression: '[.tickets[] | {id, state}]'
 *     data_key: tickets_raw      # optional: the whole flow data when absent
 *
 * The expression is compiled once in prepare() (through the host: libjq
 * lives in the core) and run on every execution. As in the original, a
 * program with no output or several outputs gives null (with a warning).
 */
#include <stdlib.h>
#include <string.h>

#include <octoflow/octo_step.h>

struct jq_step {
    octo_jq *prog;
    int has_data_key;
};

static int jq_prepare(const octo_host *h, json_t *options, void **inst, octo_error *err)
{
    struct jq_step *s = calloc(1, sizeof(*s));
    const char *dk = json_string_value(json_object_get(options, "data_key"));
    int rc;

    if (s == NULL) {
        return h->error_set(err, OCTO_ENOMEM, NULL, "out of memory");
    }
    rc = h->jq_compile(json_string_value(json_object_get(options, "expression")), &s->prog, err);
    if (rc != OCTO_OK) {
        snprintf(err->field, sizeof(err->field), "expression");
        free(s);
        return rc;
    }
    s->has_data_key = dk != NULL && dk[0] != '\0';
    *inst = s;
    return OCTO_OK;
}

static int jq_run(const octo_host *h, octo_ctx *ctx, void *inst, const octo_run_args *args,
                  json_t **out, octo_error *err)
{
    const struct jq_step *s = inst;
    json_t *input = s->has_data_key ? args->input : h->data_get(ctx, ".");

    *out = NULL;
    return h->jq_run(ctx, s->prog, input, OCTO_JQ_SINGLE, out, err);
}

static void jq_destroy(const octo_host *h, void *inst)
{
    struct jq_step *s = inst;

    if (s != NULL) {
        h->jq_free(s->prog);
        free(s);
    }
}

static const octo_option jq_options[] = {
    {.name = "expression",
     .type = OCTO_OPT_STRING,
     .flags = OCTO_OPT_REQUIRED | OCTO_OPT_JQ,
     .summary = "jq program applied to the input"},
    {.name = "data_key",
     .type = OCTO_OPT_STRING,
     .flags = OCTO_OPT_DATA_KEY,
     .summary = "key of the flow data to transform (\".\" or absent: the whole flow data)"},
    {.name = NULL},
};

static const octo_step_type jq_step_type = {
    .struct_size = sizeof(octo_step_type),
    .flags = OCTO_STEP_PURE,
    .name = "jq",
    .summary = "Transform data with a jq expression",
    .doc = "Runs `expression` on the value at `data_key` (the whole flow data when absent). "
           "One output is the result; no output or several give null, as in the original.",
    .options = jq_options,
    .option_size = sizeof(octo_option),
    .prepare = jq_prepare,
    .run = jq_run,
    .destroy = jq_destroy,
};

static const octo_step_type *const jq_steps[] = {&jq_step_type, NULL};
OCTO_PLUGIN_DESCRIPTOR(jq_plugin, "octo-step-jq", "1.0.0", jq_steps);
OCTO_PLUGIN_DEFINE_ENTRY(jq_plugin)
