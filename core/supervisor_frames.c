/* supervisor_frames.c - what a worker sends the service, turned into job
 * events (see supervisor.c's PROTOCOL): ready, steps, log lines, the
 * result, a check's answer; and which flows a worker has warm. Apart
 * from the poll loop because this is the one place a worker's bytes
 * become a job's state, and a malformed frame must end with the worker
 * killed, never with the service confused.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "job.h"
#include "log.h"
#include "step_row.h"
#include "supervisor_int.h"
#include "wire.h"

unsigned long long octo_sup_flow_hash(const char *s)
{
    unsigned long long h = 1469598103934665603ULL;

    for (; *s != '\0'; s++) {
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    }
    return h;
}

/* A worker's flow cache keeps every flow it loaded (flow_cache.c has no
 * bound), so "has it compiled this flow" is a set, kept as a Bloom filter
 * of two bits per flow: a false "yes" (about 1.5% at 128 flows) only
 * costs that launch a load. */
static int bit_of(unsigned long long h, int k)
{
    return (int)((k == 0 ? h : h >> 32) % FLOW_BITS);
}

int octo_sup_knows_flow(const struct wproc *w, unsigned long long h)
{
    int k;

    for (k = 0; k < 2; k++) {
        int b = bit_of(h, k);

        if (!(w->seen[b / 64] & (1ULL << (b % 64)))) {
            return 0;
        }
    }
    return 1;
}

void octo_sup_remember_flow(struct wproc *w, const char *flow)
{
    unsigned long long h = octo_sup_flow_hash(flow);
    int k;

    for (k = 0; k < 2; k++) {
        int b = bit_of(h, k);

        w->seen[b / 64] |= 1ULL << (b % 64);
    }
}

void octo_sup_send_exit(struct wproc *w)
{
    if (octo_wire_send(w->sock, W_EXIT, "", 0) != 0) {
        octo_sup_kill_worker(w, K_STUCK);
    }
    w->state = W_EXITING;
}

static void on_result(struct wproc *w, const char *data, size_t len)
{
    const struct octo_config *c = octo_config();
    json_t *m = json_loadb(data, len, JSON_DECODE_ANY, NULL);
    struct octo_job *j = w->job;

    if (m == NULL) { /* an integer beyond 64 bits: keep the rest exact */
        m = json_loadb(data, len, JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, NULL);
    }

    if (j == NULL) {
        json_decref(m);
        return;
    }
    if (m == NULL) { /* a huge integer, or a worker gone mad: fail the job */
        octo_job_finish(j, OCTO_RUN_FAILED, "the worker's result could not be read", NULL, NULL, 0);
    } else {
        json_t *data_v = json_object_get(m, "data");

        octo_job_finish(j, (int)json_integer_value(json_object_get(m, "status")),
                        json_string_value(json_object_get(m, "message")),
                        json_string_value(json_object_get(m, "step")),
                        data_v != NULL ? json_incref(data_v) : NULL,
                        (long)json_integer_value(json_object_get(m, "steps_dropped")));
        json_decref(m);
    }
    octo_job_unref(j);
    w->job = NULL;
    w->hard_deadline = 0;
    w->kill_at = 0;
    w->jobs_done++;
    w->state = W_IDLE;
    if (c->worker_max_jobs > 0 && w->jobs_done >= c->worker_max_jobs) {
        octo_sup_send_exit(w); /* recycle: bounds what a leak in a plugin can grow to */
    }
}

void octo_sup_on_frames(struct wproc *w)
{
    int type;
    const char *data;
    size_t len;
    int rc;

    while ((rc = octo_wire_next(&w->in, &type, &data, &len)) == 1) {
        switch (type) {
        case W_READY: {
            json_t *m = json_loadb(data, len, 0, NULL);

            if (w->state == W_STARTING) {
                w->state = W_IDLE;
            }
            octo_sup.start_failures = 0;
            pthread_mutex_lock(&octo_sup.mu);
            octo_sup.landlock = (int)json_integer_value(json_object_get(m, "landlock"));
            octo_sup.protected_ro = json_is_true(json_object_get(m, "protected"));
            pthread_mutex_unlock(&octo_sup.mu);
            json_decref(m);
            break;
        }
        case W_STEP:
            if (w->job != NULL) {
                struct octo_step_row *row = octo_step_row_decode(data, len);

                if (row != NULL) {
                    octo_job_step(w->job, row);
                }
            }
            break;
        case W_LOG:
            if (len > 1) {
                octo_log_write_raw(data[0], data + 1, len - 1);
            }
            break;
        case W_RESULT:
            on_result(w, data, len);
            break;
        case W_CHECKED:
            octo_sup_on_checked(w, data, len);
            break;
        default:
            break;
        }
    }
    if (rc < 0) {
        octo_log(OCTO_LOG_ERROR, "worker %ld sent a malformed frame: killed", (long)w->pid);
        octo_sup_kill_worker(w, K_STUCK);
    }
}

void octo_sup_drain_socket(struct wproc *w)
{
    long n;

    if (w->sock < 0) {
        return;
    }
    while ((n = octo_wire_fill(w->sock, &w->in)) > 0) {
        octo_sup_on_frames(w);
    }
    octo_sup_on_frames(w);
}
