/* cron.c - the next fire time of a parsed cron expression (see cron.h;
 * the parser is cron_parse.c).
 *
 * The search walks the zone's periods of constant UTC offset in time
 * order. Inside one period wall time and instant move together, so the
 * first matching wall time of the period is the answer, except for fixed
 * jobs, which skip wall times already shown earlier (fall-back overlap).
 * When a period ends in a forward jump, a fixed job that matches a wall
 * time of the gap fires at the jump instant.
 */
#include "cron_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- search ------------------------------------------------------------ */

/* Floor division: C's / truncates toward zero, which puts the seconds
 * before 1970 in the wrong day. */
static int64_t fdiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) {
        q--;
    }
    return q;
}

/* Smallest set bit >= from, or -1. */
static int next_bit(uint64_t mask, int from)
{
    if (from >= 64) {
        return -1;
    }
    mask >>= from;
    if (mask == 0) {
        return -1;
    }
    return from + __builtin_ctzll(mask);
}

/* cron's day rule: when both day fields are restricted a day matches if
 * EITHER does (0 0 1 * MON fires on the 1st and on Mondays); a "*" (or
 * "?") in one of them leaves the other as the only test. */
static int day_matches(const struct octo_cron *c, int64_t y, int m, int d, int wd)
{
    int mdays = octo_days_in_month(y, m);
    int dom_ok, dow_ok;

    dom_ok = ((c->dom >> d) & 1u) || (c->dom_last && d == mdays);
    dow_ok = ((c->dow >> wd) & 1u) || (c->nth[wd] & (1u << ((d - 1) / 7))) ||
             ((c->nth[wd] & NTH_LAST) && d + 7 > mdays);
    if (c->dom_star && c->dow_star) {
        return 1;
    }
    if (c->dom_star) {
        return dow_ok;
    }
    if (c->dow_star) {
        return dom_ok;
    }
    return dom_ok || dow_ok;
}

/* Smallest wall time w, from <= w < limit, whose fields match; 1 if found.
 * Wall times are seconds of a UTC-like calendar with no zone. The search
 * jumps a whole month, day, hour or minute when that field cannot match,
 * so a yearly expression is found in a few dozen iterations, not by
 * stepping through 31 million seconds. */
static int next_wall(const struct octo_cron *c, int64_t from, int64_t limit, int64_t *out)
{
    int64_t days = fdiv(from, 86400);
    int64_t sod = from - days * 86400;
    int64_t y;
    int m, d;
    int h = (int)(sod / 3600), mi = (int)(sod / 60 % 60), s = (int)(sod % 60);

    octo_civil_from_days(days, &y, &m, &d);
    for (;;) {
        int mdays, wd, v;

        if (days * 86400 >= limit) {
            return 0;
        }
        if (!((c->mon >> m) & 1u)) {
            v = next_bit(c->mon, m + 1);
            if (v < 0) {
                y++;
                v = next_bit(c->mon, 1);
            }
            m = v;
            d = 1;
            days = octo_days_from_civil(y, m, d);
            h = mi = s = 0;
            continue;
        }
        mdays = octo_days_in_month(y, m);
        wd = (int)(days - fdiv(days + 4, 7) * 7 + 4); /* day 0, 1970-01-01, was a Thursday */
        if (!day_matches(c, y, m, d, wd)) {
            int nd = d + 1;
            while (nd <= mdays && !day_matches(c, y, m, nd, (wd + nd - d) % 7)) {
                nd++;
            }
            h = mi = s = 0;
            if (nd > mdays) {
                if (++m > 12) {
                    m = 1;
                    y++;
                }
                d = 1;
                days = octo_days_from_civil(y, m, d);
            } else {
                days += nd - d;
                d = nd;
            }
            continue;
        }
        v = next_bit(c->hour, h);
        if (v < 0) {
            goto next_day;
        }
        if (v != h) {
            h = v;
            mi = s = 0;
        }
        v = next_bit(c->min, mi);
        if (v < 0) {
            mi = s = 0;
            if (++h == 24) {
                goto next_day;
            }
            continue;
        }
        if (v != mi) {
            mi = v;
            s = 0;
        }
        v = next_bit(c->sec, s);
        if (v < 0) {
            s = 0;
            if (++mi == 60) {
                mi = 0;
                if (++h == 24) {
                    goto next_day;
                }
            }
            continue;
        }
        s = v;
        {
            int64_t w = days * 86400 + h * 3600 + mi * 60 + s;
            if (w >= limit) {
                return 0;
            }
            *out = w;
            return 1;
        }
    next_day:
        h = mi = s = 0;
        days++;
        if (++d > mdays) {
            d = 1;
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
    }
}

/* Wall time w, shown at instant t, was already shown earlier. */
static int is_repeat(const struct octo_tz *tz, int64_t w, int64_t t)
{
    time_t inst[2];
    int n = octo_tz_wall_instants(tz, w, inst, NULL);
    return n == 2 && (int64_t)inst[0] < t;
}

int octo_cron_next(const struct octo_cron *c, const struct octo_tz *tz, time_t after, time_t *next)
{
    int64_t t, stop;
    int fixed = !c->wildcard;

    if ((int64_t)after >= CRON_T_LIMIT || (int64_t)after < -CRON_T_LIMIT) {
        return OCTO_ENOENT;
    }
    t = (int64_t)after + 1; /* strictly after */
    stop = t + CRON_SPAN;
    while (t < stop) {
        struct octo_tz_period p;
        int64_t w0, wend, w;
        int64_t pend;

        octo_tz_period(tz, (time_t)t, &p);
        pend = p.end > stop ? stop : p.end;
        w0 = t + p.utoff;
        wend = pend + p.utoff;
        while (next_wall(c, w0, wend, &w)) {
            int64_t cand = w - p.utoff;
            if (fixed && is_repeat(tz, w, cand)) {
                w0 = w + 1;
                continue;
            }
            *next = (time_t)cand;
            return 0;
        }
        if (pend == stop) {
            break;
        }
        if (fixed && p.next_utoff > p.utoff) {
            /* Spring forward: walls [end + utoff, end + next_utoff) are skipped. */
            int64_t g0 = p.end + p.utoff, g1 = p.end + p.next_utoff;
            while (next_wall(c, g0, g1, &w)) {
                time_t inst[2];
                if (octo_tz_wall_instants(tz, w, inst, NULL) == 0) {
                    *next = (time_t)p.end;
                    return 0;
                }
                g0 = w + 1;
            }
        }
        t = p.end;
    }
    return OCTO_ENOENT;
}
