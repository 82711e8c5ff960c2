/* supervisor.h - the service's side of the worker processes.
 *
 * One thread owns the workers: it starts the zygote, keeps
 * FLOW_MAX_WORKERS workers alive, hands queued jobs to idle ones
 * (preferring a worker that ran the same flow recently: its compiled
 * flow is warm), turns their frames into job events, enforces hard
 * deadlines and cancels (SIGKILL after KILL_GRACE_SECONDS when the
 * cooperative stop did not happen), watches their memory, and when a
 * worker dies fails its job with what is known: the signal, the step
 * that was running, the worker's last words on stderr. Other threads
 * talk to it through a queue and an eventfd. Thread-safe.
 */
#ifndef OCTO_SUPERVISOR_H
#define OCTO_SUPERVISOR_H

#include <jansson.h>
#include <octoflow/octo_step.h>

struct octo_job;

/* exe: the octoflow executable (the zygote is `exe __zygote`). */
int octo_supervisor_start(const char *exe, int nworkers, octo_error *err);
int octo_supervisor_running(void);
/* Queue a job (the supervisor takes a reference). */
void octo_supervisor_submit(struct octo_job *j);
/* Have a worker load and check the flow at rel (relative to FLOWS_PATH)
 * completely: jq compiled, plugins' prepare() called - code the service
 * never runs itself. diags (may be NULL) receives "errors" and
 * "warnings". Returns OCTO_OK, OCTO_EINVAL (err: the first error, or the
 * crash it caused), OCTO_ETIMEDOUT. Any thread. */
int octo_supervisor_check(const char *rel, double timeout, json_t *diags, octo_error *err);
/* Stop every worker (jobs still running are killed) and the zygote. */
void octo_supervisor_stop(void);
/* The workers' state for /api/health (health.c writes it as JSON;
 * zero-filled first: compared with memcmp there). */
struct octo_supervisor_stats {
    int workers, idle, busy, starting;
    long spawned, crashes, killed;
    int landlock, protected_ro;
};
void octo_supervisor_stats(struct octo_supervisor_stats *s);

#endif
