/* tz.c - time zone conversions over a loaded zone (see tz.h): instant ->
 * offset, period and local time, wall time -> instants; and the proleptic
 * Gregorian calendar helpers they rest on.
 *
 * Reading zones is elsewhere: TZif files and zone names in tz_load.c,
 * POSIX TZ strings and their rules in tz_posix.c; the zone's layout and
 * what they share is in tz_int.h.
 */
#include "tz.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "tz_int.h"

/* ---- calendar ---------------------------------------------------------- */

int64_t octo_tz_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) {
        q--;
    }
    return q;
}

int octo_tz_is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int octo_days_in_month(int64_t y, int m)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12) {
        return 0;
    }
    return mdays[m - 1] + (m == 2 && octo_tz_is_leap(y));
}

/* Howard Hinnant's days_from_civil / civil_from_days (public domain
 * algorithms), on 400-year eras. */
int64_t octo_days_from_civil(int64_t y, int m, int d)
{
    int64_t era;
    int64_t yoe, doy, doe;

    y -= m <= 2;
    era = octo_tz_floor_div(y, 400);
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void octo_civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
    int64_t z = days + 719468;
    int64_t era = octo_tz_floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int dd = (int)(doy - (153 * mp + 2) / 5 + 1);
    int mm = (int)(mp < 10 ? mp + 3 : mp - 9);

    *y = yoe + era * 400 + (mm <= 2);
    *m = mm;
    *d = dd;
}

static int64_t clamp_t(int64_t t)
{
    if (t > TZ_T_LIMIT) {
        return TZ_T_LIMIT;
    }
    if (t < -TZ_T_LIMIT) {
        return -TZ_T_LIMIT;
    }
    return t;
}

/* ---- lookups ----------------------------------------------------------- */

struct tz_span {
    int64_t start, end;
    const struct tz_type *type;
};

static const struct tz_type utc_type = {0, 0, "UTC"};

static void span_at(const struct octo_tz *tz, int64_t t, struct tz_span *sp)
{
    size_t n;

    if (tz == NULL) {
        sp->start = INT64_MIN;
        sp->end = INT64_MAX;
        sp->type = &utc_type;
        return;
    }
    n = tz->timecnt;

    if (tz->rule.present && (n == 0 || t >= tz->ats[n - 1])) {
        octo_tz_rule_period(&tz->rule, t, &sp->start, &sp->end, &sp->type);
        if (n > 0 && sp->start < tz->ats[n - 1]) {
            sp->start = tz->ats[n - 1];
        }
        return;
    }
    if (n == 0) {
        sp->start = INT64_MIN;
        sp->end = INT64_MAX;
        sp->type = &tz->types[0];
        return;
    }
    {
        size_t lo = 0, hi = n; /* first index with ats > t */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (tz->ats[mid] <= t) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        if (lo == 0) {
            sp->start = INT64_MIN;
            sp->end = tz->ats[0];
            sp->type = &tz->types[0];
        } else {
            sp->start = tz->ats[lo - 1];
            sp->end = lo < n ? tz->ats[lo] : INT64_MAX;
            sp->type = &tz->types[tz->idx[lo - 1]];
        }
    }
}

int octo_tz_offset_at(const struct octo_tz *tz, time_t t, int32_t *utoff, int *isdst,
                      const char **abbr)
{
    struct tz_span sp;

    span_at(tz, clamp_t((int64_t)t), &sp);
    if (utoff != NULL) {
        *utoff = sp.type->utoff;
    }
    if (isdst != NULL) {
        *isdst = sp.type->isdst;
    }
    if (abbr != NULL) {
        *abbr = sp.type->abbr;
    }
    return 0;
}

int octo_tz_period(const struct octo_tz *tz, time_t t, struct octo_tz_period *p)
{
    struct tz_span sp, other;

    span_at(tz, clamp_t((int64_t)t), &sp);
    p->start = sp.start;
    p->end = sp.end;
    p->utoff = sp.type->utoff;
    p->isdst = sp.type->isdst;
    p->abbr = sp.type->abbr;
    p->prev_utoff = p->utoff;
    p->next_utoff = p->utoff;
    if (sp.start != INT64_MIN) {
        span_at(tz, sp.start - 1, &other);
        p->prev_utoff = other.type->utoff;
    }
    if (sp.end != INT64_MAX) {
        span_at(tz, sp.end, &other);
        p->next_utoff = other.type->utoff;
    }
    return 0;
}

int octo_tz_wall_instants(const struct octo_tz *tz, int64_t wall, time_t out[2], time_t *gap_end)
{
    struct tz_span sp;
    int n = 0;
    int64_t gap = INT64_MAX;
    int64_t t;

    wall = clamp_t(wall);
    t = wall - TZ_SCAN;
    for (;;) {
        int64_t cand;
        span_at(tz, t, &sp);
        cand = wall - sp.type->utoff;
        if (cand >= sp.start && cand < sp.end) {
            if (n < 2) {
                out[n] = (time_t)cand;
            }
            n++;
        } else if (gap == INT64_MAX && sp.start != INT64_MIN && sp.start + sp.type->utoff > wall) {
            gap = sp.start;
        }
        if (sp.end == INT64_MAX || sp.end > wall + TZ_SCAN) {
            break;
        }
        t = sp.end;
    }
    if (n > 2) {
        n = 2;
    }
    if (n == 0 && gap_end != NULL) {
        *gap_end = (time_t)(gap == INT64_MAX ? wall : gap);
    }
    return n;
}

int octo_tz_local_to_utc(const struct octo_tz *tz, const struct tm *local, time_t out[2],
                         time_t *gap_end)
{
    int64_t months = (int64_t)local->tm_year * 12 + local->tm_mon;
    int64_t y = octo_tz_floor_div(months, 12) + 1900;
    int m = (int)(months - octo_tz_floor_div(months, 12) * 12) + 1;
    int64_t days = octo_days_from_civil(y, m, 1) + local->tm_mday - 1;
    int64_t wall =
        days * 86400 + (int64_t)local->tm_hour * 3600 + (int64_t)local->tm_min * 60 + local->tm_sec;
    return octo_tz_wall_instants(tz, wall, out, gap_end);
}

int octo_tz_localtime(const struct octo_tz *tz, time_t t, struct tm *out)
{
    struct tz_span sp;
    int64_t wall, days, sod, y;
    int m, d;

    span_at(tz, clamp_t((int64_t)t), &sp);
    wall = (int64_t)t + sp.type->utoff;
    days = octo_tz_floor_div(wall, 86400);
    sod = wall - days * 86400;
    octo_civil_from_days(days, &y, &m, &d);
    if (y - 1900 > INT_MAX || y - 1900 < INT_MIN) {
        return OCTO_EINVAL;
    }
    memset(out, 0, sizeof(*out));
    out->tm_year = (int)(y - 1900);
    out->tm_mon = m - 1;
    out->tm_mday = d;
    out->tm_hour = (int)(sod / 3600);
    out->tm_min = (int)(sod / 60 % 60);
    out->tm_sec = (int)(sod % 60);
    out->tm_wday = (int)(days - octo_tz_floor_div(days + 4, 7) * 7 + 4) % 7;
    out->tm_yday = (int)(days - octo_days_from_civil(y, 1, 1));
    out->tm_isdst = sp.type->isdst;
    out->tm_gmtoff = sp.type->utoff;
    out->tm_zone = sp.type->abbr;
    return 0;
}
