/* runner.c - run a compiled flow (see runner.h).
 *
 * DESIGN
 * ------
 * run_step() executes the phases of decision 3 for one step and returns
 * its output or an error; run_flow_steps() walks the steps, records
 * errors, applies ignore_errors and finally_step. The flow data is only
 * touched on the run's own thread (sub-flow items write their own data;
 * their errors are merged by the caller after the batch), so no lock is
 * needed. Nothing here allocates per step when a step has no templated
 * options: the prepared options are passed as they are.
 */
#include "runner.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "buf.h"
#include "config.h"
#include "errors.h"
#include "jqbridge.h"
#include "log.h"
#include "paths.h"
#include "plugins.h"
#include "pyfmt.h"
#include "pyregex.h"
#include "redact.h"
#include "template/template.h"
#include "timefmt.h"

void octo_cancel_init(struct octo_cancel *c, double timeout_seconds)
{
    atomic_init(&c->flag, 0);
    c->timeout = timeout_seconds;
    c->deadline.tv_sec = 0;
    c->deadline.tv_nsec = 0;
    if (timeout_seconds > 0) {
        clock_gettime(CLOCK_MONOTONIC, &c->deadline);
        c->deadline.tv_sec += (time_t)timeout_seconds;
        c->deadline.tv_nsec += (long)((timeout_seconds - (double)(time_t)timeout_seconds) * 1e9);
        if (c->deadline.tv_nsec >= 1000000000L) {
            c->deadline.tv_sec++;
            c->deadline.tv_nsec -= 1000000000L;
        }
    }
}

void octo_cancel_request(struct octo_cancel *c)
{
    atomic_store(&c->flag, 1);
}

int octo_cancel_check(const struct octo_cancel *c)
{
    struct timespec now;

    if (c == NULL) {
        return 0;
    }
    if (atomic_load(&((struct octo_cancel *)c)->flag)) {
        return 1;
    }
    if (c->deadline.tv_sec != 0) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec > c->deadline.tv_sec ||
            (now.tv_sec == c->deadline.tv_sec && now.tv_nsec >= c->deadline.tv_nsec)) {
            return 2;
        }
    }
    return 0;
}

void octo_uuid4(char out[37])
{
    unsigned char b[16];
    size_t i;
    size_t n = 0;

    if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
        for (i = 0; i < sizeof(b); i++) {
            b[i] = (unsigned char)rand();
        }
    }
    b[6] = (unsigned char)((b[6] & 0x0F) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3F) | 0x80);
    for (i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            out[n++] = '-';
        }
        n += (size_t)snprintf(out + n, 3, "%02x", b[i]);
    }
    out[36] = '\0';
}

char *octo_error_subject(const octo_error *err)
{
    struct octo_buf b = OCTO_BUF_INIT;
    size_t i;

    octo_buf_printf(&b, "%s: %s", octo_error_type(err->code), err->msg);
    if (err->code == OCTO_EHTTP) {
        struct octo_buf content = OCTO_BUF_INIT;
        json_t *rc = err->detail[0] != '\0' ? json_loads(err->detail, JSON_DECODE_ANY, NULL) : NULL;

        if (rc != NULL) {
            octo_py_value_repr(rc, &content);
            json_decref(rc);
        } else {
            octo_buf_puts(&content, "None");
        }
        if (content.len > 1024) {
            content.len = 1024;
            content.data[1024] = '\0';
        }
        octo_buf_printf(&b, " {'status_code': %d, 'response_content': %s}", err->http_status,
                        octo_buf_cstr(&content));
        octo_buf_free(&content);
    }
    for (i = 0; i < b.len; i++) {
        if (b.data[i] == '\r' || b.data[i] == '\n') {
            b.data[i] = ' ';
        }
    }
    return octo_buf_steal(&b, NULL);
}

/* The error record of __errors__ (new). */
static json_t *error_record(const struct octo_step *st, const octo_error *err)
{
    json_t *e = json_object();
    json_t *rec = json_object();

    json_object_set_new(e, "type", json_string(octo_error_type(err->code)));
    json_object_set_new(e, "message", json_string(err->msg));
    if (err->code == OCTO_EHTTP) {
        json_t *rc = err->detail[0] != '\0' ? json_loads(err->detail, JSON_DECODE_ANY, NULL) : NULL;

        json_object_set_new(e, "status_code", json_integer(err->http_status));
        json_object_set_new(e, "response_content", rc != NULL ? octo_redact_json(rc) : json_null());
        json_decref(rc);
    }
    json_object_set_new(rec, "step", json_string(st->name));
    json_object_set_new(rec, "error", e);
    return rec;
}

static json_t *errors_array(struct octo_run *run)
{
    json_t *a = json_object_get(run->data, "__errors__");

    if (!json_is_array(a)) {
        a = json_array();
        json_object_set_new(run->data, "__errors__", a);
    }
    return a;
}

static void step_prefix(const struct octo_run *run, const struct octo_step *st, char *out,
                        size_t cap)
{
    snprintf(out, cap, "%s[%s // %s]", run->prefix, st->name, st->type->t.name);
}

/* Is the rendered text of a `when` condition true? */
static int truthy(const char *s, size_t len)
{
    char low[8];
    size_t i;

    if (len == 0 || len > 4) {
        return 0;
    }
    for (i = 0; i < len; i++) {
        low[i] = (char)tolower((unsigned char)s[i]);
    }
    low[len] = '\0';
    return strcmp(low, "true") == 0 || strcmp(low, "1") == 0 || strcmp(low, "yes") == 0;
}

static int eval_when(struct octo_run *run, const struct octo_step *st, int *run_it,
                     octo_error *err)
{
    struct octo_buf out = OCTO_BUF_INIT;
    size_t i;
    int rc = OCTO_OK;

    *run_it = 1;
    for (i = 0; i < st->nwhen; i++) {
        octo_buf_reset(&out);
        rc = octo_tpl_render(st->when[i], run->data, &out, err);
        if (rc != OCTO_OK) {
            break;
        }
        if (!truthy(octo_buf_cstr(&out), out.len)) {
            *run_it = 0;
            break;
        }
    }
    octo_buf_free(&out);
    return rc;
}

/* Options for this run: the prepared block, or a copy with templated
 * values rendered (new reference either way). */
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
    opts = json_copy(st->options);
    if (opts == NULL) {
        return octo_error_set(err, OCTO_ENOMEM, NULL, "out of memory");
    }
    for (i = 0; i < st->ntmpl && rc == OCTO_OK; i++) {
        const struct octo_tmpl_opt *t = &st->tmpl[i];

        octo_buf_reset(&text);
        text.limit = 16u << 20;
        rc = octo_tpl_render(t->tpl, run->data, &text, err);
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

/* Execute one step: returns its output (new) in *out, or an error. */
static int run_step(struct octo_run *run, const struct octo_step *st, int ignore_when,
                    int *skipped, json_t **out, octo_error *err)
{
    char prefix[600];
    octo_run_args args;
    struct octo_ctx ctx = {run, st};
    json_t *opts = NULL;
    json_t *result = NULL;
    json_t *input = NULL;
    int run_it = 1;
    int rc;

    *out = NULL;
    *skipped = 0;
    step_prefix(run, st, prefix, sizeof(prefix));
    if (!ignore_when) {
        rc = eval_when(run, st, &run_it, err);
        if (rc != OCTO_OK) {
            return rc;
        }
        if (!run_it) {
            octo_log(OCTO_LOG_DEBUG, "%s skipped: its `when` is false", prefix);
            *skipped = 1;
            return OCTO_OK;
        }
    }
    rc = render_options(run, st, &opts, err);
    if (rc != OCTO_OK) {
        return rc;
    }
    if (st->path_data_opt >= 0) {
        const char *p = json_string_value(json_object_get(opts, st->type->opts[st->path_data_opt].name));
        char abs[4096];

        if (p != NULL && octo_path_resolve(OCTO_ROOT_DATA, p, 0, abs, sizeof(abs), err) != OCTO_OK) {
            snprintf(err->field, sizeof(err->field), "%s", st->type->opts[st->path_data_opt].name);
            json_decref(opts);
            return OCTO_EPATH;
        }
    }
    if (st->data_key != NULL) {
        input = strcmp(st->data_key, ".") == 0 ? run->data : json_object_get(run->data, st->data_key);
        if (input == NULL) {
            if (st->type->opts[st->type->data_key_opt].flags & OCTO_OPT_INPUT_NEEDED) {
                json_decref(opts);
                return octo_error_set(err, OCTO_EINVAL, "data_key",
                                      "data_key \"%s\" is not in the flow data", st->data_key);
            }
            octo_log(OCTO_LOG_WARN, "%s data_key \"%s\" is not in the flow data", prefix,
                     st->data_key);
        }
    }
    memset(&args, 0, sizeof(args));
    args.struct_size = sizeof(args);
    args.options = opts;
    args.input = input;
    args.step_name = st->name;
    octo_log(OCTO_LOG_DEBUG, "%s running", prefix);
    rc = st->type->t.run(octo_host_table(), &ctx, st->inst, &args, &result, err);
    json_decref(opts);
    if (rc != OCTO_OK) {
        json_decref(result);
        if (err->code == 0) {
            err->code = rc;
        }
        if (err->msg[0] == '\0') {
            snprintf(err->msg, sizeof(err->msg), "%s", octo_strerror(rc));
        }
        return rc < 0 ? rc : OCTO_EINTERNAL;
    }
    if (result == NULL) {
        result = json_null();
    }
    if (result == run->data) { /* never store the flow data inside itself */
        json_decref(result);
        result = json_deep_copy(run->data);
    }
    if (st->jq != NULL) {
        json_t *t = NULL;
        int n = 0;

        rc = octo_jq_run(st->jq, result, OCTO_JQ_SINGLE, &t, &n, err);
        json_decref(result);
        if (rc != OCTO_OK) {
            snprintf(err->field, sizeof(err->field), "jq_expression");
            return rc;
        }
        if (n != 1) {
            octo_log(OCTO_LOG_WARN, "%s jq_expression \"%s\" gave %s outputs; the result is null",
                     prefix, octo_jq_source(st->jq), n == 0 ? "no" : "several");
        }
        result = t;
    }
    *out = result;
    return OCTO_OK;
}

/* Does an ignore_errors pattern match this error? Returns the pattern. */
static const char *ignored_by(const struct octo_step *st, const octo_error *err)
{
    char *subject;
    size_t i;
    const char *hit = NULL;

    if (st->nignore == 0) {
        return NULL;
    }
    subject = octo_error_subject(err);
    if (subject == NULL) {
        return NULL;
    }
    for (i = 0; i < st->nignore && hit == NULL; i++) {
        struct octo_match m;

        if (octo_regex_search(st->ignore[i], subject, strlen(subject), 0, &m, NULL) == 1) {
            hit = st->ignore_src[i];
        }
    }
    free(subject);
    return hit;
}

/* The error of a run stopped by its deadline (type "timeout") or by a
 * cancel request (type "cancelled"). */
static void cancel_error(struct octo_run *run, int why, octo_error *err)
{
    if (why == 2) {
        octo_error_set(err, OCTO_ETIMEDOUT, NULL, "the run timed out after %g seconds",
                       run->cancel->timeout);
    } else {
        octo_error_set(err, OCTO_ECANCELED, NULL, "the run was cancelled");
    }
}

/* Run one step with error handling. Returns 0 to go on, 1 when the flow
 * fails. */
static int step_with_errors(struct octo_run *run, const struct octo_step *st, int ignore_when,
                            struct octo_run_result *r)
{
    octo_error err;
    json_t *out = NULL;
    int skipped = 0;
    int rc;
    int why;
    char prefix[600];
    const char *pattern;
    json_t *rec;

    memset(&err, 0, sizeof(err));
    step_prefix(run, st, prefix, sizeof(prefix));
    why = octo_cancel_check(run->cancel);
    if (why != 0) {
        cancel_error(run, why, &err);
        rc = err.code;
    } else {
        rc = run_step(run, st, ignore_when, &skipped, &out, &err);
        why = rc != OCTO_OK ? octo_cancel_check(run->cancel) : 0;
        if (why != 0) { /* the step failed because the run was stopped */
            cancel_error(run, why, &err);
            rc = err.code;
        }
    }
    if (rc == OCTO_OK) {
        if (!skipped) {
            json_object_set_new(run->data, st->result_key, out);
        }
        return 0;
    }
    octo_redact_inplace(err.msg, sizeof(err.msg));
    octo_log(OCTO_LOG_ERROR, "%s Error in step %s: %s: %s", prefix, st->name,
             octo_error_type(err.code), err.msg);
    rec = error_record(st, &err);
    pattern = why != 0 ? NULL : ignored_by(st, &err); /* a stopped run cannot go on */
    if (pattern != NULL) {
        char note[600];

        snprintf(note, sizeof(note), "Error ignored based on regex: %s", pattern);
        json_object_set_new(rec, "ignored", json_string(note));
        octo_log(OCTO_LOG_WARN, "%s Ignoring error in step %s based on regex: %s", prefix,
                 st->name, pattern);
        json_array_append_new(errors_array(run), rec);
        return 0;
    }
    json_array_append_new(errors_array(run), rec);
    if (!r->failed) {
        r->failed = 1;
        r->cancelled = why != 0;
        snprintf(r->step, sizeof(r->step), "%s", st->name);
        snprintf(r->message, sizeof(r->message), "%s", err.msg);
    }
    return 1;
}

static json_t *initial_data(const struct octo_flow *f, const struct octo_run_opts *o,
                            const char *job_id)
{
    json_t *d = json_object();
    char stamp[32];

    octo_timestamp_compact(time(NULL), stamp, sizeof(stamp));
    json_object_set_new(d, "__errors__", json_array());
    json_object_set(d, "__input__", o->input != NULL ? o->input : json_null());
    json_object_set_new(d, "__loop_index__",
                        o->loop_index > 0 ? json_integer(o->loop_index) : json_null());
    json_object_set_new(d, "__job_id__", job_id != NULL ? json_string(job_id) : json_null());
    json_object_set_new(d, "__timestamp__", json_string(stamp));
    json_object_set_new(d, "__flow_path__", json_string(f->path));
    return d;
}

int octo_run_flow(struct octo_flow *f, const struct octo_run_opts *o, struct octo_run_result *r)
{
    struct octo_run run;
    struct timespec t0;
    struct timespec t1;
    size_t i;
    const char *job_id = o->job_id;

    memset(r, 0, sizeof(*r));
    if (job_id == NULL && o->depth == 0) {
        octo_uuid4(r->job_id);
        job_id = r->job_id;
    } else if (job_id != NULL) {
        snprintf(r->job_id, sizeof(r->job_id), "%s", job_id);
    }
    memset(&run, 0, sizeof(run));
    run.flow = f;
    run.cancel = o->cancel;
    run.depth = o->depth;
    run.loop_index = o->loop_index;
    if (o->loop_index > 0) {
        snprintf(run.prefix, sizeof(run.prefix), "[%s][%lld]", f->name, (long long)o->loop_index);
    } else {
        snprintf(run.prefix, sizeof(run.prefix), "[%s]", f->name);
    }
    run.data = initial_data(f, o, o->depth == 0 ? job_id : NULL);
    if (run.data == NULL) {
        return OCTO_ENOMEM;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    octo_log(o->depth == 0 ? OCTO_LOG_INFO : OCTO_LOG_DEBUG, "%s Flow %s started", run.prefix,
             f->path);
    for (i = 0; i < f->nsteps; i++) {
        if (step_with_errors(&run, &f->steps[i], 0, r) != 0) {
            break;
        }
    }
    if (r->failed) {
        octo_log(OCTO_LOG_ERROR, "%s Flow failed, check __errors__ for details", run.prefix);
        if (f->finally_index >= 0 && !r->cancelled) {
            struct octo_run_result fr;

            memset(&fr, 0, sizeof(fr));
            octo_log(OCTO_LOG_INFO, "%s Running finally step %s", run.prefix,
                     f->steps[f->finally_index].name);
            step_with_errors(&run, &f->steps[f->finally_index], 1, &fr);
            if (fr.failed) {
                octo_log(OCTO_LOG_ERROR, "%s Error in finally step %s: %s", run.prefix,
                         fr.step, fr.message);
            }
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    octo_log(o->depth == 0 ? OCTO_LOG_INFO : OCTO_LOG_DEBUG, "%s Flow %s %s in %.1f ms",
             run.prefix, f->path, r->failed ? "failed" : "finished successfully",
             (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
    r->data = run.data;
    return OCTO_OK;
}

void octo_run_result_free(struct octo_run_result *r)
{
    json_decref(r->data);
    r->data = NULL;
}
