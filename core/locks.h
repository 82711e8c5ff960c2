/* locks.h - a flow never runs twice at once.
 *
 * The authority is an in-process map keyed by the flow's canonical path
 * (decision 15); the lock files LOCK_PATH/<flow file name>.lock mirror it
 * for /api/locks and for other processes: they are created with
 * O_CREAT|O_EXCL (two launches can never both win, across processes too)
 * and hold the start timestamp YYYYmmddHHMMSS, as the original's did.
 * Deleting a lock file (API, by hand) never lets a second run of a
 * running flow start in this process. Thread-safe.
 */
#ifndef OCTO_LOCKS_H
#define OCTO_LOCKS_H

#include <stddef.h>

#include <jansson.h>
#include <octoflow/octo_step.h>

/* Take the lock of the flow at abs_path (file_name: its base name).
 * Returns OCTO_OK, or OCTO_EACCES when it is already running (here or in
 * another process), or an I/O error. */
int octo_lock_acquire(const char *abs_path, const char *file_name, octo_error *err);
/* Release it (removes the lock file if it is still ours). */
void octo_lock_release(const char *abs_path, const char *file_name);
/* 1 when this process holds the lock of abs_path. */
int octo_lock_held(const char *abs_path);

/* Remove every *.lock file under LOCK_PATH (recursively). Returns how
 * many were removed. Start-up and DELETE /api/locks. */
int octo_locks_clear_files(void);
/* Remove the lock file of a flow name, with or without ".yml"/".yaml".
 * Returns OCTO_OK or OCTO_ENOENT. */
int octo_locks_remove_file(const char *name, char *removed, size_t cap);
/* [{"filename": "a.yml.lock", "timestamp": "..."}] (new). */
json_t *octo_locks_list(void);
/* Release every lock this process holds (shutdown). */
void octo_locks_release_all_owned(void);

#endif
