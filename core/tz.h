/* tz.h - time zones read from the system's TZif files, without TZ/tzset.
 *
 * glibc keeps one process-wide zone (TZ, tzset) and silently falls back to
 * UTC for a name it does not know. Octoflow evaluates schedules in several
 * zones at once, so it reads /usr/share/zoneinfo/<name> itself: TZif
 * versions 1 to 4 (RFC 8536), including the POSIX TZ footer string that
 * extends the table after its last transition (e.g. "CET-1CEST,M3.5.0,
 * M10.5.0/3"). A loaded zone is immutable: every function below only reads
 * it and may be called from any number of threads at once.
 *
 * Every query below also accepts tz == NULL, meaning UTC.
 *
 * Times are POSIX seconds (time_t, no leap seconds). A "wall" time is a
 * local clock reading expressed in seconds as if it were UTC: the wall
 * time of instant t is t + utoff(t). Most wall times map to one instant;
 * in a spring-forward gap a wall time maps to none, in a fall-back overlap
 * to two.
 */
#ifndef OCTO_TZ_H
#define OCTO_TZ_H

#include <stdint.h>
#include <time.h>

#include <octoflow/octo_step.h>

struct octo_tz; /* immutable after load, shareable across threads */

/* Where zone files are looked up: $TZDIR when set and non-empty (as in
 * glibc), else this directory. */
#define OCTO_TZ_DEFAULT_DIR "/usr/share/zoneinfo"

/* Load a zone by IANA name ("Europe/Brussels"). NULL or "" loads the
 * system's local zone: $TZ when set (":Name", "Name", an absolute path or a
 * POSIX TZ string; "" means UTC, as in glibc), else /etc/localtime, else
 * UTC. "UTC" (and Etc/UTC, GMT, Etc/GMT) works even without tzdata.
 * Errors (err may be NULL):
 *   OCTO_EINVAL  the name is malformed: absolute, contains "..", empty
 *                components or characters outside [A-Za-z0-9/_+-.]
 *   OCTO_ENOENT  no such zone in the zoneinfo database
 *   OCTO_EIO     the file exists but is not valid TZif (or is a leap-second
 *                "right/" zone, which we refuse)
 * *out is new (octo_tz_free). */
int octo_tz_load(const char *name, struct octo_tz **out, octo_error *err);
/* As octo_tz_load, with an explicit zoneinfo directory (tests, bundles).
 * dir NULL means $TZDIR or OCTO_TZ_DEFAULT_DIR. */
int octo_tz_load_dir(const char *dir, const char *name, struct octo_tz **out, octo_error *err);
/* A zone from a POSIX TZ string alone ("EST5EDT,M3.2.0,M11.1.0",
 * "<+0330>-3:30"); its name is the string. OCTO_EINVAL when malformed. */
int octo_tz_posix(const char *spec, struct octo_tz **out, octo_error *err);
void octo_tz_free(struct octo_tz *tz);

/* The name given at load ("Europe/Brussels"), the name /etc/localtime links
 * to for the system zone, or "localtime" when that cannot be told. */
const char *octo_tz_name(const struct octo_tz *tz);

/* UTC instant -> local broken-down time. Fills every struct tm member,
 * including tm_wday, tm_yday, tm_isdst, tm_gmtoff and tm_zone (which points
 * into tz and lives as long as tz). Returns 0, or OCTO_EINVAL when the year
 * does not fit in an int. */
int octo_tz_localtime(const struct octo_tz *tz, time_t t, struct tm *out);

/* UTC offset (seconds east of UTC), DST flag and abbreviation ("CEST") in
 * force at instant t. Any output pointer may be NULL. *abbr lives as long
 * as tz. Returns 0. */
int octo_tz_offset_at(const struct octo_tz *tz, time_t t, int32_t *utoff, int *isdst,
                      const char **abbr);

/* The stretch of time around t during which the offset is constant:
 * [start, end). start is INT64_MIN / end is INT64_MAX when unbounded.
 * prev_utoff is the offset just before start (== utoff when unbounded),
 * next_utoff the offset from end on (== utoff when unbounded). A period
 * boundary may leave the offset unchanged (only isdst or the abbreviation
 * changed). */
struct octo_tz_period {
    int64_t start;
    int64_t end;
    int32_t utoff;
    int32_t prev_utoff;
    int32_t next_utoff;
    int isdst;
    const char *abbr;
};
int octo_tz_period(const struct octo_tz *tz, time_t t, struct octo_tz_period *p);

/* Local wall time -> the instants showing it, ascending, in out[0..1].
 * Returns how many: 1 normally, 0 in a spring-forward gap, 2 in a fall-back
 * overlap (a zone whose history repeats a wall time more than twice within
 * a day would report 2 as well: only the first two are returned). When 0
 * and gap_end is not NULL, *gap_end is the first instant after the gap
 * (the transition instant; its wall time is the end of the gap). */
int octo_tz_wall_instants(const struct octo_tz *tz, int64_t wall, time_t out[2], time_t *gap_end);
/* Same, from a broken-down local time (tm_year, tm_mon, tm_mday, tm_hour,
 * tm_min, tm_sec; out-of-range members are normalized as timegm does;
 * tm_isdst, tm_wday and tm_yday are ignored). */
int octo_tz_local_to_utc(const struct octo_tz *tz, const struct tm *local, time_t out[2],
                         time_t *gap_end);

/* Proleptic Gregorian calendar helpers (no time zone involved).
 * Days since 1970-01-01 of y-m-d (m 1-12, d 1-31), and back. */
int64_t octo_days_from_civil(int64_t y, int m, int d);
void octo_civil_from_days(int64_t days, int64_t *y, int *m, int *d);
int octo_days_in_month(int64_t y, int m);

#endif
