/* jobs.h - the runs in progress (API launches and scheduled runs).
 *
 * Each top-level run registers here with its cancellation, so shutdown
 * can wait for running flows within a grace period and then cancel them,
 * and the API can tell which flows are running. Thread-safe.
 */
#ifndef OCTO_JOBS_H
#define OCTO_JOBS_H

#include <stddef.h>

#include <jansson.h>

#include "runner.h"

struct octo_job;

/* Register a run of the flow at path (relative, for display) with its
 * cancellation (borrowed, must outlive octo_job_end). source: "api",
 * "scheduler", "cli". Returns a handle (NULL on allocation failure: the
 * run simply goes untracked). */
struct octo_job *octo_job_begin(const char *path, const char *source, struct octo_cancel *cancel);
void octo_job_end(struct octo_job *job);

/* Number of runs in progress. */
size_t octo_jobs_active(void);
/* Wait until no run is in progress or seconds pass; returns the number
 * still running. */
size_t octo_jobs_wait_idle(double seconds);
/* Cancel every run in progress. */
void octo_jobs_cancel_all(void);
/* [{"path", "source", "started"}] of runs in progress (new). */
json_t *octo_jobs_list(void);

#endif
