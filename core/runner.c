/* runner.c - run a compiled flow (see runner.h).
 *
 * DESIGN
 * ------
 * octo_run_step() (runner_step.c) executes the phases of decision 3 for
 * one step; step_with_errors() here wraps it in what a step execution
 * means to the flow: the timeline events around each attempt, retries,
 * the error record, ignore_errors, failure. octo_run_flow() walks the
 * steps with the executed-step cap, runs finally_step on failure and
 * decides how the run ended.
 *
 * The flow data is only touched on the run's own thread (loop items
 * write their own data; their errors are merged by the caller after the
 * batch), so no lock is needed. Every log line of a run's thread carries
 * the job id (octo_log_set_tag), so a launch can be matched to its lines.
 */
#include "runner.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "buf.h"
#include "config.h"
#include "errors.h"
#include "log.h"
#include "plugins.h"
#include "pyfmt.h"
#include "pyregex.h"
#include "redact.h"
#include "retry.h"
#include "timefmt.h"

double octo_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)(ts.tv_nsec / 1000) / 1e6;
}

static long long mono_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

const char *octo_run_status_name(int status)
{
    static const char *const names[] = {"success", "failed", "cancelled", "timeout", "exit"};

    return status >= 0 && status <= OCTO_RUN_EXIT ? names[status] : "failed";
}

void octo_job_ctx_init(struct octo_job_ctx *j, const char *job_id, struct octo_cancel *cancel,
                       const struct octo_run_hooks *hooks)
{
    memset(j, 0, sizeof(*j));
    j->cancel = cancel;
    j->hooks = hooks;
    atomic_init(&j->subruns, 0);
    atomic_init(&j->seq, 0);
    if (job_id != NULL) {
        snprintf(j->job_id, sizeof(j->job_id), "%s", job_id);
    } else {
        octo_uuid4(j->job_id);
    }
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

json_t *octo_error_record(const char *step, const octo_error *err)
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
    json_object_set_new(rec, "step", json_string(step));
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


/* The error of a run stopped by its deadline (type "timeout"), a cancel
 * request (type "cancelled") or a job-wide limit (its own message). */
static void cancel_error(struct octo_run *run, int why, octo_error *err)
{
    if (why == OCTO_DEADLINE) {
        octo_error_set(err, OCTO_ETIMEDOUT, NULL, "the run timed out after %g seconds",
                       run->cancel->timeout);
    } else if (why == OCTO_ABORTED) {
        octo_error_set(err, OCTO_ESUBFLOW, NULL, "%s", run->cancel->abort_msg);
    } else {
        octo_error_set(err, OCTO_ECANCELED, NULL, "the run was cancelled");
    }
}

static void event_base(struct octo_run *run, const struct octo_step *st, long seq, int attempt,
                       struct octo_step_event *ev)
{
    memset(ev, 0, sizeof(*ev));
    ev->seq = seq;
    ev->parent = run->parent_seq;
    ev->item = (long)run->loop_index;
    ev->depth = run->depth;
    ev->index = (long)st->index;
    ev->name = st->name;
    ev->type = st->type->t.name;
    ev->flow = run->flow->path;
    ev->attempt = attempt;
    ev->started = octo_now();
}

static void emit_end(struct octo_run *run, struct octo_step_event *ev, long long t0,
                     const char *outcome, json_t *error, json_t *input, json_t *output)
{
    const struct octo_run_hooks *h = run->job->hooks;

    if (h == NULL || h->step_end == NULL) {
        return;
    }
    ev->duration_us = mono_us() - t0;
    ev->outcome = outcome;
    ev->error = error;
    ev->input = input;
    ev->output = output;
    h->step_end(h->ud, ev);
}

static void record_failure(struct octo_run_result *r, const struct octo_step *st,
                           const octo_error *err, int why)
{
    if (r->failed) {
        return;
    }
    r->failed = 1;
    r->cancelled = why != OCTO_GO_ON;
    r->status = why == OCTO_DEADLINE    ? OCTO_RUN_TIMEOUT
                : why == OCTO_CANCELLED ? OCTO_RUN_CANCELLED
                                        : OCTO_RUN_FAILED;
    snprintf(r->step, sizeof(r->step), "%s", st != NULL ? st->name : "");
    snprintf(r->message, sizeof(r->message), "%s", err->msg);
}

/* Wait before the next attempt of st. Returns OCTO_GO_ON to retry, or
 * why the run must stop instead (then err says so). */
static int retry_wait(struct octo_run *run, const struct octo_step *st, int attempt,
                      const octo_error *failed, const char *prefix, octo_error *err)
{
    double retry_after = failed->retry_after_ms > 0 ? failed->retry_after_ms / 1000.0 : 0;
    double wait = octo_retry_delay(st->retry, attempt, retry_after);
    int why;

    if (wait >= octo_cancel_remaining(run->cancel)) {
        /* the next attempt could not start before the deadline */
        octo_log(OCTO_LOG_WARN, "%s not retrying: the run's deadline comes first", prefix);
        return OCTO_DEADLINE;
    }
    octo_log(OCTO_LOG_WARN, "%s attempt %d of %d failed (%s: %s); retrying in %.3g s", prefix,
             attempt, st->retry->attempts, octo_error_type(failed->code), failed->msg, wait);
    why = octo_cancel_sleep(run->cancel, wait);
    if (why != OCTO_GO_ON) {
        cancel_error(run, why, err);
    }
    return why;
}

/* Run one step with retries, events and error handling. Returns 0 to go
 * on, 1 when the flow fails. */
static int step_with_errors(struct octo_run *run, const struct octo_step *st, int ignore_when,
                            struct octo_run_result *r, struct octo_control_result *cr)
{
    const struct octo_run_hooks *hooks = run->job->hooks;
    char prefix[600];
    int attempt;

    snprintf(prefix, sizeof(prefix), "%s[%s // %s]", run->prefix, st->name, st->type->t.name);
    for (attempt = 1;; attempt++) {
        struct octo_step_event ev;
        long seq = atomic_fetch_add(&run->job->seq, 1) + 1;
        long long t0 = mono_us();
        octo_error err;
        json_t *out = NULL;
        json_t *input = NULL;
        json_t *rec;
        const char *pattern;
        int skipped = 0;
        int rc;
        int why;

        memset(&err, 0, sizeof(err));
        event_base(run, st, seq, attempt, &ev);
        if (hooks != NULL && hooks->step_start != NULL) {
            hooks->step_start(hooks->ud, &ev);
        }
        why = octo_cancel_check(run->cancel);
        if (why != OCTO_GO_ON) {
            cancel_error(run, why, &err);
            rc = err.code;
        } else {
            rc = octo_run_step(run, st, seq, ignore_when, &skipped, &input, &out, cr, &err);
            why = rc != OCTO_OK ? octo_cancel_check(run->cancel) : OCTO_GO_ON;
            if (why != OCTO_GO_ON) { /* the step failed because the run was stopped */
                cancel_error(run, why, &err);
                rc = err.code;
            }
        }
        if (rc == OCTO_OK) {
            if (skipped) {
                emit_end(run, &ev, t0, "skipped", NULL, NULL, NULL);
            } else {
                json_object_set_new(run->data, st->result_key, out);
                emit_end(run, &ev, t0, "ok", NULL, input, out);
            }
            return 0;
        }
        octo_redact_inplace(err.msg, sizeof(err.msg));
        if (why == OCTO_GO_ON && st->retry != NULL && attempt < st->retry->attempts) {
            char *subject = octo_error_subject(&err);
            int again = subject != NULL && octo_retry_matches(st->retry, subject);

            free(subject);
            if (again) {
                octo_error stop;

                memset(&stop, 0, sizeof(stop));
                rec = octo_error_record(st->name, &err);
                emit_end(run, &ev, t0, "retried", json_object_get(rec, "error"), input, NULL);
                json_decref(rec);
                why = retry_wait(run, st, attempt, &err, prefix, &stop);
                if (why == OCTO_GO_ON) {
                    continue;
                }
                if (why != OCTO_DEADLINE || stop.code != 0) {
                    err = stop; /* cancelled or aborted while waiting */
                } else {
                    why = OCTO_GO_ON; /* gave up before the deadline: the step's own error */
                }
            }
        }
        octo_log(OCTO_LOG_ERROR, "%s Error in step %s: %s: %s", prefix, st->name,
                 octo_error_type(err.code), err.msg);
        rec = octo_error_record(st->name, &err);
        pattern = why != OCTO_GO_ON ? NULL : ignored_by(st, &err); /* a stopped run cannot go on */
        if (pattern != NULL) {
            char note[600];

            snprintf(note, sizeof(note), "Error ignored based on regex: %s", pattern);
            json_object_set_new(rec, "ignored", json_string(note));
            octo_log(OCTO_LOG_WARN, "%s Ignoring error in step %s based on regex: %s", prefix,
                     st->name, pattern);
            emit_end(run, &ev, t0, "ignored", json_object_get(rec, "error"), input, NULL);
            json_array_append_new(errors_array(run), rec);
            return 0;
        }
        emit_end(run, &ev, t0, "failed", json_object_get(rec, "error"), input, NULL);
        json_array_append_new(errors_array(run), rec);
        record_failure(r, st, &err, why);
        return 1;
    }
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

/* The run was stopped (deadline, cancel, limit) after its last step had
 * already been entered: the work may be partial (a loop whose items all
 * recorded a timeout), so the run fails with the reason. */
static void late_stop(struct octo_run *run, struct octo_run_result *r)
{
    int why = octo_cancel_check(run->cancel);
    octo_error err;

    if (why == OCTO_GO_ON || r->failed) {
        return;
    }
    memset(&err, 0, sizeof(err));
    cancel_error(run, why, &err);
    json_array_append_new(errors_array(run), octo_error_record("(flow)", &err));
    record_failure(r, NULL, &err, why);
}

static long max_steps(void)
{
    const struct octo_config *c = octo_config();

    return c != NULL && c->max_steps > 0 ? c->max_steps : 10000;
}

int octo_run_flow(struct octo_flow *f, const struct octo_run_opts *o, struct octo_run_result *r)
{
    struct octo_run run;
    struct octo_job_ctx own;
    struct octo_cancel own_cancel;
    int own_cancel_used = 0;
    struct timespec t0;
    struct timespec t1;
    size_t i;
    char tag[16];
    const char *saved_tag;
    long limit = max_steps();

    memset(r, 0, sizeof(r[0]));
    memset(&run, 0, sizeof(run));
    if (f->shallow) { /* a caller bug: checked, never prepared */
        return OCTO_EINVAL;
    }
    if (o->job == NULL) {
        /* a run of its own (tests, tools): limits still need a cancel to
         * stop the job with */
        if (o->cancel == NULL) {
            octo_cancel_init(&own_cancel, 0);
            own_cancel_used = 1;
        }
        octo_job_ctx_init(&own, o->job_id, o->cancel != NULL ? o->cancel : &own_cancel, NULL);
        run.job = &own;
    } else {
        run.job = o->job;
    }
    snprintf(r->job_id, sizeof(r->job_id), "%s", run.job->job_id);
    run.flow = f;
    run.cancel = run.job->cancel;
    run.depth = o->depth;
    run.loop_index = o->loop_index;
    run.parent_seq = o->parent_seq;
    if (o->loop_index > 0) {
        snprintf(run.prefix, sizeof(run.prefix), "[%s][%lld]", f->name, (long long)o->loop_index);
    } else {
        snprintf(run.prefix, sizeof(run.prefix), "[%s]", f->name);
    }
    snprintf(tag, sizeof(tag), "job %.8s", run.job->job_id);
    saved_tag = octo_log_set_tag(tag);
    run.data = initial_data(f, o, o->depth == 0 ? run.job->job_id : NULL);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    octo_log(o->depth == 0 ? OCTO_LOG_INFO : OCTO_LOG_DEBUG, "%s Flow %s started", run.prefix,
             f->path);
    for (i = 0; i < f->nsteps; i++) {
        if (++r->steps_run > limit) {
            octo_error err;

            memset(&err, 0, sizeof(err));
            octo_error_set(&err, OCTO_EINVAL, NULL,
                           "the run executed %ld steps, the limit (MAX_STEPS_PER_RUN)", limit);
            json_array_append_new(errors_array(&run), octo_error_record(f->steps[i].name, &err));
            record_failure(r, &f->steps[i], &err, OCTO_GO_ON);
            break;
        }
        struct octo_control_result cr;

        memset(&cr, 0, sizeof(cr));
        if (step_with_errors(&run, &f->steps[i], 0, r, &cr) != 0) {
            break;
        }
    }
    late_stop(&run, r);
    if (r->failed) {
        octo_log(OCTO_LOG_ERROR, "%s Flow failed, check __errors__ for details", run.prefix);
        if (f->finally_index >= 0 && !r->cancelled) {
            struct octo_run_result fr;

            memset(&fr, 0, sizeof(fr));
            octo_log(OCTO_LOG_INFO, "%s Running finally step %s", run.prefix,
                     f->steps[f->finally_index].name);
            struct octo_control_result fcr;

            memset(&fcr, 0, sizeof(fcr));
            step_with_errors(&run, &f->steps[f->finally_index], 1, &fr, &fcr);
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
    octo_log_set_tag(saved_tag);
    if (own_cancel_used) {
        octo_cancel_destroy(&own_cancel);
    }
    r->data = run.data;
    return OCTO_OK;
}

void octo_run_result_free(struct octo_run_result *r)
{
    json_decref(r->data);
    r->data = NULL;
}
