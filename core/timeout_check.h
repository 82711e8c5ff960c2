/* timeout_check.h - validate durations in seconds that users give us.
 *
 * Timeouts (API timeout_seconds, `run --timeout`, schedule timeouts,
 * FLOW_TIMEOUT) and intervals (every_seconds) come from JSON bodies, YAML
 * files, environment variables and the command line. Each must be finite,
 * greater than 0 and at most one year: a nan, inf, 1e19 or negative value
 * would otherwise reach time arithmetic (a deadline in the past, an
 * overflowing time_t, a schedule that never fires). Messages name the
 * field and quote the value:
 *   timeout_seconds must be a number of seconds greater than 0 and at
 *   most 31536000 (one year), not inf
 * Pure functions: any thread.
 */
#ifndef OCTO_TIMEOUT_CHECK_H
#define OCTO_TIMEOUT_CHECK_H

#include <jansson.h>
#include <octoflow/core.h>
#include <octoflow/octo_step.h>

/* OCTO_SECONDS_MAX (365 days, the longest timeout or interval
 * accepted) and octo_seconds_check (the front door's form of
 * octo_timeout_from_json): octoflow/core.h */

/* A timeout in seconds: finite, > 0, <= OCTO_SECONDS_MAX. field names it
 * in the message ("timeout_seconds"). Returns OCTO_OK, or OCTO_EINVAL
 * with err filled (err->field = field). */
int octo_timeout_check(const char *field, double seconds, octo_error *err);

/* The same for a JSON value (borrowed), which must be a number (integer
 * or real; not a boolean or a string). *out receives the seconds on
 * success and is left alone on failure. */
int octo_timeout_from_json(const char *field, const json_t *v, double *out, octo_error *err);

/* The same for text (command line, environment): a decimal number that
 * strtod reads entirely ("0.5", "30", "1e3"); "", "5s", "0x10", "nan",
 * "inf" are refused. */
int octo_timeout_from_text(const char *field, const char *text, double *out, octo_error *err);

/* An interval in whole seconds (every_seconds): a JSON integer from 1 to
 * OCTO_SECONDS_MAX. *out is left alone on failure. */
int octo_interval_from_json(const char *field, const json_t *v, long *out, octo_error *err);

#endif
