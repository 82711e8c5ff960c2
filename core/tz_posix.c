/* tz_posix.c - POSIX TZ strings ("CET-1CEST,M3.5.0,M10.5.0/3"): their
 * parsing and the periods their rules make, as used for a TZif footer and
 * for a zone given as a string alone (see tz.h).
 *
 * Split from tz.c: the rule grammar and the yearly DST transitions are
 * their own concern, apart from the table lookups over a TZif file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tz_int.h"

static int px_name(const char **sp, char *out)
{
    const char *s = *sp;
    size_t n = 0;

    if (*s == '<') {
        s++;
        while (*s != '>') {
            char ch = *s;
            if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                  (ch >= '0' && ch <= '9') || ch == '+' || ch == '-')) {
                return -1;
            }
            if (n + 1 >= TZ_ABBR_MAX) {
                return -1;
            }
            out[n++] = ch;
            s++;
        }
        s++;
    } else {
        while ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')) {
            if (n + 1 >= TZ_ABBR_MAX) {
                return -1;
            }
            out[n++] = *s++;
        }
    }
    if (n < 3) {
        return -1;
    }
    out[n] = '\0';
    *sp = s;
    return 0;
}

static int px_num(const char **sp, int max, int *out)
{
    const char *s = *sp;
    int v = 0;

    if (*s < '0' || *s > '9') {
        return -1;
    }
    while (*s >= '0' && *s <= '9') {
        v = v * 10 + (*s - '0');
        if (v > max) {
            return -1;
        }
        s++;
    }
    *out = v;
    *sp = s;
    return 0;
}

/* [+-]hh[:mm[:ss]] -> seconds; hours up to max_h. */
static int px_time(const char **sp, int max_h, int32_t *out)
{
    const char *s = *sp;
    int sign = 1;
    int h, m = 0, sec = 0;

    if (*s == '+' || *s == '-') {
        sign = *s == '-' ? -1 : 1;
        s++;
    }
    if (px_num(&s, max_h, &h) != 0) {
        return -1;
    }
    if (*s == ':') {
        s++;
        if (px_num(&s, 59, &m) != 0) {
            return -1;
        }
        if (*s == ':') {
            s++;
            if (px_num(&s, 59, &sec) != 0) {
                return -1;
            }
        }
    }
    *out = sign * (h * 3600 + m * 60 + sec);
    *sp = s;
    return 0;
}

static int px_rule(const char **sp, struct tz_rule *r)
{
    const char *s = *sp;

    memset(r, 0, sizeof(*r));
    if (*s == 'J') {
        s++;
        r->kind = 'J';
        if (px_num(&s, 365, &r->a) != 0 || r->a < 1) {
            return -1;
        }
    } else if (*s == 'M') {
        s++;
        r->kind = 'M';
        if (px_num(&s, 12, &r->a) != 0 || r->a < 1 || *s++ != '.' || px_num(&s, 5, &r->b) != 0 ||
            r->b < 1 || *s++ != '.' || px_num(&s, 6, &r->c) != 0) {
            return -1;
        }
    } else {
        r->kind = 'D';
        if (px_num(&s, 365, &r->a) != 0) {
            return -1;
        }
    }
    r->time = 7200;
    if (*s == '/') {
        s++;
        if (px_time(&s, 167, &r->time) != 0) {
            return -1;
        }
    }
    *sp = s;
    return 0;
}

/* Wall time (local seconds) of rule r in year y. */
static int64_t rule_wall(const struct tz_rule *r, int64_t y)
{
    int64_t day;

    if (r->kind == 'J') {
        day = octo_days_from_civil(y, 1, 1) + r->a - 1;
        if (octo_tz_is_leap(y) && r->a >= 60) {
            day++;
        }
    } else if (r->kind == 'D') {
        day = octo_days_from_civil(y, 1, 1) + r->a;
    } else {
        int64_t first = octo_days_from_civil(y, r->a, 1);
        int wd1 = (int)(first - octo_tz_floor_div(first + 4, 7) * 7 + 4) % 7;
        int mdays = octo_days_in_month(y, r->a);
        int d = (r->c - wd1 + 7) % 7 + 7 * (r->b - 1);
        while (d >= mdays) {
            d -= 7;
        }
        day = first + d;
    }
    return day * 86400 + r->time;
}

static int64_t rule_dst_start(const struct tz_posix *p, int64_t y)
{
    return rule_wall(&p->start, y) - p->std.utoff;
}

static int64_t rule_dst_end(const struct tz_posix *p, int64_t y)
{
    return rule_wall(&p->end, y) - p->dst.utoff;
}

int octo_tz_parse_posix(const char *s, struct tz_posix *p)
{
    int32_t off;

    memset(p, 0, sizeof(*p));
    if (px_name(&s, p->std.abbr) != 0 || px_time(&s, 24, &off) != 0) {
        return -1;
    }
    p->std.utoff = -off;
    p->std.isdst = 0;
    p->present = 1;
    if (*s == '\0') {
        return 0;
    }
    if (px_name(&s, p->dst.abbr) != 0) {
        return -1;
    }
    p->dst.isdst = 1;
    p->dst.utoff = p->std.utoff + 3600;
    if (*s != ',' && *s != '\0') {
        if (px_time(&s, 24, &off) != 0) {
            return -1;
        }
        p->dst.utoff = -off;
    }
    if (*s == '\0') {
        /* No rule: tzcode's default, the US rules since 2007. */
        const char *def = "M3.2.0,M11.1.0";
        if (px_rule(&def, &p->start) != 0 || *def++ != ',' || px_rule(&def, &p->end) != 0) {
            return -1;
        }
    } else {
        if (*s++ != ',' || px_rule(&s, &p->start) != 0 || *s++ != ',' ||
            px_rule(&s, &p->end) != 0 || *s != '\0') {
            return -1;
        }
    }
    p->has_dst = 1;
    /* Degenerate rules: DST all year ("EST5EDT,0/0,J365/25") or never. */
    {
        int64_t ys[2] = {2001, 2004};
        int always = 1, never = 1;
        for (int i = 0; i < 2; i++) {
            int64_t s0 = rule_dst_start(p, ys[i]);
            int64_t e0 = rule_dst_end(p, ys[i]);
            int64_t eprev = rule_dst_end(p, ys[i] - 1);
            if (!(s0 < e0 && eprev >= s0)) {
                always = 0;
            }
            if (s0 != e0) {
                never = 0;
            }
        }
        if (always) {
            p->std = p->dst;
            p->has_dst = 0;
        } else if (never) {
            p->has_dst = 0;
        }
    }
    if (p->std.utoff < -TZ_UTOFF_LIMIT || p->std.utoff > TZ_UTOFF_LIMIT ||
        p->dst.utoff < -TZ_UTOFF_LIMIT || p->dst.utoff > TZ_UTOFF_LIMIT) {
        return -1;
    }
    return 0;
}

struct rule_tr {
    int64_t at;
    int to_dst;
};

void octo_tz_rule_period(const struct tz_posix *p, int64_t t, int64_t *start, int64_t *end,
                         const struct tz_type **type)
{
    struct rule_tr tr[10];
    int n = 0;
    int64_t y, yy;
    int mm, dd;

    if (!p->has_dst) {
        *start = INT64_MIN;
        *end = INT64_MAX;
        *type = &p->std;
        return;
    }
    octo_civil_from_days(octo_tz_floor_div(t + p->std.utoff, 86400), &y, &mm, &dd);
    for (yy = y - 2; yy <= y + 2; yy++) {
        int64_t s0 = rule_dst_start(p, yy);
        int64_t e0 = rule_dst_end(p, yy);
        struct rule_tr a = {s0, 1}, b = {e0, 0};
        if (e0 < s0) {
            struct rule_tr tmp = a;
            a = b;
            b = tmp;
        }
        tr[n++] = a;
        tr[n++] = b;
    }
    /* Insertion sort, stable. */
    for (int i = 1; i < n; i++) {
        struct rule_tr cur = tr[i];
        int j = i - 1;
        while (j >= 0 && tr[j].at > cur.at) {
            tr[j + 1] = tr[j];
            j--;
        }
        tr[j + 1] = cur;
    }
    {
        int k = -1;
        for (int i = 0; i < n; i++) {
            if (tr[i].at <= t) {
                k = i;
            }
        }
        if (k < 0) {
            *start = INT64_MIN;
            *end = tr[0].at;
            *type = tr[0].to_dst ? &p->std : &p->dst;
            return;
        }
        /* Skip transitions that take no time or change nothing. */
        *type = tr[k].to_dst ? &p->dst : &p->std;
        *start = tr[k].at;
        *end = INT64_MAX;
        for (int i = k + 1; i < n; i++) {
            if (tr[i].at > *start && tr[i].to_dst != tr[k].to_dst) {
                *end = tr[i].at;
                break;
            }
        }
    }
}
