/* hello.c - an example third-party step plugin, built out of tree
 * against the installed SDK.
 *
 *   type: hello
 *   hello:
 *     greeting: Hello        # default "Hello"
 *     data_key: who          # a string in the flow data
 *
 * Result: "Hello, <who>!". Shows the whole contract: an option schema
 * the core validates, prepare() keeping borrowed option pointers,
 * run() reading args->input and returning a new reference, errors through
 * host->error_set, logging through host->log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <octoflow/octo_step.h>

struct hello {
    const char *greeting; /* borrowed from the options: valid until destroy() */
};

static int hello_prepare(const octo_host *h, json_t *options, void **inst, octo_error *err)
{
    struct hello *s = calloc(1, sizeof(*s));

    if (s == NULL) {
        return h->error_set(err, OCTO_ENOMEM, NULL, "out of memory");
    }
    s->greeting = json_string_value(json_object_get(options, "greeting"));
    *inst = s;
    return OCTO_OK;
}

static int hello_run(const octo_host *h, octo_ctx *ctx, void *inst, const octo_run_args *args,
                     json_t **out, octo_error *err)
{
    const struct hello *s = inst; /* read-only: runs may be concurrent */
    const char *who = json_string_value(args->input);
    char *text;
    size_t n;

    *out = NULL;
    if (who == NULL) {
        return h->error_set(err, OCTO_EINVAL, "data_key", "the input must be a string");
    }
    n = strlen(s->greeting) + strlen(who) + 4;
    text = malloc(n);
    if (text == NULL) {
        return h->error_set(err, OCTO_ENOMEM, NULL, "out of memory");
    }
    snprintf(text, n, "%s, %s!", s->greeting, who);
    h->log(ctx, OCTO_LOG_INFO, "-> %s", text);
    *out = json_string(text); /* new reference, stolen by the core */
    free(text);
    return *out != NULL ? OCTO_OK : h->error_set(err, OCTO_ENOMEM, NULL, "out of memory");
}

static void hello_destroy(const octo_host *h, void *inst)
{
    (void)h;
    free(inst);
}

static const octo_option hello_options[] = {
    {.name = "greeting",
     .type = OCTO_OPT_STRING,
     .def = "\"Hello\"",
     .summary = "word put before the name"},
    {.name = "data_key",
     .type = OCTO_OPT_STRING,
     .flags = OCTO_OPT_REQUIRED | OCTO_OPT_DATA_KEY | OCTO_OPT_INPUT_NEEDED,
     .summary = "key of the flow data holding the name"},
    {.name = NULL},
};

static const octo_step_type hello_step = {
    .struct_size = sizeof(octo_step_type),
    .flags = OCTO_STEP_PURE,
    .name = "hello",
    .summary = "Greet someone (SDK example)",
    .options = hello_options,
    .option_size = sizeof(octo_option),
    .prepare = hello_prepare,
    .run = hello_run,
    .destroy = hello_destroy,
};

static const octo_step_type *const hello_steps[] = {&hello_step, NULL};
OCTO_PLUGIN_DESCRIPTOR(hello_plugin, "octo-step-hello", "1.0.0", hello_steps);
OCTO_PLUGIN_DEFINE_ENTRY(hello_plugin)
