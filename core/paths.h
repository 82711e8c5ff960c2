/* paths.h - confine paths to their root directory.
 *
 * Every path that comes from a flow, a template or an API request is
 * resolved here under DATA_PATH, TEMPLATES_PATH or FLOWS_PATH and refused
 * when it escapes: absolute paths, ".." components, symlinks leading
 * out of the root (realpath of the longest existing prefix), a symlink as
 * the last component. With OCTO_PATH_WRITE the flows, templates, locks
 * and logs directories are not reachable either. Messages quote the path as the
 * user wrote it, never an absolute path. Under every root, the secrets
 * and config files and the job store (JOBS_DB and its -wal, -shm and
 * -journal companions) are never reachable: a template root that is also
 * the data root (TEMPLATES_PATH=DATA_PATH) must not let {% include %} read
 * secrets.yml. Thread-safe (reads the immutable configuration).
 */
#ifndef OCTO_PATHS_H
#define OCTO_PATHS_H

#include <stddef.h>

#include <octoflow/octo_step.h>

/* Resolve rel under root (enum octo_root) into out (cap bytes, absolute).
 * flags: OCTO_PATH_WRITE. Returns OCTO_OK or OCTO_EPATH with err filled. */
int octo_path_resolve(int root, const char *rel, unsigned flags, char *out, size_t cap,
                      octo_error *err);

/* Resolve under an explicit root directory (tests, tools). */
int octo_path_resolve_in(const char *root_dir, const char *root_name, const char *rel, char *out,
                         size_t cap, octo_error *err);

/* The absolute directory of a root, and its name ("DATA_PATH"). */
const char *octo_root_dir(int root);
const char *octo_root_name(int root);

/* Write "p" relative to root_dir into out when p is under it, else its
 * base name (so messages never show absolute paths). */
void octo_path_relative(const char *root_dir, const char *p, char *out, size_t cap);

#endif
