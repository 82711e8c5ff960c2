/* cron.h - cron expressions, croniter-compatible, evaluated in a time zone.
 *
 * Syntax (docs/schedules.md has the full reference):
 *   minute hour day-of-month month day-of-week [second]
 * the optional sixth field holds seconds, in croniter's position (last).
 * Five fields fire at second 0. Fields take "*", numbers, names (jan-dec,
 * sun-sat; 0 and 7 are Sunday), ranges "a-b" (wrapping when a > b), steps
 * ("a-b/n", "a/n", and "*" followed by "/n"), lists "x,y,z", and "?" (= "*")
 * in the two day fields. Day-of-month also takes "L" (last day); day-of-week
 * takes "d#n" (n-th weekday d of the month, n 1-5) and "Ld" (last weekday
 * d). When both day fields are restricted a day matches if EITHER does
 * (cron's OR rule). Macros: @yearly @annually @monthly @weekly @daily @midnight
 * @hourly.
 *
 * DST (cronie/Vixie cron rules): an expression whose second, minute or
 * hour field starts with "*" is a "wildcard" job and fires at every
 * instant whose local wall time matches - none in a spring-forward gap,
 * both passes of a fall-back overlap. Any other expression is a "fixed"
 * job: a match in a gap fires once at the first instant after the gap, a
 * match in an overlap fires only on its first pass.
 *
 * A parsed expression is immutable and may be shared across threads.
 */
#ifndef OCTO_CRON_H
#define OCTO_CRON_H

#include <time.h>

#include <octoflow/octo_step.h>

#include "tz.h"

struct octo_cron; /* parsed expression, immutable */

/* Parse expr. *out new (octo_cron_free). On error returns OCTO_EINVAL and
 * fills err->msg with one sentence naming the field and
 * the value, e.g. "cron \"61 * * * *\": minute value 61 out of range 0-59";
 * err->field is left for the caller (the option that held the
 * expression). Expressions that can never fire ("0 0 30 2 *") are
 * refused. err may be NULL. */
int octo_cron_parse(const char *expr, struct octo_cron **out, octo_error *err);
void octo_cron_free(struct octo_cron *c);

/* The first fire time strictly after `after` (UTC epoch seconds), the
 * expression being read in zone tz (NULL = UTC). Returns 0 and *next, or
 * OCTO_ENOENT when there is none within 400 years (cannot happen for an
 * expression octo_cron_parse accepted, short of the end of time). */
int octo_cron_next(const struct octo_cron *c, const struct octo_tz *tz, time_t after, time_t *next);

/* 1 when the expression has the sixth (seconds) field, else 0. */
int octo_cron_has_seconds(const struct octo_cron *c);

/* 1 when the expression is a "wildcard" job for the DST rules above
 * (second, minute or hour field starting with '*'), 0 for a fixed job. */
int octo_cron_is_wildcard(const struct octo_cron *c);

#endif
