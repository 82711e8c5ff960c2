/* runner_step.c - the phases of one step (docs/flows.md, "The flow format"):
 * when -> render templated options -> resolve data_key -> the plugin's
 * run() -> jq_expression. Storing the result, errors, retries and events
 * are the caller's (runner.c). Nothing here allocates when a step has no
 * templated options: the prepared options are passed as they are.
 *
 * The order is observable. `when` comes first so a skipped step renders
 * nothing and cannot fail (the original built the step - rendered its
 * options, fetched secrets - before its `when`, so a skipped step could
 * still fail or call Vault); options are rendered
 * before paths are resolved because a path option may be a template;
 * data_key is read after rendering, from the data as it is now (a
 * template cannot change it, but an earlier step can). jq_expression
 * sees the plugin's output, never the flow data.
 */
#include "runner.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "jqbridge.h"
#include "log.h"
#include "paths.h"
#include "plugins.h"
#include "template/template.h"

int octo_run_step_when(struct octo_run *run, const struct octo_step *st, int *run_it,
                       octo_error *err)
{
    struct octo_buf out = OCTO_BUF_INIT;
    size_t i;
    int rc = OCTO_OK;

    *run_it = 1;
    for (i = 0; i < st->nwhen; i++) {
        const char *text;
        size_t len;

        if (octo_tpl_static_text(st->when[i], &text, &len)) { /* when: false */
            if (!octo_flow_when_holds(text, len)) {
                *run_it = 0;
                break;
            }
            continue;
        }
        octo_buf_reset(&out);
        rc = octo_tpl_render(st->when[i], run->data, &out, err);
        if (rc != OCTO_OK) {
            break;
        }
        if (!octo_flow_when_holds(octo_buf_cstr(&out), out.len)) {
            *run_it = 0;
            break;
        }
    }
    octo_buf_free(&out);
    return rc;
}

/* Options for this run: the prepared block, or a copy with templated
 * values rendered (new reference either way). The prepared block is
 * shared by every run of the cached flow, on any thread, so it is never
 * written: rendered values go into a shallow copy, and an object option
 * (rest.headers) is copied the first time one of its members is
 * rendered. */
static int render_options(struct octo_run *run, const struct octo_step *st, json_t **out,
                          octo_error *err)
{
    struct octo_buf text = OCTO_BUF_INIT;
    json_t *opts;
    size_t i;
    int rc = OCTO_OK;

    *out = NULL;
    if (st->ntmpl == 0) {
        *out = json_incref(st->options);
        return OCTO_OK;
    }
    opts = json_copy(st->options); /* jansson aborts on OOM (octo_core_init) */
    for (i = 0; i < st->ntmpl && rc == OCTO_OK; i++) {
        const struct octo_tmpl_opt *t = &st->tmpl[i];

        octo_buf_reset(&text);
        text.limit = 16u << 20; /* the template output limit (docs/templates.md) */
        rc = octo_render_option(run, st, t, &text, err);
        if (rc != OCTO_OK) {
            snprintf(err->field, sizeof(err->field), "%s%s%s", t->option, t->key ? "." : "",
                     t->key ? t->key : "");
            break;
        }
        if (t->key == NULL) {
            json_object_set_new(opts, t->option, json_stringn(octo_buf_cstr(&text), text.len));
        } else {
            json_t *orig = json_object_get(st->options, t->option);
            json_t *obj = json_object_get(opts, t->option);

            if (obj == orig) { /* first member of this object: copy it */
                obj = json_copy(orig);
                json_object_set_new(opts, t->option, obj);
            }
            json_object_set_new(obj, t->key, json_stringn(octo_buf_cstr(&text), text.len));
        }
    }
    octo_buf_free(&text);
    if (rc != OCTO_OK) {
        json_decref(opts);
        return rc;
    }
    *out = opts;
    return OCTO_OK;
}

/* The confined absolute paths of the step's path options (new object, or
 * NULL when it has none). Every PATH_DATA option is checked (1.0 did, and
 * threw the result away); since 1.1 the plugin gets them in args->paths,
 * resolved for reading (a writer still asks path_resolve with
 * OCTO_PATH_WRITE, which also refuses the protected directories). */
static int resolve_paths(const struct octo_step *st, json_t *opts, json_t **paths, octo_error *err)
{
    static const struct {
        unsigned flag;
        int root;
    } kinds[] = {{OCTO_OPT_PATH_DATA, OCTO_ROOT_DATA},
                 {OCTO_OPT_PATH_TPL, OCTO_ROOT_TEMPLATES},
                 {OCTO_OPT_PATH_FLOWS, OCTO_ROOT_FLOWS}};
    size_t i;
    size_t k;

    *paths = NULL;
    for (i = 0; i < st->type->nopts; i++) {
        const octo_option *o = &st->type->opts[i];
        const char *p;
        char abs[4096];

        for (k = 0; k < 3 && !(o->flags & kinds[k].flag); k++) {
        }
        if (k == 3 || (p = json_string_value(json_object_get(opts, o->name))) == NULL) {
            continue;
        }
        /* a 1.0 plugin resolves its own template and flow paths: check
         * only what 1.0 checked here */
        if (kinds[k].root != OCTO_ROOT_DATA && st->type->abi_minor < 1) {
            continue;
        }
        if (octo_path_resolve(kinds[k].root, p, 0, abs, sizeof(abs), err) != OCTO_OK) {
            snprintf(err->field, sizeof(err->field), "%s", o->name);
            json_decref(*paths);
            *paths = NULL;
            return OCTO_EPATH;
        }
        if (*paths == NULL) {
            *paths = json_object();
        }
        json_object_set_new(*paths, o->name, json_string(abs));
    }
    return OCTO_OK;
}

int octo_run_step(struct octo_run *run, const struct octo_step *st, long seq, int ignore_when,
                  int *skipped, json_t **input_out, json_t **out, struct octo_control_result *cr,
                  octo_error *err)
{
    octo_run_args args;
    struct octo_ctx ctx = {run, st, seq, cr};
    json_t *opts = NULL;
    json_t *result = NULL;
    json_t *input = NULL;
    json_t *paths = NULL;
    int run_it = 1;
    int rc;

    *out = NULL;
    *skipped = 0;
    *input_out = NULL;
    if (!ignore_when) {
        rc = octo_run_step_when(run, st, &run_it, err);
        if (rc != OCTO_OK) {
            return rc;
        }
        if (!run_it) {
            octo_log(OCTO_LOG_DEBUG, "%s[%s // %s] skipped: its `when` is false", run->prefix,
                     st->name, st->type->t.name);
            *skipped = 1;
            return OCTO_OK;
        }
    }
    rc = render_options(run, st, &opts, err);
    if (rc != OCTO_OK) {
        return rc;
    }
    rc = resolve_paths(st, opts, &paths, err);
    if (rc != OCTO_OK) {
        json_decref(opts);
        return rc;
    }
    /* A missing data_key is the original's None: most steps cope (and
     * a warning says so), those that need input refuse with a step error
     * rather than act on nothing (write an empty file, loop zero times). */
    if (st->data_key != NULL) {
        input =
            strcmp(st->data_key, ".") == 0 ? run->data : json_object_get(run->data, st->data_key);
        if (input == NULL) {
            if (st->type->opts[st->type->data_key_opt].flags & OCTO_OPT_INPUT_NEEDED) {
                json_decref(opts);
                json_decref(paths);
                return octo_error_set(err, OCTO_EINVAL, "data_key",
                                      "data_key \"%s\" is not in the flow data", st->data_key);
            }
            octo_log(OCTO_LOG_WARN, "%s[%s // %s] data_key \"%s\" is not in the flow data",
                     run->prefix, st->name, st->type->t.name, st->data_key);
        }
    }
    *input_out = input;
    memset(&args, 0, sizeof(args));
    args.struct_size = sizeof(args);
    args.options = opts;
    args.input = input;
    args.step_name = st->name;
    args.paths = paths;
    octo_log(OCTO_LOG_DEBUG, "%s[%s // %s] running", run->prefix, st->name, st->type->t.name);
    rc = st->type->t.run(octo_host_table(), &ctx, st->inst, &args, &result, err);
    json_decref(opts);
    json_decref(paths);
    if (rc != OCTO_OK) {
        json_decref(result);
        if (err->code == 0) {
            err->code = rc;
        }
        if (err->msg[0] == '\0') {
            snprintf(err->msg, sizeof(err->msg), "%s", octo_strerror(rc));
        }
        /* OCTO_E* codes are negative: a positive one is a plugin bug */
        return rc < 0 ? rc : OCTO_EINTERNAL;
    }
    if (result == NULL) {
        result = json_null();
    }
    if (result == run->data) { /* never store the flow data inside itself */
        json_decref(result);
        result = json_deep_copy(run->data);
    }
    /* OCTO_JQ_SINGLE: no output or several give null, as in the original
     * (here with a warning); a control step (NO_RESULT) has no output to
     * filter */
    if (st->jq != NULL && !(st->type->t.flags & OCTO_STEP_NO_RESULT)) {
        json_t *t = NULL;
        int n = 0;

        rc = octo_jq_run(st->jq, result, OCTO_JQ_SINGLE, &t, &n, err);
        json_decref(result);
        if (rc != OCTO_OK) {
            snprintf(err->field, sizeof(err->field), "jq_expression");
            return rc;
        }
        if (n != 1) {
            octo_log(OCTO_LOG_WARN,
                     "%s[%s // %s] jq_expression \"%s\" gave %s outputs; the result is null",
                     run->prefix, st->name, st->type->t.name, octo_jq_source(st->jq),
                     n == 0 ? "no" : "several");
        }
        result = t;
    }
    *out = result;
    return OCTO_OK;
}
