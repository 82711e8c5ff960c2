/* tempfiles.h - find and remove the temporary files of dead writers.
 *
 * The file step writes (and appends) through a temporary file in the
 * target's directory that it renames over the target when complete. A
 * writer killed before the rename (kill -9, OOM, a worker past its hard
 * deadline) leaves that file behind, as large as what it was writing.
 * The names follow one pattern, which carries the writer's pid:
 *     .<target name>.octo-tmp.<pid>.<6 characters>
 * (the file plugin makes them with mkstemp from ".<name>.octo-tmp.<pid>.XXXXXX";
 * plugins cannot call the core, so the pattern is the contract, and
 * tests/unit/test_tempfiles.c checks a real killed writer's file is found).
 * octo_tempfiles_clean removes the ones whose writer is gone; the service
 * calls it on DATA_PATH at start. Any thread; touches only files matching
 * the pattern.
 */
#ifndef OCTO_TEMPFILES_H
#define OCTO_TEMPFILES_H

#include <stddef.h>
#include <sys/types.h>

#include <octoflow/octo_step.h>

/* The marker between the target's name and the pid. */
#define OCTO_TEMPFILE_MARK ".octo-tmp."

/* When name (a file name, no directory) follows the pattern: 1 and the
 * writer's pid in *pid; 0 otherwise. */
int octo_tempfile_parse(const char *name, pid_t *pid);

/* Remove, under root (recursively, symbolic links not followed, at most
 * 32 levels deep), every regular file following the pattern whose writer
 * is gone: no process has its pid, or the process with that pid started
 * after the file was last written (the pid was reused). *removed (may be
 * NULL) receives how many were removed. Returns OCTO_OK, or OCTO_EIO with
 * err filled when root cannot be read (files that cannot be removed are
 * skipped and logged at WARNING). */
int octo_tempfiles_clean(const char *root, size_t *removed, octo_error *err);

#endif
