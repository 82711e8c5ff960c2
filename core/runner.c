/* runner.c - run a compiled flow (see runner.h).
 *
 * DESIGN
 * ------
 * Three layers, inside out:
 *   octo_run_step() (runner_step.c)  the phases of one attempt: when,
 *                                    render, data_key, run, jq_expression
 *   execute()                        the attempts of one step: timeline
 *                                    events around each, retries, storing
 *                                    the result under result_key
 *   step_with_errors()               what a failed step means to the flow:
 *                                    its __errors__ record, then
 *                                    ignore_errors, on_error_goto or failure
 * and octo_run_flow() walks the steps (gotos, exit, the executed-step
 * cap), runs finally_step on failure and decides how the run ended. A
 * nested step (switch cases: octo_run_nested) goes through execute() only:
 * its error becomes the outer step's, so the outer step's error handling
 * applies once.
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

    /* getrandom fails only without the syscall or before the kernel's
     * pool is ready (early boot): a job id must be unique, not secret */
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

/* __errors__, made again when it is not an array: it is ordinary flow
 * data, which a step whose result_key is "__errors__" replaces. */
static json_t *errors_array(struct octo_run *run)
{
    json_t *a = json_object_get(run->data, "__errors__");

    if (!json_is_array(a)) {
        a = json_array();
        json_object_set_new(run->data, "__errors__", a);
    }
    return a;
}

/* Does an ignore_errors pattern match this error? Returns the pattern.
 * The patterns are searched in the error's subject ("<type>: <message>"
 * plus the original's {'status_code': ...} form for HTTP errors), the
 * text patterns written for the original were matched against. */
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

static void event_base(struct octo_run *run, const struct octo_step *st, long seq, long parent,
                       int attempt, struct octo_step_event *ev)
{
    memset(ev, 0, sizeof(*ev));
    ev->seq = seq;
    ev->parent = parent;
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

    /* One end per attempt: a run cancelled while it waited to retry an
     * attempt that already ended "retried" fails with the cancel, and
     * that attempt keeps its own error (its row is not ended again). */
    if (h == NULL || h->step_end == NULL || ev->outcome != NULL) {
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
                      const octo_error *failed, octo_error *err)
{
    char prefix[600];
    double retry_after = failed->retry_after_ms > 0 ? failed->retry_after_ms / 1000.0 : 0;
    double wait = octo_retry_delay(st->retry, attempt, retry_after);
    int why;

    snprintf(prefix, sizeof(prefix), "%s[%s // %s]", run->prefix, st->name, st->type->t.name);
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

/* The last attempt of a step that failed: its event still to be ended
 * by whoever decides what the failure means. */
struct failed_attempt {
    struct octo_step_event ev;
    long long t0;
    json_t *input; /* borrowed from the flow data */
    octo_error err;
    int why; /* the run was stopped: OCTO_CANCELLED, ... */
};

/* One execution of st: its attempts (retries), their events, its result
 * stored. Returns OCTO_OK (everything reported), or an error with the
 * failed attempt in fa (its end event not yet emitted). */
static int execute(struct octo_run *run, const struct octo_step *st, int ignore_when, long parent,
                   struct octo_control_result *cr, struct failed_attempt *fa)
{
    const struct octo_run_hooks *hooks = run->job->hooks;
    int no_result = (st->type->t.flags & OCTO_STEP_NO_RESULT) != 0;
    int attempt;

    for (attempt = 1;; attempt++) {
        long seq = atomic_fetch_add(&run->job->seq, 1) + 1;
        json_t *out = NULL;
        int skipped = 0;
        int when_done = ignore_when;
        int rc;

        /* A condition decided false at load: its one row and nothing
         * else - not even the zeroing of fa (its error alone is 3 KiB),
         * which was a tenth of a skipped step's cost. */
        if (!when_done && st->when_false && octo_cancel_check(run->cancel) == OCTO_GO_ON) {
            long long t0 = mono_us();

            octo_log(OCTO_LOG_DEBUG, "%s[%s // %s] skipped: its `when` is false", run->prefix,
                     st->name, st->type->t.name);
            if (hooks != NULL && hooks->step_start != NULL) {
                struct octo_step_event ev;

                event_base(run, st, seq, parent, attempt, &ev);
                ev.outcome = "skipped";
                ev.duration_us = mono_us() - t0;
                hooks->step_start(hooks->ud, &ev);
            }
            return OCTO_OK;
        }
        memset(fa, 0, sizeof(*fa));
        fa->t0 = mono_us();
        event_base(run, st, seq, parent, attempt, &fa->ev);
        /* `when` first, so a skipped step is one finished event (one
         * timeline row) rather than a start and an end. An error in the
         * condition takes the ordinary path, which evaluates it again
         * and fails the step there. */
        if (!when_done && st->nwhen > 0 && octo_cancel_check(run->cancel) == OCTO_GO_ON) {
            int run_it = 0;

            if (octo_run_step_when(run, st, &run_it, &fa->err) == OCTO_OK) {
                if (!run_it) {
                    octo_log(OCTO_LOG_DEBUG, "%s[%s // %s] skipped: its `when` is false",
                             run->prefix, st->name, st->type->t.name);
                    if (hooks != NULL && hooks->step_start != NULL) {
                        fa->ev.outcome = "skipped";
                        fa->ev.duration_us = mono_us() - fa->t0;
                        hooks->step_start(hooks->ud, &fa->ev);
                    }
                    return OCTO_OK;
                }
                when_done = 1;
            }
            memset(&fa->err, 0, sizeof(fa->err));
        }
        if (hooks != NULL && hooks->step_start != NULL) {
            hooks->step_start(hooks->ud, &fa->ev);
        }
        /* A stopped run starts no attempt, but the step still gets its
         * start and end events: the timeline shows where the run was. */
        fa->why = octo_cancel_check(run->cancel);
        if (fa->why != OCTO_GO_ON) {
            cancel_error(run, fa->why, &fa->err);
            rc = fa->err.code;
        } else {
            memset(cr, 0, sizeof(*cr));
            rc = octo_run_step(run, st, seq, when_done, &skipped, &fa->input, &out, cr, &fa->err);
            fa->why = rc != OCTO_OK ? octo_cancel_check(run->cancel) : OCTO_GO_ON;
            if (fa->why != OCTO_GO_ON) { /* the step failed because the run was stopped */
                cancel_error(run, fa->why, &fa->err);
                rc = fa->err.code;
            }
        }
        if (rc == OCTO_OK) {
            if (skipped) {
                emit_end(run, &fa->ev, fa->t0, "skipped", NULL, NULL, NULL);
            } else if (no_result) {
                json_decref(out);
                emit_end(run, &fa->ev, fa->t0, "ok", NULL, fa->input, NULL);
            } else {
                json_object_set_new(run->data, st->result_key, out);
                emit_end(run, &fa->ev, fa->t0, "ok", NULL, fa->input, out);
            }
            return OCTO_OK;
        }
        /* before the message reaches a log line, an event or __errors__:
         * plugins put what they got into errors (a URL with a token) */
        octo_redact_inplace(fa->err.msg, sizeof(fa->err.msg));
        /* Retry only a step that failed on its own: a stopped run never
         * retries, and `retry.when` is matched on the same subject as
         * ignore_errors. */
        if (fa->why == OCTO_GO_ON && st->retry != NULL && attempt < st->retry->attempts) {
            char *subject = octo_error_subject(&fa->err);
            int again = subject != NULL && octo_retry_matches(st->retry, subject);

            free(subject);
            if (again) {
                octo_error stop;
                json_t *rec = octo_error_record(st->name, &fa->err);
                int why;

                memset(&stop, 0, sizeof(stop));
                emit_end(run, &fa->ev, fa->t0, "retried", json_object_get(rec, "error"), fa->input,
                         NULL);
                json_decref(rec);
                why = retry_wait(run, st, attempt, &fa->err, &stop);
                if (why == OCTO_GO_ON) {
                    continue;
                }
                if (why != OCTO_DEADLINE || stop.code != 0) {
                    fa->err = stop; /* cancelled or aborted while waiting */
                    fa->why = why;
                }
                /* else: gave up before the deadline; the step's own error */
            }
        }
        octo_log(OCTO_LOG_ERROR, "%s[%s // %s] Error in step %s: %s: %s (%s:%d)", run->prefix,
                 st->name, st->type->t.name, st->name, octo_error_type(fa->err.code), fa->err.msg,
                 run->flow->path, st->line);
        return rc != OCTO_OK ? rc : OCTO_EINTERNAL;
    }
}

/* What the flow does after a step. */
enum { NEXT_STEP = 0, FLOW_FAILS, JUMP };

/* Run one step with its error handling: ignore_errors, on_error_goto,
 * failure. *jump receives an on_error_goto target (JUMP). */
static int step_with_errors(struct octo_run *run, const struct octo_step *st, int ignore_when,
                            struct octo_run_result *r, struct octo_control_result *cr,
                            const char **jump)
{
    struct failed_attempt fa;
    const char *pattern;
    json_t *rec;

    *jump = NULL;
    if (execute(run, st, ignore_when, run->parent_seq, cr, &fa) == OCTO_OK) {
        return NEXT_STEP;
    }
    memset(cr, 0, sizeof(*cr)); /* a failed step steers nothing */
    /* Precedence: ignore_errors (the run goes on with the next step), then
     * on_error_goto (it goes on elsewhere), then failure. A stopped run
     * (deadline, cancel) skips the first two: it must end. */
    rec = octo_error_record(st->name, &fa.err);
    /* where the step is written, for people (additions to the original's record) */
    json_object_set_new(rec, "file", json_string(run->flow->path));
    json_object_set_new(rec, "line", json_integer(st->line));
    pattern =
        fa.why != OCTO_GO_ON ? NULL : ignored_by(st, &fa.err); /* a stopped run cannot go on */
    if (pattern != NULL) {
        char note[600];

        snprintf(note, sizeof(note), "Error ignored based on regex: %s", pattern);
        json_object_set_new(rec, "ignored", json_string(note));
        octo_log(OCTO_LOG_WARN, "%s[%s // %s] Ignoring error in step %s based on regex: %s",
                 run->prefix, st->name, st->type->t.name, st->name, pattern);
        emit_end(run, &fa.ev, fa.t0, "ignored", json_object_get(rec, "error"), fa.input, NULL);
        json_array_append_new(errors_array(run), rec);
        return NEXT_STEP;
    }
    emit_end(run, &fa.ev, fa.t0, "failed", json_object_get(rec, "error"), fa.input, NULL);
    if (st->on_error_goto != NULL && fa.why == OCTO_GO_ON) {
        /* recorded, and the flow goes on there: it can still succeed */
        json_object_set_new(rec, "on_error_goto", json_string(st->on_error_goto));
        json_array_append_new(errors_array(run), rec);
        octo_log(OCTO_LOG_WARN, "%s[%s // %s] continuing at %s (on_error_goto)", run->prefix,
                 st->name, st->type->t.name, st->on_error_goto);
        *jump = st->on_error_goto;
        return JUMP;
    }
    json_array_append_new(errors_array(run), rec);
    record_failure(r, st, &fa.err, fa.why);
    return FLOW_FAILS;
}

int octo_run_nested(octo_ctx *ctx, const char *option, size_t index, json_t **out, octo_error *err)
{
    const struct octo_step *outer;
    const struct octo_step *st = NULL;
    struct failed_attempt fa;
    size_t i;

    *out = NULL;
    if (ctx == NULL || ctx->run == NULL || ctx->step == NULL) {
        return octo_error_set(err, OCTO_EINVAL, NULL, "run_nested needs the ctx of a running step");
    }
    outer = ctx->step;
    for (i = 0; i < outer->nnested; i++) {
        if (strcmp(outer->nested[i].option, option) == 0 && index < outer->nested[i].n) {
            st = &outer->nested[i].steps[index];
        }
    }
    if (st == NULL) {
        return octo_error_set(err, OCTO_EINVAL, option, "no nested step %s[%zu]", option, index);
    }
    /* its goto or exit becomes the outer step's */
    if (execute(ctx->run, st, 0, ctx->seq, ctx->control, &fa) != OCTO_OK) {
        json_t *rec = octo_error_record(st->name, &fa.err);

        emit_end(ctx->run, &fa.ev, fa.t0, "failed", json_object_get(rec, "error"), fa.input, NULL);
        json_decref(rec);
        *err = fa.err; /* the outer step's ignore_errors and on_error_goto apply */
        return err->code;
    }
    *out = json_incref(json_object_get(ctx->run->data, st->result_key));
    if (*out == NULL || (st->type->t.flags & OCTO_STEP_NO_RESULT)) {
        json_decref(*out);
        *out = json_null();
    }
    return OCTO_OK;
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

/* Follow a goto from step st: *pc is the next step, or the run ends
 * (returns 1: __end__, __exit__, an unknown target). */
static int jump_to(struct octo_run *run, struct octo_flow *f, const struct octo_step *st,
                   const char *target, size_t *pc, struct octo_run_result *r)
{
    long idx;

    if (strcmp(target, OCTO_GOTO_END) == 0) {
        *pc = f->nsteps;
        return 1;
    }
    if (strcmp(target, OCTO_GOTO_START) == 0) {
        *pc = 0;
        return 0;
    }
    if (strcmp(target, OCTO_GOTO_EXIT) == 0 || strcmp(target, "__exit") == 0) {
        r->status = OCTO_RUN_EXIT;
        snprintf(r->message, sizeof(r->message), "Flow exited.");
        snprintf(r->step, sizeof(r->step), "%s", st->name);
        return 1;
    }
    idx = octo_flow_goto_index(f, target);
    if (idx < 0) {
        octo_error err;

        memset(&err, 0, sizeof(err));
        octo_error_set(&err, OCTO_EINVAL, NULL, "Goto step '%s' not found in flow.", target);
        json_array_append_new(errors_array(run), octo_error_record(st->name, &err));
        record_failure(r, st, &err, OCTO_GO_ON);
        return 1;
    }
    *pc = (size_t)idx;
    return 0;
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
    size_t pc;
    char tag[16];
    const char *saved_tag;
    long limit = f->max_steps > 0 ? f->max_steps : max_steps();

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
    pc = 0;
    while (pc < f->nsteps) {
        const struct octo_step *st = &f->steps[pc];
        struct octo_control_result cr;
        const char *target = NULL;
        int next;

        /* Every step entered counts, jumps included: without a cap a goto
         * loop would spin until the run's deadline (or forever without
         * one). */
        if (++r->steps_run > limit) {
            octo_error err;

            memset(&err, 0, sizeof(err));
            octo_error_set(&err, OCTO_EINVAL, NULL,
                           "the run executed %ld steps, the limit (%s): a goto loop?", limit,
                           f->max_steps > 0 ? "the flow's max_steps" : "MAX_STEPS_PER_RUN");
            json_array_append_new(errors_array(&run), octo_error_record(st->name, &err));
            record_failure(r, st, &err, OCTO_GO_ON);
            break;
        }
        memset(&cr, 0, sizeof(cr));
        next = step_with_errors(&run, st, 0, r, &cr, &target);
        if (next == FLOW_FAILS) {
            break;
        }
        if (next == NEXT_STEP && cr.what == OCTO_CONTROL_EXIT) {
            r->status = OCTO_RUN_EXIT;
            snprintf(r->message, sizeof(r->message), "Flow exited with message: %s", cr.arg);
            snprintf(r->step, sizeof(r->step), "%s", st->name);
            octo_log(OCTO_LOG_INFO, "%s %s", run.prefix, r->message);
            break;
        }
        if (next == NEXT_STEP && cr.what == OCTO_CONTROL_GOTO) {
            target = cr.arg;
        }
        if (target == NULL) {
            pc++;
            continue;
        }
        if (jump_to(&run, f, st, target, &pc, r) != 0) {
            break;
        }
    }
    late_stop(&run, r);
    /* finally_step runs for a failure, not for a cancel or a timeout: a
     * stopped run must stop now. Its own failure is logged but does not
     * change the run's (already failed) result, and a jump it asks for is
     * ignored: it is the last step either way. */
    if (r->failed) {
        octo_log(OCTO_LOG_ERROR, "%s Flow failed, check __errors__ for details", run.prefix);
        if (f->finally_index >= 0 && !r->cancelled) {
            struct octo_run_result fr;

            memset(&fr, 0, sizeof(fr));
            octo_log(OCTO_LOG_INFO, "%s Running finally step %s", run.prefix,
                     f->steps[f->finally_index].name);
            struct octo_control_result fcr;
            const char *ignored_jump;

            memset(&fcr, 0, sizeof(fcr));
            step_with_errors(&run, &f->steps[f->finally_index], 1, &fr, &fcr, &ignored_jump);
            if (fr.failed) {
                octo_log(OCTO_LOG_ERROR, "%s Error in finally step %s: %s", run.prefix, fr.step,
                         fr.message);
            }
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    octo_log(o->depth == 0 ? OCTO_LOG_INFO : OCTO_LOG_DEBUG, "%s Flow %s %s in %.1f ms", run.prefix,
             f->path, r->failed ? "failed" : "finished successfully",
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
