/* switch.c - the switch step: run the first case whose pattern matches.
 *
 *   type: switch
 *   switch:
 *     data_key: ticket_state
 *     cases:
 *     - when: "new|open"          # Python re.match on str(value)
 *       step: {name: start, type: goto, goto: {step_name: process}}
 *     - when: "closed"
 *       step: {name: done, type: exit, exit: {message: already closed}}
 *     default:                    # optional, run when no case matches:
 *       name: other               #   a step, written in full
 *       type: debug
 *       debug: {data_key: ticket_state}
 *
 * The original's matching, kept exactly: the value at data_key (a missing
 * key is None) is turned into text as Python's str() does (None, True,
 * 1.0, {'k': 'v'}: host->value_text) and each case's `when` is a Python
 * regular expression tried with re.match, so it matches a PREFIX
 * ("new" matches "newer"; write "new$" for the whole text). Case patterns
 * are not templated; a number or boolean is read as its Python text
 * ("200", "True"). Patterns are compiled when the flow loads (a bad one
 * is a load error naming the case).
 *
 * Each case's step (and default) is a full step of the flow, validated
 * and compiled by the core at load (OCTO_OPT_NESTED_STEPS, with its own
 * file:line) and run with host->run_nested: its `when`, jq_expression and
 * result_key apply, and its goto or exit becomes the switch's. The
 * switch's own result_key and jq_expression never apply
 * (OCTO_STEP_NO_RESULT). An error of the case step is the switch's: the
 * switch step's ignore_errors and on_error_goto apply to it. No case and
 * no default: the run goes on with the next step.
 */
#include <stdlib.h>
#include <string.h>

#include <octoflow/octo_step.h>

struct switch_step {
    size_t ncases;
    octo_regex **re; /* one per case */
    char **pattern;  /* their text, for the log */
    int has_default;
};

static void switch_destroy(const octo_host *h, void *inst)
{
    struct switch_step *s = inst;
    size_t i;

    if (s == NULL) {
        return;
    }
    for (i = 0; i < s->ncases; i++) {
        h->regex_free(s->re[i]);
        h->free(s->pattern[i]);
    }
    free(s->re);
    free(s->pattern);
    free(s);
}

/* The pattern text of a case's `when`: a string, or the Python text of a
 * number or boolean. *out is host memory (h->free). */
static int pattern_of(const octo_host *h, json_t *when, size_t i, char **out, octo_error *err)
{
    char field[64];

    *out = NULL;
    snprintf(field, sizeof(field), "cases[%zu].when", i);
    if (when == NULL || json_is_null(when)) {
        return h->error_set(err, OCTO_EINVAL, field,
                            "each case needs `when`: a regular expression (re.match)");
    }
    if (json_is_object(when) || json_is_array(when)) {
        return h->error_set(err, OCTO_EINVAL, field,
                            "must be a regular expression (text), not a %s",
                            json_is_object(when) ? "mapping" : "list");
    }
    if (h->value_text(when, out, err) != OCTO_OK) {
        snprintf(err->field, sizeof(err->field), "%s", field);
        return err->code;
    }
    return OCTO_OK;
}

static int switch_prepare(const octo_host *h, json_t *options, void **inst, octo_error *err)
{
    json_t *cases = json_object_get(options, "cases");
    json_t *def = json_object_get(options, "default");
    struct switch_step *s = calloc(1, sizeof(*s));
    size_t i;
    json_t *c;

    if (s == NULL) {
        return h->error_set(err, OCTO_ENOMEM, NULL, "out of memory");
    }
    s->ncases = json_array_size(cases);
    s->re = calloc(s->ncases + 1, sizeof(*s->re));
    s->pattern = calloc(s->ncases + 1, sizeof(*s->pattern));
    s->has_default = json_is_object(def);
    if (s->re == NULL || s->pattern == NULL) {
        switch_destroy(h, s);
        return h->error_set(err, OCTO_ENOMEM, NULL, "out of memory");
    }
    json_array_foreach(cases, i, c)
    {
        int rc;

        if (!json_is_object(c)) {
            char field[64];

            snprintf(field, sizeof(field), "cases[%zu]", i);
            switch_destroy(h, s);
            return h->error_set(err, OCTO_EINVAL, field,
                                "each case must be a mapping with `when` and `step`");
        }
        rc = pattern_of(h, json_object_get(c, "when"), i, &s->pattern[i], err);
        if (rc == OCTO_OK) {
            rc = h->regex_compile(s->pattern[i], 0, &s->re[i], err);
            if (rc != OCTO_OK) {
                snprintf(err->field, sizeof(err->field), "cases[%zu].when", i);
            }
        }
        if (rc != OCTO_OK) {
            switch_destroy(h, s);
            return rc;
        }
    }
    *inst = s;
    return OCTO_OK;
}

/* Run nested step `option`[index] and drop what it stored (the core
 * already put it under the case step's result_key). */
static int run_case(const octo_host *h, octo_ctx *ctx, const char *option, size_t index,
                    octo_error *err)
{
    json_t *stored = NULL;
    int rc = h->run_nested(ctx, option, index, &stored, err);

    json_decref(stored);
    return rc;
}

static int switch_run(const octo_host *h, octo_ctx *ctx, void *inst, const octo_run_args *args,
                      json_t **out, octo_error *err)
{
    const struct switch_step *s = inst;
    char *text = NULL;
    size_t len;
    size_t i;
    int rc;

    *out = NULL;
    rc = h->value_text(args->input != NULL ? args->input : json_null(), &text, err);
    if (rc != OCTO_OK) {
        return rc;
    }
    len = strlen(text);
    for (i = 0; i < s->ncases; i++) {
        rc = h->regex_match(s->re[i], text, len, OCTO_REGEX_MATCH, err);
        if (rc < 0) {
            snprintf(err->field, sizeof(err->field), "cases[%zu].when", i);
            h->free(text);
            return rc;
        }
        if (rc == 1) {
            h->log(ctx, OCTO_LOG_DEBUG, "-> case %zu matches (when: %s)", i + 1, s->pattern[i]);
            h->free(text);
            rc = run_case(h, ctx, "cases", i, err);
            if (rc == OCTO_OK) {
                *out = json_null();
            }
            return rc;
        }
    }
    h->free(text);
    if (!s->has_default) {
        h->log(ctx, OCTO_LOG_DEBUG, "-> no case matches: nothing to run");
        *out = json_null();
        return OCTO_OK;
    }
    h->log(ctx, OCTO_LOG_DEBUG, "-> no case matches: the default");
    rc = run_case(h, ctx, "default", 0, err);
    if (rc == OCTO_OK) {
        *out = json_null();
    }
    return rc;
}

static const octo_option switch_options[] = {
    {.name = "data_key",
     .type = OCTO_OPT_STRING,
     .flags = OCTO_OPT_REQUIRED | OCTO_OPT_DATA_KEY,
     .summary = "key of the flow data whose Python str() the cases match (missing: None)"},
    {.name = "cases",
     .type = OCTO_OPT_ARRAY,
     .flags = OCTO_OPT_REQUIRED | OCTO_OPT_NESTED_STEPS,
     .summary = "[{when: <regex, re.match>, step: <a step>}], tried in order"},
    {.name = "default",
     .type = OCTO_OPT_OBJECT,
     .flags = OCTO_OPT_NESTED_STEPS,
     .summary = "the step run when no case matches"},
    {.name = NULL},
};

static const octo_step_type switch_step_type = {
    .struct_size = sizeof(octo_step_type),
    .flags = OCTO_STEP_NO_RESULT,
    .name = "switch",
    .summary = "Run the step of the first case whose regex matches a value (or the default)",
    .doc = "Matches Python's str() of the value at `data_key` with each case's `when` "
           "(Python re.match: a prefix match) and runs that case's step, a full step whose "
           "result_key, goto and exit apply; `default` when none matches.",
    .options = switch_options,
    .option_size = sizeof(octo_option),
    .prepare = switch_prepare,
    .run = switch_run,
    .destroy = switch_destroy,
};

static const octo_step_type *const switch_steps[] = {&switch_step_type, NULL};
OCTO_PLUGIN_DESCRIPTOR(switch_plugin, "octo-step-switch", "1.0.0", switch_steps);
OCTO_PLUGIN_DEFINE_ENTRY(switch_plugin)
