/* flow_jsonschema.c - `octoflow schema`: a JSON Schema (draft 2020-12)
 * for flow files, generated from the loaded plugins' option schemas so an
 * editor (yaml-language-server) completes and checks flows with the same
 * rules the loader applies: flow keys, the common step keys, one branch
 * per step type (its block under the type's name, an alias or a block
 * alias) with each option's type, enum, required, default and summary.
 *
 * Where the loader is lenient the schema is too, so every flow that loads
 * validates: a string option also takes a number or a boolean (the
 * loader uses its text), an absent optional option may be written null,
 * a case-insensitive enum matches any case. Unknown keys are refused
 * (the loader warns, and errs with --strict): that is what catches
 * `tpye:` in an editor.
 */
#include <stdio.h>
#include <string.h>

#include <octoflow/core.h>

#include "buf.h"
#include "plugins.h"

/* ^(?:[jJ][sS][oO][nN]|...)$: a case-insensitive enum (ECMA-262 regexes
 * of JSON Schema have no (?i)) */
static json_t *nocase_pattern(const char *const *values)
{
    struct octo_buf b = OCTO_BUF_INIT;
    const char *const *v;
    json_t *out;

    octo_buf_puts(&b, "^(?:");
    for (v = values; v != NULL && *v != NULL; v++) {
        const char *c;

        if (v != values) {
            octo_buf_puts(&b, "|");
        }
        for (c = *v; *c != '\0'; c++) {
            char lo = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
            char up = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);

            if (lo != up) {
                octo_buf_printf(&b, "[%c%c]", lo, up);
            } else if (strchr("\\^$.|?*+()[]{}/-", *c) != NULL) {
                octo_buf_printf(&b, "\\%c", *c);
            } else {
                octo_buf_printf(&b, "%c", *c);
            }
        }
    }
    octo_buf_puts(&b, ")$");
    out = json_string(octo_buf_cstr(&b));
    octo_buf_free(&b);
    return out;
}

static json_t *type_list(const char *a, const char *b, const char *c, int nullable)
{
    json_t *t = json_array();

    json_array_append_new(t, json_string(a));
    if (b != NULL) {
        json_array_append_new(t, json_string(b));
    }
    if (c != NULL) {
        json_array_append_new(t, json_string(c));
    }
    if (nullable) {
        json_array_append_new(t, json_string("null"));
    }
    return t;
}

static json_t *option_schema(const octo_option *o)
{
    json_t *s = json_object();
    int nullable = !(o->flags & OCTO_OPT_REQUIRED);
    const char *const *v;

    switch (o->type) {
    case OCTO_OPT_STRING:
        json_object_set_new(s, "type", type_list("string", "number", "boolean", nullable));
        break;
    case OCTO_OPT_INT:
        json_object_set_new(s, "type", type_list("integer", NULL, NULL, nullable));
        break;
    case OCTO_OPT_NUMBER:
        json_object_set_new(s, "type", type_list("number", NULL, NULL, nullable));
        break;
    case OCTO_OPT_BOOL:
        json_object_set_new(s, "type", type_list("boolean", NULL, NULL, nullable));
        break;
    case OCTO_OPT_ENUM:
        if (o->flags & OCTO_OPT_NOCASE) {
            json_t *any = json_array();
            json_t *e = json_array();

            /* the values as written (editors offer them), and any case */
            for (v = o->values; v != NULL && *v != NULL; v++) {
                json_array_append_new(e, json_string(*v));
            }
            json_array_append_new(any, json_pack("{s:o}", "enum", e));
            json_array_append_new(any, json_pack("{s:s, s:o}", "type", "string", "pattern",
                                                 nocase_pattern(o->values)));
            if (nullable) {
                json_array_append_new(any, json_pack("{s:s}", "type", "null"));
            }
            json_object_set_new(s, "anyOf", any);
        } else {
            json_t *e = json_array();

            for (v = o->values; v != NULL && *v != NULL; v++) {
                json_array_append_new(e, json_string(*v));
            }
            if (nullable) {
                json_array_append_new(e, json_null());
            }
            json_object_set_new(s, "enum", e);
        }
        break;
    case OCTO_OPT_OBJECT:
        json_object_set_new(s, "type", type_list("object", NULL, NULL, nullable));
        break;
    case OCTO_OPT_ARRAY:
        json_object_set_new(s, "type", type_list("array", NULL, NULL, nullable));
        break;
    default:
        break;
    }
    if (o->summary != NULL) {
        json_object_set_new(s, "description", json_string(o->summary));
    }
    if (o->def != NULL) {
        json_t *d = json_loads(o->def, JSON_DECODE_ANY, NULL);

        if (d != NULL) {
            json_object_set_new(s, "default", d);
        }
    }
    if (o->flags & OCTO_OPT_DEPRECATED) {
        json_object_set_new(s, "deprecated", json_true());
    }
    return s;
}

/* The options of a type as {"type": "object", "properties", "required"}. */
static json_t *block_schema(const struct octo_steptype *t)
{
    json_t *props = json_object();
    json_t *req = json_array();
    size_t i;

    for (i = 0; i < t->nopts; i++) {
        json_object_set_new(props, t->opts[i].name, option_schema(&t->opts[i]));
        if (t->opts[i].flags & OCTO_OPT_REQUIRED) {
            json_array_append_new(req, json_string(t->opts[i].name));
        }
    }
    return json_pack("{s:s, s:s, s:o, s:o, s:b}", "type", "object", "description",
                     t->t.summary != NULL ? t->t.summary : "", "properties", props, "required", req,
                     "additionalProperties", 0);
}

/* The keys every step has (flow_step.c's COMMON_KEYS). */
static json_t *common_properties(void)
{
    json_t *scalar = json_pack("{s:[s,s,s,s]}", "type", "string", "number", "boolean", "null");
    json_t *p = json_object();

    json_object_set_new(p, "name",
                        json_pack("{s:[s,s,s], s:s}", "type", "string", "number", "boolean",
                                  "description", "the step's name; its result is stored under it"));
    json_object_set_new(p, "description", json_pack("{s:s}", "type", "string"));
    json_object_set_new(p, "when",
                        json_pack("{s:[O, {s:s, s:O}], s:s}", "anyOf", scalar, "type", "array",
                                  "items", scalar, "description",
                                  "Jinja conditions (without {{ }}); the step runs when all "
                                  "are true"));
    json_object_set_new(p, "result_key",
                        json_pack("{s:[s,s], s:s}", "type", "string", "null", "description",
                                  "where the result is stored (default: the name)"));
    json_object_set_new(p, "ignore_errors",
                        json_pack("{s:[s,s,s], s:s}", "type", "string", "array", "null",
                                  "description",
                                  "regular expressions: a matching error does not fail the "
                                  "flow"));
    json_object_set_new(p, "jq_expression",
                        json_pack("{s:[s,s], s:s}", "type", "string", "null", "description",
                                  "jq program applied to the step's result"));
    json_object_set_new(p, "on_error_goto",
                        json_pack("{s:[s,s], s:s}", "type", "string", "null", "description",
                                  "continue at this step after an error"));
    json_object_set_new(
        p, "retry",
        json_pack("{s:[{s:s, s:i, s:i}, {s:s, s:{s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}, "
                  "s:{s:[s,s]}}, s:b}, {s:s}], s:s}",
                  "anyOf", "type", "integer", "minimum", 1, "maximum", 100, "type", "object",
                  "properties", "attempts", "type", "integer", "delay", "type", "number", "backoff",
                  "type", "number", "max_delay", "type", "number", "when", "type", "string",
                  "array", "additionalProperties", 0, "type", "null", "description",
                  "retry a failed step: attempts, or {attempts, delay, backoff, max_delay, "
                  "when}"));
    json_decref(scalar);
    return p;
}

/* One step type: {"if": type is one of its names, "then": its keys}. */
static json_t *type_branch(const struct octo_steptype *t, json_t *names_out)
{
    json_t *names = json_array();
    json_t *props = common_properties();
    json_t *blocks = json_array();
    const char *const *a;
    json_t *block = block_schema(t);
    size_t i;
    json_t *n;

    json_array_append_new(names, json_string(t->t.name));
    json_array_append_new(blocks, json_string(t->t.name));
    for (a = t->t.aliases; a != NULL && *a != NULL; a++) {
        json_array_append_new(names, json_string(*a));
        json_array_append_new(blocks, json_string(*a));
    }
    for (a = t->t.block_aliases; a != NULL && *a != NULL; a++) {
        json_array_append_new(blocks, json_string(*a));
    }
    json_array_foreach(blocks, i, n)
    {
        json_object_set(props, json_string_value(n), block);
    }
    json_object_set_new(props, "type", json_pack("{s:O}", "enum", names));
    json_array_extend(names_out, names);
    json_decref(block);
    json_decref(blocks);
    return json_pack("{s:{s:{s:{s:o}}, s:[s]}, s:{s:o, s:b}}", "if", "properties", "type", "enum",
                     names, "required", "type", "then", "properties", props, "additionalProperties",
                     0);
}

json_t *octo_flow_json_schema(void)
{
    json_t *names = json_array();
    json_t *branches = json_array();
    json_t *step;
    json_t *flow;
    json_t *props;
    size_t i;

    for (i = 0; i < octo_plugins_type_count(); i++) {
        json_array_append_new(branches, type_branch(octo_plugins_type_at(i), names));
    }
    step = json_pack("{s:s, s:s, s:[s], s:{s:{s:o, s:s}}, s:o}", "type", "object", "description",
                     "a step: name, type, the block of options under the type's name, and the "
                     "common keys",
                     "required", "type", "properties", "type", "enum", names, "description",
                     "the step type (octoflow plugins lists them)", "allOf", branches);
    props = json_object();
    json_object_set_new(props, "name",
                        json_pack("{s:s, s:s}", "type", "string", "description",
                                  "the flow's name (default: the file name)"));
    json_object_set_new(props, "description", json_pack("{s:s}", "type", "string"));
    json_object_set_new(
        props, "steps",
        json_pack("{s:s, s:{s:s}}", "type", "array", "items", "$ref", "#/$defs/step"));
    json_object_set_new(props, "finally_step",
                        json_pack("{s:[s,s], s:s}", "type", "string", "null", "description",
                                  "the step that runs when the flow fails"));
    json_object_set_new(props, "cron",
                        json_pack("{s:[s,s], s:s}", "type", "string", "null", "description",
                                  "a cron expression (schedules)"));
    json_object_set_new(props, "every_seconds",
                        json_pack("{s:[s,s], s:i, s:i, s:s}", "type", "integer", "null", "minimum",
                                  0, "maximum", OCTO_SECONDS_MAX, "description",
                                  "run every N seconds (schedules)"));
    json_object_set_new(props, "max_steps",
                        json_pack("{s:s, s:i, s:s}", "type", "integer", "minimum", 1, "description",
                                  "the most steps one run may execute"));
    json_object_set_new(props, "undefined",
                        json_pack("{s:[s,s,n], s:s}", "enum", "warn", "strict", "description",
                                  "strict: an undefined variable in a templated option fails "
                                  "the step"));
    flow =
        json_pack("{s:s, s:s, s:s, s:s, s:[s], s:o, s:b, s:{s:o}}", "$schema",
                  "https://json-schema.org/draft/2020-12/schema", "$id", "urn:octoflow:flow-schema",
                  "title", "Octoflow flow", "type", "object", "required", "steps", "properties",
                  props, "additionalProperties", 0, "$defs", "step", step);
    return flow;
}
