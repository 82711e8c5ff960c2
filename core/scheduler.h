/* scheduler.h - flows on a schedule: cron or every N seconds.
 *
 * The public part (add, remove, pause, list) is in octoflow/core.h; this
 * is what the core's start-up uses. Cron expressions are evaluated in
 * TIMEZONE; scheduled runs are bounded by FLOW_TIMEOUT (or the
 * schedule's own timeout). Thread-safe.
 */
#ifndef OCTO_SCHEDULER_H
#define OCTO_SCHEDULER_H

#include <jansson.h>
#include <octoflow/core.h>

/* Start / stop the timer thread. Stop waits for the thread, not for runs
 * in progress (those are jobs: see job.h). */
int octo_sched_start(void);
void octo_sched_stop(void);

/* Add the flows of config.yml: "autostart" (paths, schedule from the flow
 * file) and "autostart_flows" ({path, cron | every_seconds,
 * timeout_seconds, overlap, missed}). Failures are logged and skipped.
 * Returns how many were added. */
int octo_sched_autostart(json_t *config);
/* Add back the schedules stored by the API. Returns how many. */
int octo_sched_restore(void);

#endif
