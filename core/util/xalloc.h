/* xalloc.h - allocation that cannot fail: the out-of-memory policy.
 *
 * Octoflow follows Redis: running out of heap is not an error a caller
 * can handle usefully (the handler itself would allocate, and a branch
 * no test reaches is a branch that does not work), so these wrappers
 * print one line to stderr ("octoflow: out of memory (allocating N
 * bytes)") and abort(). In a worker process that fails the one job it
 * runs (the supervisor reports "out of memory" from that line); in the
 * service it is a crash that systemd restarts. octo_core_init points
 * jansson at octo_xmalloc too, so json_*() never returns NULL for lack
 * of memory.
 *
 * What stays a reported error is a limit: a size a client or a file
 * chooses, checked before anything is allocated (API_MAX_BODY, the
 * TZif file cap, JOBS_MAX_DATA_BYTES), a struct octo_buf's limit, the
 * template engine's memory and output limits. The whole policy, with the
 * exceptions, is in docs/code-layout.md; tests/e2e/test_oom_policy.sh
 * fails on a bare malloc/calloc/realloc/strdup in core/ or server/.
 * Thread-safe.
 */
#ifndef OCTO_XALLOC_H
#define OCTO_XALLOC_H

#include <stddef.h>

void *octo_xmalloc(size_t n);
void *octo_xcalloc(size_t n, size_t size);
void *octo_xrealloc(void *p, size_t n);
char *octo_xstrdup(const char *s);
char *octo_xstrndup(const char *s, size_t n);
/* A malloc'd printf (free()). */
char *octo_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Abort with the out-of-memory line (for libraries that report NULL). */
void octo_oom(size_t n) __attribute__((noreturn));

#endif
