/* timefmt.h - times as the service prints them, in the configured zone.
 *
 * The zone is TIMEZONE (an IANA name) when set, else the system's; it is
 * loaded once at start-up (octo_timefmt_init) with our own TZif reader, so
 * an unknown name is an error instead of glibc's silent UTC. Afterwards
 * the functions are thread-safe (the zone is immutable).
 */
#ifndef OCTO_TIMEFMT_H
#define OCTO_TIMEFMT_H

#include <stddef.h>
#include <time.h>

#include <octoflow/octo_step.h>

struct octo_tz;

/* Load the zone (name NULL or "": the system's). Returns OCTO_OK or
 * fills err (unknown zone). Call before threads start. */
int octo_timefmt_init(const char *name, octo_error *err);
void octo_timefmt_shutdown(void);
/* The zone in use (NULL before init: the C library's local time). */
const struct octo_tz *octo_timefmt_zone(void);

/* "YYYYmmddHHMMSS" (the original's __timestamp__ and lock content). */
void octo_timestamp_compact(time_t t, char *out, size_t cap);
/* ISO 8601 with offset: "2026-11-27T10:15:00+01:00". */
void octo_timestamp_iso(time_t t, char *out, size_t cap);

/* ISO 8601 with microseconds when not zero, as the later original
 * printed job times: "2025-06-21T17:08:48.123456+02:00". */
void octo_timestamp_iso_us(double t, char *out, size_t cap);

/* A time filter value: epoch seconds ("1750518528.5"), or ISO 8601
 * "YYYY-MM-DD[THH:MM[:SS[.ffffff]]][Z|+HH:MM]" (a space may replace the
 * T; without an offset it is wall time in the configured zone). Returns
 * 0 and *out (epoch seconds), or -1. */
int octo_time_parse(const char *s, double *out);

#endif
