/* timefmt.c - times in the configured zone (see timefmt.h). */
#include "timefmt.h"

#include <stdio.h>
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
