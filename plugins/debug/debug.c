/* debug.c - the debug step: log a value and pass it on.
 *
 *   type: debug
 *   debug:
 *     data_key: tickets   # absent or "": the whole flow data
 *     type: yaml          # yaml (default), json (indent 4) or text
 *
 * Logs "-> dumping debug data_key <key>" then the dump at INFO, and
 * returns a copy of the value (stored under result_key). The original
 * stored the whole flow data inside itself (a circular reference that
 * broke every later JSON dump); here the result is a snapshot copy.
 * Known secret values are redacted from the log line by the core.
 */
#include <stdlib.h>
#include <string.h>

#include <octoflow/octo_step.h>

static int debug_prepare(const octo_host *h, json_t *options, void **inst, octo_error *err)
{
    (void)h;
    (void)err;
    *inst = (void *)json_string_value(json_object_get(options, "type"));
    return OCTO_OK;
}

static int debug_run(const octo_host *h, octo_ctx *ctx, void *inst, const octo_run_args *args,
                     json_t **out, octo_error *err)
{
    const char *type = inst;
    const char *dk = json_string_value(json_object_get(args->options, "data_key"));
    int whole = dk == NULL || dk[0] == '\0' || strcmp(dk, ".") == 0;
    json_t *value = whole ? h->data_get(ctx, ".") : args->input;
    char *text = NULL;
    int rc;

    *out = NULL;
    if (value == NULL) {
        value = json_null();
    }
    if (strcmp(type, "json") == 0) {
        rc = h->json_dump(value, OCTO_JSON_INDENT(4), &text, err);
    } else if (strcmp(type, "text") == 0) {
        rc = h->value_text(value, &text, err);
    } else {
        rc = h->yaml_dump(value, 0, &text, err);
    }
    if (rc != OCTO_OK) {
        return rc;
    }
    h->log(ctx, OCTO_LOG_INFO, "-> dumping debug data_key %s", whole ? "(all)" : dk);
    {
        size_t n = strlen(text);

        while (n > 0 && text[n - 1] == '\n') {
            text[--n] = '\0';
        }
    }
    h->log(ctx, OCTO_LOG_INFO, "%s", text);
    h->free(text);
    *out = whole ? json_deep_copy(value) : json_incref(value);
    if (*out == NULL) {
        return h->error_set(err, OCTO_ENOMEM, NULL, "out of memory");
    }
    return OCTO_OK;
}

static const char *const debug_types[] = {"yaml", "json", "text", NULL};

static const octo_option debug_options[] = {
    {.name = "data_key",
     .type = OCTO_OPT_STRING,
     .flags = OCTO_OPT_DATA_KEY,
     .summary = "key of the flow data to dump (absent, \"\" or \".\": the whole flow data)"},
    {.name = "type",
     .type = OCTO_OPT_ENUM,
     .flags = OCTO_OPT_NOCASE,
     .def = "\"yaml\"",
     .values = debug_types,
     .summary = "dump format: yaml, json (indent 4) or text (Python str())"},
    {.name = NULL},
};

static const octo_step_type debug_step_type = {
    .struct_size = sizeof(octo_step_type),
    .name = "debug",
    .summary = "Log a value of the flow data and pass it on",
    .doc = "Logs the value at `data_key` (the whole flow data when absent) at INFO and "
           "returns a copy of it.",
    .options = debug_options,
    .option_size = sizeof(octo_option),
    .prepare = debug_prepare,
    .run = debug_run,
    .destroy = NULL,
};

static const octo_step_type *const debug_steps[] = {&debug_step_type, NULL};
OCTO_PLUGIN_DESCRIPTOR(debug_plugin, "octo-step-debug", "1.0.0", debug_steps);
OCTO_PLUGIN_DEFINE_ENTRY(debug_plugin)
