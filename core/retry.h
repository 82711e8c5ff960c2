/* retry.h - step retries: `retry: {attempts, delay, backoff, max_delay, when}`.
 *
 * A failed attempt is retried when attempts remain and one of the `when`
 * patterns matches the error subject - the same "<type>: <message>
 * {'status_code': ..}" text ignore_errors searches (docs/flows.md,
 * "Errors, ignore_errors and finally_step"). Without
 * `when`: network errors, timeouts of the step itself, HTTP 429 and 5xx.
 * The wait before attempt n+1 is delay * backoff^(n-1), at most
 * max_delay; a server's Retry-After (rest) replaces it, also capped by
 * max_delay. Waits end early on cancel and at the run's deadline (the
 * runner gives up then). Compiled at load, immutable, shared by runs.
 */
#ifndef OCTO_RETRY_H
#define OCTO_RETRY_H

#include <stddef.h>

#include <jansson.h>

struct octo_loadctx;
struct octo_regex;

struct octo_retry {
    int attempts;     /* total, the first included (>= 1) */
    double delay;     /* seconds before the second attempt */
    double backoff;   /* factor per further attempt (>= 1) */
    double max_delay; /* cap of any wait, Retry-After included */
    struct octo_regex **when;
    char **when_src;
    size_t nwhen; /* 0: the default patterns */
};

/* Validate and compile a step's `retry` value (an attempts count or a
 * mapping). *out is NULL when v is absent or null. Returns 0, or -1
 * after recording the errors in lc. */
int octo_retry_compile(struct octo_loadctx *lc, json_t *v, const char *mark, const char *where,
                       struct octo_retry **out);
void octo_retry_free(struct octo_retry *r);

/* Does the error subject qualify for a retry? */
int octo_retry_matches(const struct octo_retry *r, const char *subject);

/* Seconds to wait after failed attempt n (1-based); retry_after > 0 is
 * the server's Retry-After in seconds. */
double octo_retry_delay(const struct octo_retry *r, int n, double retry_after);

#endif
