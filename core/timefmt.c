/* timefmt.c - times in the configured zone (see timefmt.h). */
#include "timefmt.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tz.h"

static struct octo_tz *g_zone;

int octo_timefmt_init(const char *name, octo_error *err)
{
    struct octo_tz *tz = NULL;
    int rc = octo_tz_load(name, &tz, err);

    if (rc != OCTO_OK) {
        return rc;
    }
    if (g_zone != NULL) {
        octo_tz_free(g_zone);
    }
    g_zone = tz;
    return OCTO_OK;
}

void octo_timefmt_shutdown(void)
{
    octo_tz_free(g_zone);
    g_zone = NULL;
}

const struct octo_tz *octo_timefmt_zone(void)
{
    return g_zone;
}

static void local(time_t t, struct tm *tm)
{
    if (g_zone == NULL || octo_tz_localtime(g_zone, t, tm) != 0) {
        localtime_r(&t, tm);
    }
}

void octo_timestamp_compact(time_t t, char *out, size_t cap)
{
    struct tm tm;

    local(t, &tm);
    snprintf(out, cap, "%04d%02d%02d%02d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void octo_timestamp_iso(time_t t, char *out, size_t cap)
{
    struct tm tm;
    long off;

    local(t, &tm);
    off = tm.tm_gmtoff;
    snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+',
             (off < 0 ? -off : off) / 3600, ((off < 0 ? -off : off) % 3600) / 60);
}

void octo_timestamp_iso_us(double t, char *out, size_t cap)
{
    time_t sec = (time_t)floor(t);
    long us = (long)llround((t - (double)sec) * 1e6);
    struct tm tm;
    long off;
    char frac[16] = "";

    if (us >= 1000000) {
        sec++;
        us -= 1000000;
    }
    local(sec, &tm);
    off = tm.tm_gmtoff;
    if (us > 0) {
        snprintf(frac, sizeof(frac), ".%06ld", us);
    }
    snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d%s%c%02ld:%02ld", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac, off < 0 ? '-' : '+',
             (off < 0 ? -off : off) / 3600, ((off < 0 ? -off : off) % 3600) / 60);
}

/* n digits at *p into *v; advances p. */
static int digits(const char **p, int n, int *v)
{
    int i;

    *v = 0;
    for (i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i])) {
            return -1;
        }
        *v = *v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    return 0;
}

int octo_time_parse(const char *s, double *out)
{
    const char *p = s;
    char *end;
    double num;
    int y, mo, d, h = 0, mi = 0, sec = 0;
    double frac = 0;
    int have_off = 0;
    long off = 0;

    if (s == NULL || *s == '\0') {
        return -1;
    }
    num = strtod(s, &end);
    if (*end == '\0' && end != s && isfinite(num) && strchr(s, '-') == NULL) {
        *out = num;
        return 0;
    }
    if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
        digits(&p, 2, &d) || mo < 1 || mo > 12 || d < 1 || d > 31) {
        return -1;
    }
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi) || h > 23 || mi > 59) {
            return -1;
        }
        if (*p == ':') {
            p++;
            if (digits(&p, 2, &sec) || sec > 60) {
                return -1;
            }
            if (*p == '.' || *p == ',') {
                double scale = 0.1;

                p++;
                if (!isdigit((unsigned char)*p)) {
                    return -1;
                }
                while (isdigit((unsigned char)*p)) {
                    frac += (*p++ - '0') * scale;
                    scale /= 10;
                }
            }
        }
    }
    if (*p == 'Z' || *p == 'z') {
        have_off = 1;
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh;
        int om = 0;
        int sign = *p == '-' ? -1 : 1;

        p++;
        if (digits(&p, 2, &oh)) {
            return -1;
        }
        if (*p == ':') {
            p++;
        }
        if (isdigit((unsigned char)*p) && digits(&p, 2, &om)) {
            return -1;
        }
        off = sign * (oh * 3600L + om * 60L);
        have_off = 1;
    }
    if (*p != '\0') {
        return -1;
    }
    if (have_off) {
        *out = (double)(octo_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off) +
               frac;
        return 0;
    }
    {
        struct tm tm;
        time_t t[2];

        memset(&tm, 0, sizeof(tm));
        tm.tm_year = y - 1900;
        tm.tm_mon = mo - 1;
        tm.tm_mday = d;
        tm.tm_hour = h;
        tm.tm_min = mi;
        tm.tm_sec = sec;
        tm.tm_isdst = -1;
        if (g_zone != NULL) {
            time_t gap_end = 0;

            /* a wall time in a spring-forward gap means the gap's end */
            if (octo_tz_local_to_utc(g_zone, &tm, t, &gap_end) <= 0) {
                t[0] = gap_end;
            }
        } else {
            t[0] = mktime(&tm);
        }
        *out = (double)t[0] + frac;
    }
    return 0;
}
