/* scheduler.h - flows on a schedule: cron or every N seconds.
 *
 * One timer thread keeps every schedule's next fire time and hands due
 * runs to the worker pool, so a long flow never delays other schedules.
 * A run takes its flow's lock; a run that finds the flow locked is
 * skipped with a warning (no queueing). Cron expressions are evaluated in
 * TIMEZONE (timefmt.h); every_seconds counts from the end of the previous
 * run, as the original did; missed cron fire times are skipped. Removing
 * a schedule stops it for good (a run in progress finishes). Scheduled
 * runs are bounded by FLOW_TIMEOUT (or the schedule's own timeout).
 * Thread-safe.
 */
#ifndef OCTO_SCHEDULER_H
#define OCTO_SCHEDULER_H

#include <jansson.h>
#include <octoflow/octo_step.h>

/* Why an add failed, for the API's status codes. */
enum octo_sched_error {
    OCTO_SCHED_OK = 0,
    OCTO_SCHED_BAD_REQUEST, /* invalid path, flow or schedule: 400 */
    OCTO_SCHED_NOT_FOUND,   /* no such flow file: 404 */
    OCTO_SCHED_DUPLICATE    /* already added: 409 */
};

/* Start / stop the timer thread. Stop waits for the thread, not for runs
 * in progress (see jobs.h). */
int octo_sched_start(void);
void octo_sched_stop(void);

/* Add the flow at rel (relative to FLOWS_PATH). The schedule is cron or
 * every_seconds when given (cron wins; NULL / 0: none), else the flow
 * file's own. timeout 0: FLOW_TIMEOUT. On success writes the new id (a
 * UUID4) into id (37 bytes). */
enum octo_sched_error octo_sched_add(const char *rel, const char *cron, long every_seconds,
                                     double timeout, char *id, octo_error *err);
/* Remove a schedule; OCTO_OK or OCTO_ENOENT. */
int octo_sched_remove(const char *id);
/* [{"id", "path", "cron", "every_seconds", "next_run", "last_run",
 *   "last_status", "timeout_seconds", "running"?}] (new). */
json_t *octo_sched_list(void);
/* Add the flows of config.yml: "autostart" (paths, schedule from the flow
 * file) and "autostart_flows" ({path, cron | every_seconds,
 * timeout_seconds}). Failures are logged and skipped. Returns how many
 * were added. */
int octo_sched_autostart(json_t *config);

#endif
