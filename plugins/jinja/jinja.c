/* jinja.c - the jinja step: render a template file, optionally parse it.
 *
 *   type: jinja
 *   jinja:
 *     path: ticket_patch.j2     # relative to TEMPLATES_PATH
 *     data_key: result          # the template's context (see below)
 *     parse: yaml               # json | yaml | absent (the text)
 *
 * Context: the original's first version rendered with the whole flow data
 * and ignored data_key; its later versions (and the sample templates)
 * render with only the data_key value. Both work here: the context is
 * the whole flow data with the members of the data_key value laid over
 * it. The data_key value itself is also bound as __data__.
 *
 * A data_key whose value is null, missing or not a mapping fails the
 * step, as the original's render(**value) did (a TypeError there): with
 * two Jira transitions to "In Progress" the sample's jq_expression gives
 * null, and rendering transition.j2 with an empty context posted
 * {"transition": {"id": null}} to Jira instead of stopping.
 * The template is compiled once and cached by mtime in the core; an
 * edited template is picked up on the next run.
 */
#include <string.h>

#include <octoflow/octo_step.h>

static int jinja_prepare(const octo_host *h, json_t *options, void **inst, octo_error *err)
{
    const char *path = json_string_value(json_object_get(options, "path"));
    octo_template *tpl = NULL;
    int rc = h->template_load(path, &tpl, err); /* syntax errors are validation errors */

    if (rc != OCTO_OK) {
        if (err->code == OCTO_ENOENT) {
            /* it may appear before the flow runs: checked again at run time */
            memset(err, 0, sizeof(*err));
            h->log(NULL, OCTO_LOG_WARN, "jinja step: template %s does not exist yet", path);
        } else {
            snprintf(err->field, sizeof(err->field), "path");
            return rc;
        }
    }
    h->template_free(tpl);
    *inst = options;
    return OCTO_OK;
}

static int jinja_run(const octo_host *h, octo_ctx *ctx, void *inst, const octo_run_args *args,
                     json_t **out, octo_error *err)
{
    json_t *opts = inst;
    const char *path = json_string_value(json_object_get(opts, "path"));
    const char *parse = json_string_value(json_object_get(opts, "parse"));
    const char *dk = json_string_value(json_object_get(opts, "data_key"));
    json_t *data = h->data_get(ctx, ".");
    json_t *vars;
    octo_template *tpl = NULL;
    char *text = NULL;
    size_t len = 0;
    int rc;

    *out = NULL;
    rc = h->template_load(path, &tpl, err);
    if (rc != OCTO_OK) {
        snprintf(err->field, sizeof(err->field), "path");
        return rc;
    }
    vars = json_copy(data); /* shallow: only the top level is laid over */
    if (vars == NULL) {
        h->template_free(tpl);
        return h->error_set(err, OCTO_ENOMEM, NULL, "out of memory");
    }
    if (dk != NULL && dk[0] != '\0' && strcmp(dk, ".") != 0) {
        if (!json_is_object(args->input)) {
            json_decref(vars);
            h->template_free(tpl);
            return h->error_set(err, OCTO_EINVAL, "data_key",
                                "data_key \"%s\" %s: the context of %s must be a mapping", dk,
                                args->input == NULL           ? "is not in the flow data"
                                : json_is_null(args->input)   ? "is null"
                                : json_is_array(args->input)  ? "is a list"
                                : json_is_string(args->input) ? "is a string"
                                                              : "is not a mapping",
                                path);
        }
        json_object_update(vars, args->input);
        json_object_set(vars, "__data__", args->input);
    } else {
        json_object_set(vars, "__data__", data);
    }
    rc = h->template_render(ctx, tpl, vars, &text, &len, err);
    json_decref(vars);
    h->template_free(tpl);
    if (rc != OCTO_OK) {
        return rc;
    }
    if (parse != NULL && strcmp(parse, "json") == 0) {
        json_error_t je;

        *out = json_loadb(text, len, JSON_DECODE_ANY, &je);
        if (*out == NULL) {
            rc = h->error_set(err, OCTO_ETEMPLATE, "parse",
                              "the output of %s is not JSON: %s (line %d, column %d)", path,
                              je.text, je.line, je.column);
        }
    } else if (parse != NULL && strcmp(parse, "yaml") == 0) {
        rc = h->yaml_load(text, len, path, out, err);
        if (rc != OCTO_OK) {
            snprintf(err->field, sizeof(err->field), "parse");
        }
    } else {
        *out = json_stringn(text, len);
        if (*out == NULL) {
            rc = h->error_set(err, OCTO_ETEMPLATE, NULL, "the output of %s is not UTF-8", path);
        }
    }
    h->free(text);
    return rc;
}

static const char *const parse_values[] = {"json", "yaml", NULL};

static const octo_option jinja_options[] = {
    {.name = "path",
     .type = OCTO_OPT_STRING,
     .flags = OCTO_OPT_REQUIRED | OCTO_OPT_PATH_TPL,
     .summary = "template file relative to TEMPLATES_PATH"},
    {.name = "data_key",
     .type = OCTO_OPT_STRING,
     .flags = OCTO_OPT_DATA_KEY,
     .summary = "a mapping laid over the flow data as the context (null or not a mapping: an "
                "error); also bound as __data__"},
    {.name = "parse",
     .type = OCTO_OPT_ENUM,
     .flags = OCTO_OPT_NOCASE,
     .values = parse_values,
     .summary = "parse the output as json or yaml (absent: the text)"},
    {.name = NULL},
};

static const octo_step_type jinja_step_type = {
    .struct_size = sizeof(octo_step_type),
    .flags = OCTO_STEP_PURE,
    .name = "jinja",
    .summary = "Render a Jinja2 template file, optionally parse the output as JSON or YAML",
    .options = jinja_options,
    .option_size = sizeof(octo_option),
    .prepare = jinja_prepare,
    .run = jinja_run,
};

static const octo_step_type *const jinja_steps[] = {&jinja_step_type, NULL};
OCTO_PLUGIN_DESCRIPTOR(jinja_plugin, "octo-step-jinja", "1.0.0", jinja_steps);
OCTO_PLUGIN_DEFINE_ENTRY(jinja_plugin)
