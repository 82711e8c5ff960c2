/* locks.h - a flow never runs twice at once, across processes.
 *
 * A flow's lock is an OFD lock (fcntl F_OFD_SETLK) on its lock file
 * LOCK_PATH/<flow path relative to FLOWS_PATH>.lock, held by the process
 * that runs (or supervises) the flow. The kernel releases it when that
 * process dies, however it dies: nothing is ever stale, nothing is
 * deleted at start, and the service, `octoflow run` and a second service
 * on the same LOCK_PATH exclude each other. OFD locks belong to an open
 * file description, not a process, so two threads of one process exclude
 * each other too, with no in-process map to keep in step.
 *
 * The file's content is for people and /api/locks: the start timestamp
 * (YYYYmmddHHMMSS, the original's format) on the first line, then
 * "pid=<pid> host=<host> job=<job id>". A lock file whose lock nobody
 * holds (its process died) is not a lock: it is not listed, the next
 * launch takes it over, and removing it is always allowed. Thread-safe.
 */
#ifndef OCTO_LOCKS_H
#define OCTO_LOCKS_H

#include <stddef.h>

#include <jansson.h>
#include <octoflow/core.h>
#include <octoflow/octo_step.h>

struct octo_lock;

/* The lock name of a flow: its path relative to FLOWS_PATH, or its base
 * name for a flow file outside FLOWS_PATH (the CLI's `run path/x.yml`). */
void octo_lock_name(const char *flow_rel_or_abs, char *out, size_t cap);

/* Take the lock named name (octo_lock_name) for job_id (may be NULL).
 * Returns OCTO_OK with *out, OCTO_EACCES when another run holds it (err
 * says which process and since when), or an I/O error. */
int octo_lock_acquire(const char *name, const char *job_id, struct octo_lock **out,
                      octo_error *err);
/* Release (removes the lock file while still holding it, then closes). */
void octo_lock_release(struct octo_lock *l);

/* Listing and removal: octoflow/core.h (octo_locks_list, octo_lock_remove,
 * octo_locks_remove_stale). */

#endif
