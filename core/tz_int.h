/* tz_int.h - what the time zone files share; private to them (tz.c,
 * tz_posix.c, tz_load.c), never included elsewhere.
 *
 * tz.c has the calendar helpers and the conversions (instant <-> local
 * time) over a loaded zone; tz_posix.c parses POSIX TZ strings and
 * evaluates their rules; tz_load.c parses TZif files and finds zones by
 * name. No locks: a zone is immutable once loaded (tz.h).
 *
 * Layout of a loaded zone: the transition table of the file (the 64-bit
 * data block for version 2+ files, the 32-bit one for version 1), its
 * local time types, and the footer rule when there is one. Instants before
 * the first transition use type 0 (RFC 8536, 3.2); instants at or after
 * the last transition use the footer rule when present, else the last
 * type. A zone with no transitions and a footer is the footer alone.
 */
#ifndef OCTO_TZ_INT_H
#define OCTO_TZ_INT_H

#include <stddef.h>
#include <stdint.h>

#include "tz.h"

#define TZ_ABBR_MAX 32
/* RFC 8536: utoff SHOULD be within [-89999, 93599]; we refuse beyond 26h
 * so that wall <-> instant scans can use a fixed window. */
#define TZ_UTOFF_LIMIT 93599
#define TZ_SCAN        93600
/* Instants beyond +-2^60 s (~36 billion years) are clamped: nothing here is
 * meaningful that far and it keeps every sum below overflow. */
#define TZ_T_LIMIT ((int64_t)1 << 60)

struct tz_type {
    int32_t utoff;
    int isdst;
    char abbr[TZ_ABBR_MAX];
};

/* One POSIX rule date: 'J' (a = 1..365, Feb 29 never counted), 'D' (a =
 * 0..365, zero-based, Feb 29 counted), 'M' (a = month, b = week 1-5,
 * c = weekday 0-6). time = seconds after local midnight, may be negative
 * or beyond 24h (TZif v3). */
struct tz_rule {
    char kind;
    int a, b, c;
    int32_t time;
};

struct tz_posix {
    int present;
    int has_dst;
    struct tz_type std;
    struct tz_type dst;
    struct tz_rule start; /* DST starts; time is in local standard time */
    struct tz_rule end;   /* DST ends; time is in local daylight time */
};

struct octo_tz {
    char *name;
    size_t timecnt;
    int64_t *ats;
    unsigned char *idx;
    size_t typecnt;
    struct tz_type *types;
    struct tz_posix rule;
};

/* Floor division (rounds toward minus infinity). */
int64_t octo_tz_floor_div(int64_t a, int64_t b);
int octo_tz_is_leap(int64_t y);
/* Parse a POSIX TZ string into *p; 0, or -1 when malformed. */
int octo_tz_parse_posix(const char *s, struct tz_posix *p);
/* Period of the footer rule containing t. */
void octo_tz_rule_period(const struct tz_posix *p, int64_t t, int64_t *start, int64_t *end,
                         const struct tz_type **type);

#endif
