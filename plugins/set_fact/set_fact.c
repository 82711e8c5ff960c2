/* set_fact.c - the set_fact step: compute values from the flow data.
 *
 *   type: set_fact                  # the original's form: one text
 *   set_fact:
 *     value: "{{ tickets | length }}"     # result "3", always a string
 *
 *   type: set_fact                  # several keys, typed
 *   set_fact:
 *     values:
 *       count: {value: "{{ tickets | length }}", type: json}    # 3
 *       ids: {value: "{{ tickets | map(attribute='id') | list | tojson }}", type: json}
 *       owner: "{{ __input__.owner }}"                         # text
 *       doc: {value: "{{ body }}", type: yaml}                  # parsed as PyYAML
 *       limit: 50                                              # a literal, as written
 *     type: string                  # the default type of the keys (and of value)
 *
 * value: the original's step. It is rendered against the flow data (a
 * core-rendered TEMPLATE option) and the result is that text: kept for
 * compatibility, "{{ n }}" gives "3", never 3. `type: json` or `yaml`
 * parses it instead.
 *
 * values: each key is a template (or {value, type}) rendered against the
 * flow data and turned into a string, a JSON value or a YAML value; keys
 * that are not text (numbers, lists, null) are stored as written. The
 * step's result is the mapping of the keys, stored like every step's
 * output under result_key (default: the step's name) after its
 * jq_expression:  {{ facts.count }}. A step does not write the flow data
 * itself (the SDK's rule: one writer, the core, which also records the
 * output in the job's timeline and keeps __errors__ and other steps'
 * results out of reach), so "storing each key" means storing them under
 * the step's result_key; `result_key: ctx` makes them ctx.count.
 * Templates are compiled when the flow loads (a syntax error is a load
 * error naming values.<key>).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <octoflow/octo_step.h>

enum fact_type { T_STRING = 0, T_JSON, T_YAML };

struct fact {
    const char *key;    /* borrowed from the options */
    octo_template *tpl; /* NULL: literal */
    json_t *literal;    /* borrowed from the options */
    enum fact_type type;
    char field[OCTO_ERROR_FIELD_LEN]; /* "values.<key>" for messages */
};

struct set_fact_step {
    enum fact_type type; /* of value, and the keys' default */
    size_t n;
    struct fact *facts; /* values */
};

static int type_of(const char *s, enum fact_type *t)
{
    if (s == NULL || strcasecmp(s, "string") == 0) {
        *t = T_STRING;
    } else if (strcasecmp(s, "json") == 0) {
        *t = T_JSON;
    } else if (strcasecmp(s, "yaml") == 0) {
        *t = T_YAML;
    } else {
        return -1;
    }
    return 0;
}

static void set_fact_destroy(const octo_host *h, void *inst)
{
    struct set_fact_step *s = inst;
    size_t i;

    if (s == NULL) {
        return;
    }
    for (i = 0; i < s->n; i++) {
        if (s->facts[i].tpl != NULL) {
            h->template_free(s->facts[i].tpl);
        }
    }
    free(s->facts);
    free(s);
}

/* One key of values: a template, {value, type}, or a literal. */
static int prepare_fact(const octo_host *h, struct set_fact_step *s, struct fact *f,
                        const char *key, json_t *v, octo_error *err)
{
    json_t *src = v;
    char origin[OCTO_ERROR_FIELD_LEN + 16];

    f->key = key;
    f->type = s->type;
    snprintf(f->field, sizeof(f->field), "values.%s", key);
    if (json_is_object(v)) {
        const char *k;
        json_t *m;

        json_object_foreach(v, k, m)
        {
            if (strcmp(k, "value") != 0 && strcmp(k, "type") != 0) {
                return h->error_set(err, OCTO_EINVAL, f->field,
                                    "unknown key \"%s\" (a key is a template, or {value, type})",
                                    k);
            }
        }
        src = json_object_get(v, "value");
        if (!json_is_string(src)) {
            return h->error_set(err, OCTO_EINVAL, f->field,
                                "value is required: the template of this key");
        }
        m = json_object_get(v, "type");
        if (m != NULL && (!json_is_string(m) || type_of(json_string_value(m), &f->type) != 0)) {
            return h->error_set(err, OCTO_EINVAL, f->field, "type must be string, json or yaml");
        }
        snprintf(f->field, sizeof(f->field), "values.%s.value", key);
    }
    if (!json_is_string(src)) {
        f->literal = v; /* a number, a list, null...: as written */
        return OCTO_OK;
    }
    snprintf(origin, sizeof(origin), "set_fact.%s", f->field);
    if (h->template_compile(json_string_value(src), origin, &f->tpl, err) != OCTO_OK) {
        snprintf(err->field, sizeof(err->field), "%s", f->field);
        return err->code != 0 ? err->code : OCTO_ETEMPLATE;
    }
    return OCTO_OK;
}

static int set_fact_prepare(const octo_host *h, json_t *options, void **inst, octo_error *err)
{
    json_t *value = json_object_get(options, "value");
    json_t *values = json_object_get(options, "values");
    struct set_fact_step *s;
    const char *key;
    json_t *v;
    size_t i = 0;

    if (value != NULL && values != NULL) {
        return h->error_set(err, OCTO_EINVAL, "values",
                            "give value (one text) or values (a mapping of keys), not both");
    }
    if (values == NULL && (value == NULL || json_string_length(value) == 0)) {
        return h->error_set(err, OCTO_EINVAL, "value",
                            "set_fact value is required (or values: a mapping of keys)");
    }
    if (values != NULL && json_object_size(values) == 0) {
        return h->error_set(err, OCTO_EINVAL, "values", "values must name at least one key");
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return h->error_set(err, OCTO_ENOMEM, NULL, "out of memory");
    }
    if (type_of(json_string_value(json_object_get(options, "type")), &s->type) != 0) {
        free(s);
        return h->error_set(err, OCTO_EINVAL, "type", "must be string, json or yaml");
    }
    if (values != NULL) {
        s->facts = calloc(json_object_size(values), sizeof(*s->facts));
        if (s->facts == NULL) {
            free(s);
            return h->error_set(err, OCTO_ENOMEM, NULL, "out of memory");
        }
        json_object_foreach(values, key, v)
        {
            int rc = prepare_fact(h, s, &s->facts[i], key, v, err);

            s->n = ++i; /* destroy frees what was compiled so far */
            if (rc != OCTO_OK) {
                set_fact_destroy(h, s);
                return rc;
            }
        }
    }
    *inst = s;
    return OCTO_OK;
}

/* text -> the value of its type; *out new. */
static int convert(const octo_host *h, const char *text, size_t len, enum fact_type type,
                   const char *field, json_t **out, octo_error *err)
{
    *out = NULL;
    if (type == T_STRING) {
        *out = json_stringn(text, len);
        if (*out == NULL) {
            return h->error_set(err, OCTO_ETEMPLATE, field, "the rendered text is not UTF-8");
        }
        return OCTO_OK;
    }
    if (type == T_JSON) {
        json_error_t je;

        *out = json_loadb(text, len, JSON_DECODE_ANY, &je);
        if (*out == NULL) {
            /* integers beyond 64 bits: as floats, as elsewhere */
            *out = json_loadb(text, len, JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, NULL);
        }
        if (*out == NULL) {
            return h->error_set(err, OCTO_ETEMPLATE, field,
                                "the rendered text is not JSON (type: json): %s (line %d, "
                                "column %d)",
                                je.text, je.line, je.column);
        }
        return OCTO_OK;
    }
    if (h->yaml_load(text, len, field, out, err) != OCTO_OK) {
        snprintf(err->field, sizeof(err->field), "%s", field);
        return err->code != 0 ? err->code : OCTO_ETEMPLATE;
    }
    return OCTO_OK;
}

static int run_values(const octo_host *h, octo_ctx *ctx, const struct set_fact_step *s,
                      json_t **out, octo_error *err)
{
    json_t *data = h->data_get(ctx, ".");
    json_t *res = json_object();
    size_t i;

    if (res == NULL) {
        return h->error_set(err, OCTO_ENOMEM, NULL, "out of memory");
    }
    for (i = 0; i < s->n; i++) {
        const struct fact *f = &s->facts[i];
        char *text = NULL;
        size_t len = 0;
        json_t *v = NULL;
        int rc;

        if (f->tpl == NULL) {
            json_object_set(res, f->key, f->literal);
            continue;
        }
        rc = h->template_render(ctx, f->tpl, data != NULL ? data : json_null(), &text, &len, err);
        if (rc == OCTO_OK) {
            rc = convert(h, text, len, f->type, f->field, &v, err);
        } else {
            snprintf(err->field, sizeof(err->field), "%s", f->field);
        }
        h->free(text);
        if (rc != OCTO_OK) {
            json_decref(res);
            return rc;
        }
        json_object_set_new(res, f->key, v);
    }
    *out = res;
    return OCTO_OK;
}

static int set_fact_run(const octo_host *h, octo_ctx *ctx, void *inst, const octo_run_args *args,
                        json_t **out, octo_error *err)
{
    const struct set_fact_step *s = inst;
    json_t *value;

    *out = NULL;
    if (s->n > 0) {
        return run_values(h, ctx, s, out, err);
    }
    value = json_object_get(args->options, "value"); /* rendered by the core */
    if (!json_is_string(value)) {
        return h->error_set(err, OCTO_EINVAL, "value", "set_fact value is required");
    }
    return convert(h, json_string_value(value), json_string_length(value), s->type, "value", out,
                   err);
}

static const char *const fact_types[] = {"string", "json", "yaml", NULL};

static const octo_option set_fact_options[] = {
    {.name = "value",
     .type = OCTO_OPT_STRING,
     .flags = OCTO_OPT_TEMPLATE,
     .summary = "text rendered against the flow data; the result is that text (the original's "
                "set_fact)"},
    {.name = "values",
     .type = OCTO_OPT_OBJECT,
     .summary = "{key: template, key: {value: template, type: json}, ...}: the result is the "
                "mapping of the keys"},
    {.name = "type",
     .type = OCTO_OPT_ENUM,
     .flags = OCTO_OPT_NOCASE,
     .def = "\"string\"",
     .values = fact_types,
     .summary = "what rendered text becomes: string (default), json or yaml (parsed)"},
    {.name = NULL},
};

static const octo_step_type set_fact_step_type = {
    .struct_size = sizeof(octo_step_type),
    .flags = OCTO_STEP_PURE,
    .name = "set_fact",
    .summary = "Compute a value (text, JSON or YAML) or a mapping of values from the flow data",
    .doc = "`value`: one template, the result is its text (as the original). `values`: a "
           "mapping of keys, each a template (or {value, type}) turned into a string, JSON or "
           "YAML value; the result is that mapping, stored under result_key.",
    .options = set_fact_options,
    .option_size = sizeof(octo_option),
    .prepare = set_fact_prepare,
    .run = set_fact_run,
    .destroy = set_fact_destroy,
};

static const octo_step_type *const set_fact_steps[] = {&set_fact_step_type, NULL};
OCTO_PLUGIN_DESCRIPTOR(set_fact_plugin, "octo-step-set_fact", "1.0.0", set_fact_steps);
OCTO_PLUGIN_DEFINE_ENTRY(set_fact_plugin)
