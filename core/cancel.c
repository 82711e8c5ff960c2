/* cancel.c - cancellation and deadlines of a job (see runner.h).
 *
 * The flag is an atomic so the hot checks (between steps, in plugins'
 * transfer callbacks) cost one load; the mutex and condition variable
 * exist only so that a wait (a retry delay, a sleep step) ends the
 * moment the flag is set instead of at its next poll. Deadlines use
 * CLOCK_MONOTONIC: a wall-clock jump never ends a run early or late.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "runner.h"

#define MAX_TIMEOUT                                                                                \
    (366.0 * 86400.0) /* callers check OCTO_SECONDS_MAX; (time_t) of larger values overflowed */

void octo_cancel_init(struct octo_cancel *c, double timeout_seconds)
{
    pthread_condattr_t attr;

    atomic_init(&c->flag, OCTO_GO_ON);
    c->abort_msg[0] = '\0';
    c->timeout = 0;
    c->deadline.tv_sec = 0;
    c->deadline.tv_nsec = 0;
    pthread_mutex_init(&c->mu, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&c->cv, &attr);
    pthread_condattr_destroy(&attr);
    if (isfinite(timeout_seconds) && timeout_seconds > 0) {
        if (timeout_seconds > MAX_TIMEOUT) {
            timeout_seconds = MAX_TIMEOUT;
        }
        c->timeout = timeout_seconds;
        clock_gettime(CLOCK_MONOTONIC, &c->deadline);
        c->deadline.tv_sec += (time_t)timeout_seconds;
        c->deadline.tv_nsec += (long)((timeout_seconds - floor(timeout_seconds)) * 1e9);
        if (c->deadline.tv_nsec >= 1000000000L) {
            c->deadline.tv_sec++;
            c->deadline.tv_nsec -= 1000000000L;
        }
    }
}

void octo_cancel_destroy(struct octo_cancel *c)
{
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
}

void octo_cancel_request(struct octo_cancel *c)
{
    int expected = OCTO_GO_ON;

    atomic_compare_exchange_strong(&c->flag, &expected, OCTO_CANCELLED);
    pthread_mutex_lock(&c->mu);
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

void octo_cancel_abort(struct octo_cancel *c, const char *fmt, ...)
{
    va_list ap;

    pthread_mutex_lock(&c->mu);
    if (atomic_load(&c->flag) == OCTO_GO_ON) {
        va_start(ap, fmt);
        vsnprintf(c->abort_msg, sizeof(c->abort_msg), fmt, ap);
        va_end(ap);
        atomic_store(&c->flag, OCTO_ABORTED);
    }
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

int octo_cancel_check(const struct octo_cancel *c)
{
    struct timespec now;
    int f;

    if (c == NULL) {
        return OCTO_GO_ON;
    }
    f = atomic_load(&((struct octo_cancel *)c)->flag);
    if (f != OCTO_GO_ON) {
        return f;
    }
    if (c->deadline.tv_sec != 0) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec > c->deadline.tv_sec ||
            (now.tv_sec == c->deadline.tv_sec && now.tv_nsec >= c->deadline.tv_nsec)) {
            return OCTO_DEADLINE;
        }
    }
    return OCTO_GO_ON;
}

double octo_cancel_remaining(const struct octo_cancel *c)
{
    struct timespec now;

    if (c == NULL || c->deadline.tv_sec == 0) {
        return MAX_TIMEOUT * 10;
    }
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(c->deadline.tv_sec - now.tv_sec) +
           (double)(c->deadline.tv_nsec - now.tv_nsec) / 1e9;
}

int octo_cancel_sleep(struct octo_cancel *c, double seconds)
{
    struct timespec until;
    int why;

    if (!(seconds > 0)) {
        return octo_cancel_check(c);
    }
    if (seconds > MAX_TIMEOUT) {
        seconds = MAX_TIMEOUT;
    }
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += (time_t)seconds;
    until.tv_nsec += (long)((seconds - floor(seconds)) * 1e9);
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    if (c == NULL) {
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) != 0) {
        }
        return OCTO_GO_ON;
    }
    /* the deadline ends the wait too */
    if (c->deadline.tv_sec != 0 &&
        (c->deadline.tv_sec < until.tv_sec ||
         (c->deadline.tv_sec == until.tv_sec && c->deadline.tv_nsec < until.tv_nsec))) {
        until = c->deadline;
    }
    pthread_mutex_lock(&c->mu);
    while ((why = octo_cancel_check(c)) == OCTO_GO_ON) {
        if (pthread_cond_timedwait(&c->cv, &c->mu, &until) != 0) {
            break;
        }
    }
    pthread_mutex_unlock(&c->mu);
    return octo_cancel_check(c);
}
