/* cron_parse.c - parse and check cron expressions (see cron.h): fields,
 * names, ranges, steps, lists, L and #, macros, the seconds field, and
 * expressions that can never fire. */
#include "cron_int.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

struct field_def {
    const char *name;
    int lo, hi; /* accepted values (day-of-week: 0-7, 7 = Sunday) */
};

static const struct field_def FIELDS[F_COUNT] = {
    {"minute", 0, 59}, {"hour", 0, 23},       {"day-of-month", 1, 31},
    {"month", 1, 12},  {"day-of-week", 0, 7}, {"second", 0, 59},
};

static const char *const MONTHS[12] = {"jan", "feb", "mar", "apr", "may", "jun",
                                       "jul", "aug", "sep", "oct", "nov", "dec"};
static const char *const MONTH_NAMES[12] = {"January",   "February", "March",    "April",
                                            "May",       "June",     "July",     "August",
                                            "September", "October",  "November", "December"};
static const char *const DAYS[7] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

/* ---- parse ------------------------------------------------------------- */

struct pctx {
    const char *expr;
    octo_error *err;
    struct octo_cron *c;
};

static void quote_into(char *dst, size_t cap, const char *s, size_t len, size_t max)
{
    size_t n = 0;

    for (size_t i = 0; i < len && n + 6 < cap; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (i >= max) {
            memcpy(dst + n, "...", 3);
            n += 3;
            break;
        }
        if (ch == '"' || ch == '\\') {
            dst[n++] = '\\';
            dst[n++] = (char)ch;
        } else {
            dst[n++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
        }
    }
    dst[n] = '\0';
}

__attribute__((format(printf, 2, 3))) static int perr(struct pctx *px, const char *fmt, ...)
{
    char q[160];
    char what[320];
    va_list ap;

    if (px->err == NULL) {
        return OCTO_EINVAL;
    }
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    quote_into(q, sizeof(q), px->expr, strlen(px->expr), 120);
    px->err->code = OCTO_EINVAL;
    snprintf(px->err->msg, sizeof(px->err->msg), "cron \"%s\": %s", q, what);
    return OCTO_EINVAL;
}

/* An element slice quoted for a message. */
static const char *qs(char *buf, size_t cap, const char *s, size_t len)
{
    quote_into(buf, cap, s, len, 40);
    return buf;
}

static int lower(int ch)
{
    return (ch >= 'A' && ch <= 'Z') ? ch - 'A' + 'a' : ch;
}

static int slice_is(const char *s, size_t len, const char *word)
{
    size_t n = strlen(word);
    if (len != n) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (lower((unsigned char)s[i]) != word[i]) {
            return 0;
        }
    }
    return 1;
}

static int all_digits(const char *s, size_t len)
{
    if (len == 0) {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
    }
    return 1;
}

/* A number or (month, day-of-week) a name. */
static int parse_val(struct pctx *px, int f, const char *s, size_t len, int *out)
{
    const struct field_def *fd = &FIELDS[f];
    char q[100];

    if (len == 0) {
        return perr(px, "%s field has an empty value", fd->name);
    }
    if (all_digits(s, len)) {
        long v = 0;
        for (size_t i = 0; i < len; i++) {
            v = v * 10 + (s[i] - '0');
            if (v > 99999) {
                break;
            }
        }
        if (v < fd->lo || v > fd->hi) {
            if (v > 99999) {
                return perr(px, "%s value %s out of range %d-%d", fd->name,
                            qs(q, sizeof(q), s, len), fd->lo, fd->hi);
            }
            return perr(px, "%s value %ld out of range %d-%d", fd->name, v, fd->lo, fd->hi);
        }
        *out = (int)v;
        return 0;
    }
    if (f == F_MON) {
        for (int i = 0; i < 12; i++) {
            if (slice_is(s, len, MONTHS[i])) {
                *out = i + 1;
                return 0;
            }
        }
        return perr(px, "month value \"%s\" is not a number (1-12) or a month name (jan-dec)",
                    qs(q, sizeof(q), s, len));
    }
    if (f == F_DOW) {
        for (int i = 0; i < 7; i++) {
            if (slice_is(s, len, DAYS[i])) {
                *out = i;
                return 0;
            }
        }
        return perr(px,
                    "day-of-week value \"%s\" is not a number (0-7) or a weekday name (sun-sat)",
                    qs(q, sizeof(q), s, len));
    }
    if (s[0] == '-') {
        return perr(px, "%s value \"%s\" is negative", fd->name, qs(q, sizeof(q), s, len));
    }
    return perr(px, "%s value \"%s\" is not a number", fd->name, qs(q, sizeof(q), s, len));
}

static void set_bit(struct octo_cron *c, int f, int v)
{
    switch (f) {
    case F_MIN:
        c->min |= (uint64_t)1 << v;
        break;
    case F_SEC:
        c->sec |= (uint64_t)1 << v;
        break;
    case F_HOUR:
        c->hour |= (uint32_t)1 << v;
        break;
    case F_DOM:
        c->dom |= (uint32_t)1 << v;
        break;
    case F_MON:
        c->mon |= (uint16_t)(1u << v);
        break;
    default:
        c->dow |= (uint8_t)(1u << (v % 7));
        break;
    }
}

/* Values a..b (inclusive, wrapping past the top when a > b) every step,
 * handed to set_bit or, for nth >= 0, to the nth table. */
static void add_range(struct octo_cron *c, int f, int a, int b, int step, int nthbit)
{
    int lo = FIELDS[f].lo, hi = FIELDS[f].hi;
    int size, len;

    if (f == F_DOW) {
        /* 7 is Sunday: "5-7" = fri,sat,sun, "0-7" = every day, "7-2" = 0-2. */
        if (a == 7 && b == 7) {
            a = b = 0;
        } else {
            if (a == 7) {
                a = 0;
            }
            if (b == 7 && a > 0) {
                b = 0;
            }
        }
        hi = (b == 7) ? 7 : 6;
    }
    size = hi - lo + 1;
    len = (b - a + size) % size + 1;
    for (int k = 0; k < len; k += step) {
        int v = lo + (a - lo + k) % size;
        if (nthbit >= 0) {
            c->nth[v % 7] |= (uint8_t)nthbit;
        } else {
            set_bit(c, f, v);
        }
    }
}

static const char *memchr_c(const char *s, size_t len, char ch)
{
    return memchr(s, ch, len);
}

/* "a" or "a-b" (no step) into *a, *b. L allowed as b for day-of-month. */
static int parse_span(struct pctx *px, int f, const char *s, size_t len, int *a, int *b,
                      int *is_range)
{
    const char *dash = len > 1 ? memchr_c(s + 1, len - 1, '-') : NULL;
    char q[100];

    *is_range = dash != NULL;
    if (dash == NULL) {
        if (parse_val(px, f, s, len, a) != 0) {
            return OCTO_EINVAL;
        }
        *b = *a;
        return 0;
    }
    if (dash + 1 == s + len) {
        return perr(px, "%s range \"%s\" is incomplete", FIELDS[f].name, qs(q, sizeof(q), s, len));
    }
    if (parse_val(px, f, s, (size_t)(dash - s), a) != 0) {
        return OCTO_EINVAL;
    }
    if (f == F_DOM && slice_is(dash + 1, (size_t)(s + len - dash - 1), "l")) {
        *b = 31;
        return 0;
    }
    return parse_val(px, f, dash + 1, (size_t)(s + len - dash - 1), b);
}

static int parse_element(struct pctx *px, int f, const char *s, size_t len)
{
    struct octo_cron *c = px->c;
    const struct field_def *fd = &FIELDS[f];
    const char *slash;
    int a, b, step = 1, is_range = 0;
    char q[100];

    if (len == 0) {
        return perr(px, "%s field has an empty list element", fd->name);
    }
    if (f == F_DOM && slice_is(s, len, "l")) {
        c->dom_last = 1;
        return 0;
    }
    if (f == F_DOW && (s[0] == 'L' || s[0] == 'l')) {
        /* "L5" / "Lfri": the last such weekday of the month. */
        if (len == 1) {
            return perr(
                px,
                "day-of-week \"L\" needs a weekday after it (L5 = the last Friday of the month)");
        }
        if (parse_val(px, f, s + 1, len - 1, &a) != 0) {
            return OCTO_EINVAL;
        }
        c->nth[a % 7] |= NTH_LAST;
        return 0;
    }
    if (f == F_DOW && len > 1 && (s[len - 1] == 'L' || s[len - 1] == 'l') &&
        memchr_c(s, len, '-') == NULL && memchr_c(s, len, '/') == NULL) {
        return perr(px, "day-of-week \"%s\": write the last such weekday of the month as \"L%.*s\"",
                    qs(q, sizeof(q), s, len), (int)(len - 1 > 10 ? 10 : len - 1), s);
    }
    if (f == F_DOW && memchr_c(s, len, '#') != NULL) {
        const char *hash = memchr_c(s, len, '#');
        const char *ns = hash + 1;
        size_t nlen = (size_t)(s + len - ns);
        int n;
        if (memchr_c(s, (size_t)(hash - s), '/') != NULL ||
            memchr_c(s, (size_t)(hash - s), '*') != NULL) {
            return perr(px, "day-of-week \"%s\": \"#\" follows a weekday or a range of weekdays",
                        qs(q, sizeof(q), s, len));
        }
        if (!all_digits(ns, nlen)) {
            return perr(px, "day-of-week \"%s\": occurrence after \"#\" must be a number 1-5",
                        qs(q, sizeof(q), s, len));
        }
        n = nlen > 2 ? 99 : atoi(ns);
        if (n < 1 || n > 5) {
            return perr(px, "day-of-week \"%s\": occurrence %d out of range 1-5",
                        qs(q, sizeof(q), s, len), n);
        }
        if (parse_span(px, f, s, (size_t)(hash - s), &a, &b, &is_range) != 0) {
            return OCTO_EINVAL;
        }
        add_range(c, f, a, b, 1, 1 << (n - 1));
        return 0;
    }
    slash = memchr_c(s, len, '/');
    if (slash != NULL) {
        const char *ss = slash + 1;
        size_t slen = (size_t)(s + len - ss);
        int max = (f == F_DOW) ? 7 : fd->hi - fd->lo + 1;
        if (slen == 0) {
            return perr(px, "%s step in \"%s\" is missing", fd->name, qs(q, sizeof(q), s, len));
        }
        if (!all_digits(ss, slen)) {
            return perr(px, "%s step \"%s\" is not a number", fd->name, qs(q, sizeof(q), ss, slen));
        }
        step = slen > 3 ? 9999 : atoi(ss);
        if (step < 1 || step > max) {
            return perr(px, "%s step %d out of range 1-%d", fd->name, step, max);
        }
        len = (size_t)(slash - s);
        if (len == 0) {
            return perr(px, "%s step needs a range or \"*\" before \"/\"", fd->name);
        }
    }
    if (len == 1 && s[0] == '*') {
        a = fd->lo;
        b = (f == F_DOW) ? 6 : fd->hi;
        add_range(c, f, a, b, step, -1);
        return 0;
    }
    if (len == 1 && s[0] == '?') {
        return perr(px, "%s: \"?\" is only allowed alone in the day-of-month or day-of-week field",
                    fd->name);
    }
    if (f == F_DOM && slice_is(s, len, "l")) {
        return perr(px, "day-of-month \"L\" cannot take a step");
    }
    if (parse_span(px, f, s, len, &a, &b, &is_range) != 0) {
        return OCTO_EINVAL;
    }
    if (slash != NULL && !is_range) {
        /* "a/n" = "a-max/n" */
        b = (f == F_DOW) ? 6 : fd->hi;
        if (f == F_DOW && a == 7) {
            a = 0;
        }
    }
    add_range(c, f, a, b, step, -1);
    return 0;
}

static int parse_field(struct pctx *px, int f, const char *s, size_t len)
{
    const char *end = s + len;

    /* "?" (Quartz, Spring) means "no constraint": a "*" for cron */
    if ((f == F_DOM || f == F_DOW) && len == 1 && s[0] == '?') {
        return parse_element(px, f, "*", 1);
    }
    for (;;) {
        const char *comma = memchr_c(s, (size_t)(end - s), ',');
        const char *e = comma != NULL ? comma : end;
        int rc = parse_element(px, f, s, (size_t)(e - s));
        if (rc != 0) {
            return rc;
        }
        if (comma == NULL) {
            return 0;
        }
        s = comma + 1;
    }
}

static int contains_star(const char *s, size_t len)
{
    return memchr(s, '*', len) != NULL;
}

/* Refuse day-of-month lists that no selected month has ("0 0 30 2 *").
 * Accepted, such a schedule would be added and then silently never run
 * (and every next-fire search would scan CRON_SPAN to say so). Only when
 * day-of-week is "*": a restricted day-of-week fires on its own days (the
 * OR rule), and "L" is every month's last day. February counts 29 days: the
 * 29th fires in leap years. */
static int check_possible(struct pctx *px, const char *domtext, size_t domlen)
{
    struct octo_cron *c = px->c;
    char months[200];
    size_t n = 0;
    char q[100];

    if (!c->dow_star || c->dom_star || c->dom_last) {
        return 0;
    }
    for (int m = 1; m <= 12; m++) {
        if (c->mon & (1u << m)) {
            int maxd = m == 2 ? 29 : octo_days_in_month(2001, m);
            for (int d = 1; d <= maxd; d++) {
                if (c->dom & (1u << d)) {
                    return 0;
                }
            }
        }
    }
    months[0] = '\0';
    for (int m = 1; m <= 12; m++) {
        if (c->mon & (1u << m)) {
            int more = (c->mon >> (m + 1)) != 0;
            int w = snprintf(months + n, sizeof(months) - n, "%s%s",
                             n == 0 ? ""
                             : more ? ", "
                                    : " or ",
                             MONTH_NAMES[m - 1]);
            if (w < 0 || (size_t)w >= sizeof(months) - n) {
                break;
            }
            n += (size_t)w;
        }
    }
    return perr(px, "day-of-month %s never occurs in %s, so the expression never fires",
                qs(q, sizeof(q), domtext, domlen), months);
}

static const struct {
    const char *name;
    const char *expr;
} MACROS[] = {
    {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
    {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
    {"@hourly", "0 * * * *"},
};

int octo_cron_parse(const char *expr, struct octo_cron **out, octo_error *err)
{
    struct pctx px;
    struct octo_cron *c;
    const char *src;
    const char *fs[F_COUNT + 1];
    size_t fl[F_COUNT + 1];
    int nf = 0;
    const char *s;
    int rc;

    *out = NULL;
    px.expr = expr != NULL ? expr : "";
    px.err = err;
    px.c = NULL;
    src = px.expr;
    while (*src == ' ' || *src == '\t' || *src == '\n' || *src == '\r') {
        src++;
    }
    if (*src == '\0') {
        return perr(&px, "empty expression");
    }
    if (*src == '@') {
        size_t wl = strcspn(src, " \t\r\n");
        const char *rest = src + wl;
        int found = -1;
        while (*rest == ' ' || *rest == '\t' || *rest == '\n' || *rest == '\r') {
            rest++;
        }
        for (size_t i = 0; i < sizeof(MACROS) / sizeof(MACROS[0]); i++) {
            if (slice_is(src, wl, MACROS[i].name)) {
                found = (int)i;
            }
        }
        if (found < 0) {
            char q[100];
            return perr(&px,
                        "unknown macro \"%s\" (expected @yearly, @annually, @monthly, @weekly, "
                        "@daily, @midnight or @hourly)",
                        qs(q, sizeof(q), src, wl));
        }
        if (*rest != '\0') {
            return perr(&px, "a macro stands alone; nothing may follow it");
        }
        src = MACROS[found].expr;
    }
    s = src;
    for (;;) {
        size_t wl;
        while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
            s++;
        }
        if (*s == '\0') {
            break;
        }
        wl = strcspn(s, " \t\r\n");
        if (nf <= F_COUNT) {
            fs[nf] = s;
            fl[nf] = wl;
        }
        nf++;
        s += wl;
    }
    if (nf != 5 && nf != 6) {
        return perr(&px,
                    "expected 5 fields (minute hour day-of-month month day-of-week) or 6 "
                    "(with seconds last), got %d",
                    nf);
    }
    c = octo_xcalloc(1, sizeof(*c));
    px.c = c;
    for (int f = 0; f < nf; f++) {
        rc = parse_field(&px, f, fs[f], fl[f]);
        if (rc != 0) {
            free(c);
            return rc;
        }
    }
    c->has_seconds = nf == 6;
    if (!c->has_seconds) {
        c->sec = 1;
    }
    /* croniter's notion of an unrestricted day field: "*" or "?", or every
     * value listed while the other day field contains a "*". */
    c->dom_star = slice_is(fs[F_DOM], fl[F_DOM], "*") || slice_is(fs[F_DOM], fl[F_DOM], "?") ||
                  (c->dom == 0xFFFFFFFEu && !c->dom_last && contains_star(fs[F_DOW], fl[F_DOW]));
    {
        int nth_any = 0;
        for (int i = 0; i < 7; i++) {
            nth_any |= c->nth[i] != 0;
        }
        c->dow_star = slice_is(fs[F_DOW], fl[F_DOW], "*") || slice_is(fs[F_DOW], fl[F_DOW], "?") ||
                      (c->dow == 0x7F && !nth_any && contains_star(fs[F_DOM], fl[F_DOM]));
    }
    /* cronie's MIN_STAR / HR_STAR, extended to the seconds field. */
    c->wildcard =
        fs[F_MIN][0] == '*' || fs[F_HOUR][0] == '*' || (c->has_seconds && fs[F_SEC][0] == '*');
    rc = check_possible(&px, fs[F_DOM], fl[F_DOM]);
    if (rc != 0) {
        free(c);
        return rc;
    }
    *out = c;
    return 0;
}

void octo_cron_free(struct octo_cron *c)
{
    free(c);
}

int octo_cron_has_seconds(const struct octo_cron *c)
{
    return c->has_seconds ? 1 : 0;
}

int octo_cron_is_wildcard(const struct octo_cron *c)
{
    return c->wildcard ? 1 : 0;
}
