/* flow_dryrun.c - `octoflow run --dry-run`: what each step would do.
 *
 * The flow is validated and compiled as for a run (plugins' prepare()
 * included: they compile, they do not act), then walked in order without
 * running any step: each `when` is evaluated and each templated option
 * rendered against the flow data as it is before the first step (the
 * input, no step results: a template that uses an earlier step's result
 * sees it undefined, and the plan says so). Nothing is called, locked,
 * recorded or written. Rendered values are redacted like any output.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <octoflow/core.h>

#include "buf.h"
#include "errors.h"
#include "flow.h"
#include "plugins.h"
#include "template/template.h"
#include "timefmt.h"

static json_t *initial_data(const struct octo_flow *f, json_t *input)
{
    char stamp[32];

    octo_timestamp_compact(time(NULL), stamp, sizeof(stamp));
    return json_pack("{s:[], s:O, s:n, s:n, s:s, s:s}", "__errors__", "__input__",
                     input != NULL ? input : json_null(), "__loop_index__", "__job_id__",
                     "__timestamp__", stamp, "__flow_path__", f->path);
}

/* "would": run | skip | fail, with "why" for the last two. */
static json_t *plan_step(const struct octo_flow *f, const struct octo_step *st, json_t *data,
                         json_t *warnings, int strict)
{
    json_t *row =
        json_pack("{s:s, s:s, s:i}", "name", st->name, "type", st->type->t.name, "line", st->line);
    struct octo_buf text = OCTO_BUF_INIT;
    json_t *opts;
    octo_error err;
    size_t i;

    memset(&err, 0, sizeof(err));
    for (i = 0; i < st->nwhen; i++) {
        octo_buf_reset(&text);
        if (octo_tpl_render(st->when[i], data, &text, &err) != OCTO_OK) {
            json_object_set_new(row, "would", json_string("fail"));
            json_object_set_new(row, "why", json_string(err.msg));
            octo_buf_free(&text);
            return row;
        }
        if (!octo_flow_when_holds(octo_buf_cstr(&text), text.len)) {
            json_object_set_new(row, "would", json_string("skip"));
            json_object_set_new(row, "why", json_string("its `when` is false"));
            octo_buf_free(&text);
            return row;
        }
    }
    opts = json_deep_copy(st->options);
    for (i = 0; i < st->ntmpl; i++) {
        const struct octo_tmpl_opt *t = &st->tmpl[i];
        struct octo_tpl_undef u;

        u.strict = strict;
        octo_buf_reset(&text);
        if (octo_tpl_render_ex(t->tpl, data, &text, &err, &u) != OCTO_OK) {
            json_object_set_new(row, "would", json_string("fail"));
            json_object_set_new(row, "why", json_string(err.msg));
            break;
        }
        if (u.name[0] != '\0') {
            char msg[512];

            snprintf(msg, sizeof(msg),
                     "%s:%d: step \"%s\": option \"%s%s%s\": '%s' is undefined before the first "
                     "step and renders as \"\"",
                     f->path, st->line, st->name, t->option, t->key != NULL ? "." : "",
                     t->key != NULL ? t->key : "", u.name);
            json_array_append_new(warnings, json_string(msg));
        }
        if (t->key == NULL) {
            json_object_set_new(opts, t->option, json_stringn(octo_buf_cstr(&text), text.len));
        } else {
            json_object_set_new(json_object_get(opts, t->option), t->key,
                                json_stringn(octo_buf_cstr(&text), text.len));
        }
    }
    octo_buf_free(&text);
    if (json_object_get(row, "would") == NULL) {
        json_object_set_new(row, "would", json_string("run"));
    }
    json_object_set_new(row, "options", octo_redact_json(opts));
    json_decref(opts);
    return row;
}

int octo_flow_dry_run(const char *flow, json_t *input, json_t **plan, octo_error *err)
{
    const struct octo_config *cfg = octo_config();
    struct octo_flow *f = NULL;
    struct octo_diags d;
    json_t *steps;
    json_t *data;
    size_t i;
    int rc;

    *plan = NULL;
    octo_diags_init(&d);
    rc = octo_flow_open_arg(flow, 0, &f, &d, err);
    if (rc == OCTO_ENOENT && json_array_size(d.errors) == 0) {
        octo_diags_free(&d);
        return rc;
    }
    if (rc != OCTO_OK && json_array_size(d.errors) == 0) {
        json_array_append_new(d.errors, json_string(err->msg));
    }
    *plan = json_pack("{s:s, s:b, s:O, s:O}", "flow", flow, "valid", rc == OCTO_OK, "errors",
                      d.errors, "warnings", d.warnings);
    if (f != NULL) {
        int strict = f->undefined_strict || (cfg != NULL && cfg->template_strict);

        steps = json_array();
        data = initial_data(f, input);
        for (i = 0; i < f->nsteps; i++) {
            json_array_append_new(steps, plan_step(f, &f->steps[i], data,
                                                   json_object_get(*plan, "warnings"), strict));
        }
        json_object_set_new(*plan, "steps", steps);
        json_decref(data);
        octo_flow_unref(f);
    }
    octo_diags_free(&d);
    return OCTO_OK;
}
