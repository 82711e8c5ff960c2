/* xalloc.h - allocation that cannot fail: the out-of-memory policy.
 *
 * Octoflow follows Redis: running out of heap is not an error a caller
 * can handle usefully (the handler itself would allocate), so these
 * wrappers print one line to stderr and abort(). In a worker process
 * that fails the one job it runs (the supervisor reports "out of
 * memory" from that line); in the service it is a crash that systemd
 * restarts. Limits that are part of the contract (template memory,
 * buffer caps, JOBS_MAX_DATA_BYTES) are reported errors, not this.
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
/* Abort with the out-of-memory line (for libraries that report NULL). */
void octo_oom(size_t n) __attribute__((noreturn));

#endif
