/* supervisor_check.c - a flow's full check done by a worker
 * (octo_supervisor_check, W_CHECK / W_CHECKED): the asking thread waits
 * on a condition variable while the supervisor thread sends the check to
 * a worker and records its answer, or the crash it caused. Apart from the
 * job path because a check is the one request that crosses threads both
 * ways and may be abandoned by its asker (a timeout) while in flight.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "errors.h"
#include "log.h"
#include "supervisor.h"
#include "supervisor_int.h"
#include "wire.h"
#include "xalloc.h"

static void check_free(struct check *c)
{
    free(c->flow);
    json_decref(c->errors);
    json_decref(c->warnings);
    free(c);
}

/* Finish a check (caller holds octo_sup.mu). Frees it when its asker is gone. */
static void check_done_locked(struct check *c)
{
    struct check **p;

    c->done = 1;
    if (c->abandoned) {
        for (p = &octo_sup.checks; *p != NULL; p = &(*p)->next) {
            if (*p == c) {
                *p = c->next;
                break;
            }
        }
        check_free(c);
    }
    pthread_cond_broadcast(&octo_sup.check_cv);
}

void octo_sup_on_checked(struct wproc *w, const char *data, size_t len)
{
    json_t *m = json_loadb(data, len, 0, NULL);
    long id = (long)json_integer_value(json_object_get(m, "id"));
    struct check *c;

    pthread_mutex_lock(&octo_sup.mu);
    for (c = octo_sup.checks; c != NULL; c = c->next) {
        if (c->id == id && !c->done && c->pid == w->pid) {
            const char *msg = json_string_value(json_object_get(m, "message"));

            c->ok = json_is_true(json_object_get(m, "ok"));
            octo_sup_remember_flow(w, c->flow); /* it has the flow compiled now */
            snprintf(c->msg, sizeof(c->msg), "%s", msg != NULL ? msg : "");
            c->errors = json_incref(json_object_get(m, "errors"));
            c->warnings = json_incref(json_object_get(m, "warnings"));
            check_done_locked(c);
            break;
        }
    }
    pthread_mutex_unlock(&octo_sup.mu);
    json_decref(m);
}

/* A worker died: its pending checks fail with why. */
void octo_sup_checks_of_dead(pid_t pid, const char *why)
{
    struct check *c;
    struct check *next;

    pthread_mutex_lock(&octo_sup.mu);
    for (c = octo_sup.checks; c != NULL; c = next) {
        next = c->next;
        if (!c->done && c->sent_to >= 0 && c->pid == pid) {
            c->ok = 0;
            snprintf(c->msg, sizeof(c->msg),
                     "checking the flow crashed the worker that loaded it "
                     "(%s): a plugin's prepare() or libjq's compiler failed on it",
                     why);
            check_done_locked(c);
        }
    }
    pthread_mutex_unlock(&octo_sup.mu);
}

/* Send the checks nobody has taken yet: to an idle worker when there is
 * one (a crash then costs no job), else to any ready one. */
void octo_sup_send_checks(void)
{
    struct check *c;
    int i;

    pthread_mutex_lock(&octo_sup.mu);
    for (c = octo_sup.checks; c != NULL; c = c->next) {
        struct wproc *pick = NULL;
        char *text;
        json_t *m;

        if (c->sent_to >= 0 || c->done) {
            continue;
        }
        for (i = 0; i < octo_sup.target; i++) {
            if (octo_sup.w[i].state == W_IDLE) {
                pick = &octo_sup.w[i];
                break;
            }
            if (octo_sup.w[i].state == W_BUSY && pick == NULL) {
                pick = &octo_sup.w[i];
            }
        }
        if (pick == NULL) {
            break; /* no worker ready yet: next round */
        }
        m = json_pack("{s:I, s:s}", "id", (json_int_t)c->id, "flow", c->flow);
        text = json_dumps(m, JSON_COMPACT);
        json_decref(m);
        if (text != NULL && octo_wire_send(pick->sock, W_CHECK, text, strlen(text)) == 0) {
            c->sent_to = (int)(pick - octo_sup.w);
            c->pid = pick->pid;
            octo_log(OCTO_LOG_DEBUG, "flow %s: checked by worker %ld", c->flow, (long)pick->pid);
        }
        free(text);
    }
    pthread_mutex_unlock(&octo_sup.mu);
}

int octo_supervisor_check(const char *flow, double timeout, json_t *diags, octo_error *err)
{
    struct check *c = octo_xcalloc(1, sizeof(*c));
    struct timespec until;
    int ok;

    c->flow = octo_xstrdup(flow);
    c->sent_to = -1;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += (time_t)timeout;
    pthread_mutex_lock(&octo_sup.mu);
    c->id = ++octo_sup.next_check_id;
    c->next = octo_sup.checks;
    octo_sup.checks = c;
    pthread_mutex_unlock(&octo_sup.mu);
    octo_sup_poke();
    pthread_mutex_lock(&octo_sup.mu);
    while (!c->done) {
        if (pthread_cond_timedwait(&octo_sup.check_cv, &octo_sup.mu, &until) != 0) {
            break;
        }
    }
    if (!c->done) {
        c->abandoned = 1; /* the supervisor frees it when the worker answers */
        pthread_mutex_unlock(&octo_sup.mu);
        return octo_error_set(err, OCTO_ETIMEDOUT, NULL,
                              "checking flow %s took more than %g seconds (are the workers "
                              "running?)",
                              flow, timeout);
    }
    {
        struct check **p;

        for (p = &octo_sup.checks; *p != NULL; p = &(*p)->next) {
            if (*p == c) {
                *p = c->next;
                break;
            }
        }
    }
    pthread_mutex_unlock(&octo_sup.mu);
    ok = c->ok;
    if (diags != NULL) {
        json_object_set_new(diags, "errors",
                            c->errors != NULL ? json_incref(c->errors) : json_array());
        json_object_set_new(diags, "warnings",
                            c->warnings != NULL ? json_incref(c->warnings) : json_array());
    }
    if (!ok) {
        octo_error_set(err, OCTO_EINVAL, NULL, "%s", c->msg);
    }
    check_free(c);
    return ok ? OCTO_OK : OCTO_EINVAL;
}
