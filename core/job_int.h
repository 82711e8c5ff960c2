/* job_int.h - what the job modules share; private to them (job.c,
 * job_registry.c, job_events.c, job_owner.c), never included elsewhere.
 *
 * job.c is a job's lifecycle; job_registry.c the process-wide lists of
 * jobs (the active ones and the recently finished), guarded by the
 * registry's own mutex, which is static there; job_events.c the live
 * event subscribers, each guarded by its own mutex, the list of them by
 * the job's mu; job_owner.c who owns a job (pid and start time) and the
 * orphans left by a dead owner.
 *
 * Lock order: registry, then a job, then a subscriber (never the
 * reverse). Store writes and callbacks happen outside all of them.
 */
#ifndef OCTO_JOB_INT_H
#define OCTO_JOB_INT_H

#include <stddef.h>

#include <jansson.h>

#include "job.h"

/* Wall-clock time in epoch seconds (microsecond resolution). */
double octo_job_now(void);

/* The job as the API shows it (new). Caller holds j->mu. */
json_t *octo_job_json_locked(struct octo_job *j, int with_detail);

/* job_registry.c. Add a new job to the active list (takes over the
 * registry's reference). */
void octo_job_registry_add(struct octo_job *j);
/* Take a job that never ran off the active list and wake idle waiters;
 * returns 1 if it was there (the registry's reference is then the
 * caller's to drop). */
int octo_job_registry_remove(struct octo_job *j);
/* A finished job moves from the active list to the recent ones (with the
 * registry's reference), evicting the oldest, and idle waiters wake. */
void octo_job_registry_retire(struct octo_job *j);

/* job_events.c. Queue an event (data borrowed) to every subscriber;
 * final: the last one. Caller holds j->mu. */
void octo_job_publish(struct octo_job *j, const char *event, json_t *data, int final);
/* Free the subscribers still on the list (the job's last reference is
 * going, no lock needed). */
void octo_job_subs_free(struct octo_job *j);

/* job_owner.c. This process as a job owner: "pid:start time". */
void octo_job_owner_of_self(char *out, size_t cap);

#endif
