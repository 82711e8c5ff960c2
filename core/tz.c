/* tz.c - TZif reader and POSIX TZ rules (see tz.h).
 *
 * Layout of a loaded zone: the transition table of the file (the 64-bit
 * data block for version 2+ files, the 32-bit one for version 1), its
 * local time types, and the footer rule when there is one. Instants before
 * the first transition use type 0 (RFC 8536, 3.2); instants at or after
 * the last transition use the footer rule when present, else the last
 * type. A zone with no transitions and a footer is the footer alone.
 */
#include "tz.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xalloc.h"

#define TZ_ABBR_MAX  32
#define TZ_FILE_MAX  (1024 * 1024)
#define TZ_MAX_TIMES 100000
#define TZ_MAX_TYPES 256
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

/* ---- errors ------------------------------------------------------------ */

__attribute__((format(printf, 3, 4))) static int tz_fail(octo_error *err, int code, const char *fmt,
                                                         ...)
{
    va_list ap;

    if (err != NULL) {
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
    }
    return code;
}

/* Copy s into dst for quoting in a message: printable ASCII only, at most
 * ~100 characters. */
static const char *tz_quote(const char *s, char *dst, size_t cap)
{
    size_t n = 0;

    for (; *s != '\0' && n + 5 < cap; s++) {
        unsigned char ch = (unsigned char)*s;
        if (n >= 100) {
            memcpy(dst + n, "...", 3);
            n += 3;
            break;
        }
        dst[n++] = (ch >= 0x20 && ch < 0x7f && ch != '"') ? (char)ch : '?';
    }
    dst[n] = '\0';
    return dst;
}

/* ---- calendar ---------------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) {
        q--;
    }
    return q;
}

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int octo_days_in_month(int64_t y, int m)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12) {
        return 0;
    }
    return mdays[m - 1] + (m == 2 && is_leap(y));
}

/* Howard Hinnant's days_from_civil / civil_from_days (public domain
 * algorithms), on 400-year eras. */
int64_t octo_days_from_civil(int64_t y, int m, int d)
{
    int64_t era;
    int64_t yoe, doy, doe;

    y -= m <= 2;
    era = floor_div(y, 400);
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void octo_civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
    int64_t z = days + 719468;
    int64_t era = floor_div(z, 146097);
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

/* ---- POSIX TZ strings -------------------------------------------------- */

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
        if (is_leap(y) && r->a >= 60) {
            day++;
        }
    } else if (r->kind == 'D') {
        day = octo_days_from_civil(y, 1, 1) + r->a;
    } else {
        int64_t first = octo_days_from_civil(y, r->a, 1);
        int wd1 = (int)(first - floor_div(first + 4, 7) * 7 + 4) % 7;
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

static int parse_posix(const char *s, struct tz_posix *p)
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

/* Period of the footer rule containing t. */
static void rule_period(const struct tz_posix *p, int64_t t, int64_t *start, int64_t *end,
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
    octo_civil_from_days(floor_div(t + p->std.utoff, 86400), &y, &mm, &dd);
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
        rule_period(&tz->rule, t, &sp->start, &sp->end, &sp->type);
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
    int64_t y = floor_div(months, 12) + 1900;
    int m = (int)(months - floor_div(months, 12) * 12) + 1;
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
    days = floor_div(wall, 86400);
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
    out->tm_wday = (int)(days - floor_div(days + 4, 7) * 7 + 4) % 7;
    out->tm_yday = (int)(days - octo_days_from_civil(y, 1, 1));
    out->tm_isdst = sp.type->isdst;
    out->tm_gmtoff = sp.type->utoff;
    out->tm_zone = sp.type->abbr;
    return 0;
}

/* ---- TZif -------------------------------------------------------------- */

static uint32_t be32(const unsigned char *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static int64_t be64(const unsigned char *p)
{
    uint64_t v = ((uint64_t)be32(p) << 32) | be32(p + 4);
    return (int64_t)v;
}

struct tzif_hdr {
    uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

static void read_hdr(const unsigned char *p, struct tzif_hdr *h)
{
    h->isutcnt = be32(p + 20);
    h->isstdcnt = be32(p + 24);
    h->leapcnt = be32(p + 28);
    h->timecnt = be32(p + 32);
    h->typecnt = be32(p + 36);
    h->charcnt = be32(p + 40);
}

static uint64_t block_size(const struct tzif_hdr *h, int tsize)
{
    return (uint64_t)h->timecnt * (uint64_t)tsize + h->timecnt + (uint64_t)h->typecnt * 6 +
           h->charcnt + (uint64_t)h->leapcnt * (uint64_t)(tsize + 4) + h->isstdcnt + h->isutcnt;
}

/* Parse a TZif image into tz. Returns 0 or -1 with *why set. */
static int parse_tzif(const unsigned char *d, size_t len, struct octo_tz *tz, const char **why)
{
    struct tzif_hdr h;
    const unsigned char *p;
    int tsize = 4;
    uint64_t sz;
    char version;

    *why = "not a TZif file";
    if (len < 44 || memcmp(d, "TZif", 4) != 0) {
        return -1;
    }
    version = (char)d[4];
    read_hdr(d, &h);
    sz = block_size(&h, 4);
    if (sz > len - 44) {
        *why = "truncated TZif file";
        return -1;
    }
    p = d + 44;
    if (version >= '2') {
        const unsigned char *h2 = d + 44 + sz;
        if ((uint64_t)(len - 44) - sz < 44 || memcmp(h2, "TZif", 4) != 0) {
            *why = "truncated TZif file (version 2 header missing)";
            return -1;
        }
        read_hdr(h2, &h);
        sz = block_size(&h, 8);
        if (sz > (uint64_t)(d + len - (h2 + 44))) {
            *why = "truncated TZif file";
            return -1;
        }
        p = h2 + 44;
        tsize = 8;
    }
    if (h.leapcnt != 0) {
        *why = "leap-second (\"right/\") zones are not supported";
        return -1;
    }
    if (h.typecnt == 0 || h.typecnt > TZ_MAX_TYPES || h.charcnt == 0 || h.timecnt > TZ_MAX_TIMES ||
        (h.isstdcnt != 0 && h.isstdcnt != h.typecnt) ||
        (h.isutcnt != 0 && h.isutcnt != h.typecnt)) {
        *why = "inconsistent TZif header";
        return -1;
    }
    {
        const unsigned char *times = p;
        const unsigned char *idx = times + (size_t)h.timecnt * tsize;
        const unsigned char *ti = idx + h.timecnt;
        const unsigned char *chars = ti + (size_t)h.typecnt * 6;
        const unsigned char *end = p + sz;

        tz->timecnt = h.timecnt;
        tz->typecnt = h.typecnt;
        /* bounded by TZ_MAX_TIMES / TZ_MAX_TYPES, checked above */
        tz->ats = octo_xcalloc(h.timecnt + 1, sizeof(*tz->ats));
        tz->idx = octo_xcalloc(h.timecnt + 1, 1);
        tz->types = octo_xcalloc(h.typecnt, sizeof(*tz->types));
        for (size_t i = 0; i < h.timecnt; i++) {
            tz->ats[i] = tsize == 8 ? be64(times + i * 8) : (int64_t)(int32_t)be32(times + i * 4);
            tz->idx[i] = idx[i];
            if (idx[i] >= h.typecnt || (i > 0 && tz->ats[i] <= tz->ats[i - 1]) ||
                tz->ats[i] < -TZ_T_LIMIT || tz->ats[i] > TZ_T_LIMIT) {
                *why = "invalid TZif transition table";
                return -1;
            }
        }
        for (size_t i = 0; i < h.typecnt; i++) {
            const unsigned char *e = ti + i * 6;
            int32_t utoff = (int32_t)be32(e);
            unsigned di = e[5];
            size_t k;
            if (utoff < -TZ_UTOFF_LIMIT || utoff > TZ_UTOFF_LIMIT || e[4] > 1 || di >= h.charcnt) {
                *why = "invalid TZif local time type";
                return -1;
            }
            tz->types[i].utoff = utoff;
            tz->types[i].isdst = e[4];
            for (k = 0; di + k < h.charcnt && chars[di + k] != '\0'; k++) {
                if (k + 1 < TZ_ABBR_MAX) {
                    tz->types[i].abbr[k] = (char)chars[di + k];
                }
            }
            if (di + k >= h.charcnt) {
                *why = "invalid TZif abbreviation";
                return -1;
            }
        }
        if (tsize == 8) {
            const unsigned char *f = end;
            const unsigned char *fe;
            char buf[256];
            size_t flen;

            if (f >= d + len || *f != '\n') {
                *why = "TZif footer missing";
                return -1;
            }
            f++;
            fe = memchr(f, '\n', (size_t)(d + len - f));
            if (fe == NULL) {
                *why = "TZif footer not terminated";
                return -1;
            }
            flen = (size_t)(fe - f);
            if (flen > 0) {
                if (flen >= sizeof(buf)) {
                    *why = "TZif footer too long";
                    return -1;
                }
                memcpy(buf, f, flen);
                buf[flen] = '\0';
                if (parse_posix(buf, &tz->rule) != 0) {
                    *why = "invalid POSIX TZ string in the TZif footer";
                    return -1;
                }
            }
        }
    }
    return 0;
}

void octo_tz_free(struct octo_tz *tz)
{
    if (tz == NULL) {
        return;
    }
    free(tz->name);
    free(tz->ats);
    free(tz->idx);
    free(tz->types);
    free(tz);
}

const char *octo_tz_name(const struct octo_tz *tz)
{
    return tz != NULL ? tz->name : "UTC";
}

static struct octo_tz *tz_new(const char *name)
{
    struct octo_tz *tz = octo_xcalloc(1, sizeof(*tz));

    tz->name = octo_xstrdup(name);
    return tz;
}

static int tz_utc(const char *name, struct octo_tz **out, octo_error *err)
{
    struct octo_tz *tz = tz_new(name);

    (void)err;
    tz->typecnt = 1;
    tz->types = octo_xcalloc(1, sizeof(*tz->types));
    memcpy(tz->types[0].abbr, "UTC", 4);
    *out = tz;
    return 0;
}

int octo_tz_posix(const char *spec, struct octo_tz **out, octo_error *err)
{
    struct octo_tz *tz;
    struct tz_posix rule;
    char q[128];

    *out = NULL;
    if (spec == NULL || parse_posix(spec, &rule) != 0) {
        return tz_fail(err, OCTO_EINVAL, "time zone \"%s\": invalid POSIX TZ string",
                       tz_quote(spec != NULL ? spec : "", q, sizeof(q)));
    }
    tz = tz_new(spec);
    tz->typecnt = 1;
    tz->types = octo_xcalloc(1, sizeof(*tz->types));
    tz->types[0] = rule.std;
    tz->rule = rule;
    *out = tz;
    return 0;
}

/* Read and parse a TZif file. display is the name for messages and for
 * octo_tz_name. Returns 0, OCTO_ENOENT (missing, a directory), OCTO_EIO. */
static int load_path(const char *path, const char *display, struct octo_tz **out, octo_error *err)
{
    struct octo_tz *tz;
    struct stat st;
    unsigned char *data;
    const char *why = NULL;
    size_t got = 0;
    int fd;
    char q[128];

    *out = NULL;
    tz_quote(display, q, sizeof(q));
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP || errno == ENAMETOOLONG) {
            return tz_fail(err, OCTO_ENOENT,
                           "unknown time zone \"%s\" (not in the zoneinfo database)", q);
        }
        return tz_fail(err, OCTO_EIO, "time zone \"%s\": cannot open %s: %s", q, path,
                       strerror(errno));
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return tz_fail(err, OCTO_ENOENT, "unknown time zone \"%s\" (not a zone file)", q);
    }
    if (st.st_size > TZ_FILE_MAX) {
        close(fd);
        return tz_fail(err, OCTO_EIO, "time zone \"%s\": file too large", q);
    }
    data = octo_xmalloc((size_t)st.st_size + 1); /* at most TZ_FILE_MAX */
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, data + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            break;
        }
        got += (size_t)r;
    }
    close(fd);
    tz = tz_new(display);
    if (parse_tzif(data, got, tz, &why) != 0) {
        free(data);
        octo_tz_free(tz);
        return tz_fail(err, OCTO_EIO, "time zone \"%s\": %s", q, why);
    }
    free(data);
    *out = tz;
    return 0;
}

/* An IANA-style name: relative, components of [A-Za-z0-9_+-.] not starting
 * with '.', no "..", no empty component. */
static int valid_name(const char *name)
{
    size_t len = strlen(name);
    const char *s;

    if (len == 0 || len > 255 || name[0] == '/' || name[len - 1] == '/' ||
        strstr(name, "..") != NULL || strstr(name, "//") != NULL) {
        return 0;
    }
    for (s = name; *s != '\0'; s++) {
        char ch = *s;
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '/' || ch == '_' || ch == '-' || ch == '+' || ch == '.')) {
            return 0;
        }
        if (ch == '.' && (s == name || s[-1] == '/')) {
            return 0;
        }
    }
    return 1;
}

static int is_utc_name(const char *name)
{
    return strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0 || strcmp(name, "GMT") == 0 ||
           strcmp(name, "Etc/GMT") == 0;
}

static const char *zone_dir(const char *dir)
{
    if (dir == NULL) {
        dir = getenv("TZDIR");
        if (dir == NULL || *dir == '\0') {
            dir = OCTO_TZ_DEFAULT_DIR;
        }
    }
    return dir;
}

static int load_named(const char *dir, const char *name, struct octo_tz **out, octo_error *err)
{
    char path[4096];
    char q[128];
    int rc;

    if (!valid_name(name)) {
        return tz_fail(err, OCTO_EINVAL,
                       "time zone \"%s\": invalid name (expected an IANA name such as "
                       "Europe/Brussels; absolute paths and \"..\" are refused)",
                       tz_quote(name, q, sizeof(q)));
    }
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path)) {
        return tz_fail(err, OCTO_EINVAL, "time zone \"%s\": path too long",
                       tz_quote(name, q, sizeof(q)));
    }
    rc = load_path(path, name, out, err);
    if (rc == OCTO_ENOENT && is_utc_name(name)) {
        if (err != NULL) {
            memset(err, 0, sizeof(*err));
        }
        return tz_utc(name, out, err);
    }
    return rc;
}

/* The zone name /etc/localtime stands for, into buf. */
static void local_name(char *buf, size_t cap)
{
    char link[4096];
    ssize_t n = readlink("/etc/localtime", link, sizeof(link) - 1);

    snprintf(buf, cap, "localtime");
    if (n > 0) {
        const char *z;
        link[n] = '\0';
        z = strstr(link, "zoneinfo/");
        if (z != NULL && valid_name(z + 9)) {
            snprintf(buf, cap, "%s", z + 9);
            return;
        }
    }
    {
        FILE *f = fopen("/etc/timezone", "re");
        if (f != NULL) {
            char line[256];
            if (fgets(line, sizeof(line), f) != NULL) {
                line[strcspn(line, " \t\r\n")] = '\0';
                if (valid_name(line)) {
                    snprintf(buf, cap, "%s", line);
                }
            }
            fclose(f);
        }
    }
}

static int load_local(const char *dir, struct octo_tz **out, octo_error *err)
{
    const char *env = getenv("TZ");
    char q[128];

    if (env != NULL) {
        const char *s = env;
        int rc;
        if (*s == '\0') {
            return tz_utc("UTC", out, err);
        }
        if (*s == ':') {
            s++;
        }
        if (*s == '/') {
            const char *z = strstr(s, "zoneinfo/");
            int lrc = load_path(s, (z != NULL && z[9] != '\0') ? z + 9 : s, out, err);
            if (lrc == OCTO_ENOENT) {
                return tz_fail(err, OCTO_ENOENT, "TZ=\"%s\": no such time zone file",
                               tz_quote(env, q, sizeof(q)));
            }
            return lrc;
        }
        if (valid_name(s)) {
            rc = load_named(dir, s, out, err);
            if (rc != OCTO_ENOENT) {
                return rc;
            }
        }
        if (octo_tz_posix(s, out, NULL) == 0) {
            if (err != NULL) {
                memset(err, 0, sizeof(*err));
            }
            return 0;
        }
        return tz_fail(
            err, OCTO_ENOENT,
            "TZ=\"%s\": unknown time zone (neither a zoneinfo name nor a POSIX TZ string)",
            tz_quote(env, q, sizeof(q)));
    }
    if (access("/etc/localtime", F_OK) == 0) {
        char name[256];
        local_name(name, sizeof(name));
        return load_path("/etc/localtime", name, out, err);
    }
    return tz_utc("UTC", out, err);
}

int octo_tz_load_dir(const char *dir, const char *name, struct octo_tz **out, octo_error *err)
{
    *out = NULL;
    dir = zone_dir(dir);
    if (name == NULL || *name == '\0') {
        return load_local(dir, out, err);
    }
    return load_named(dir, name, out, err);
}

int octo_tz_load(const char *name, struct octo_tz **out, octo_error *err)
{
    return octo_tz_load_dir(NULL, name, out, err);
}
