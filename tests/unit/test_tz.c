/* test_tz.c - TZif reader, POSIX TZ rules, wall <-> instant conversion.
 *
 * Expected instants were computed independently (Python's zoneinfo over
 * the same tzdata) and are written as UTC calendar values through
 * timegm(), which does not depend on TZ.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tz.h"

static time_t U(int y, int mo, int d, int h, int mi, int s)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    return timegm(&tm);
}

static int64_t W(int y, int mo, int d, int h, int mi, int s)
{
    return (int64_t)U(y, mo, d, h, mi, s);
}

static int have_zone(const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", name);
    return access(path, R_OK) == 0;
}

static struct octo_tz *must_load(const char *name)
{
    struct octo_tz *tz = NULL;
    octo_error err;
    memset(&err, 0, sizeof(err));
    if (octo_tz_load(name, &tz, &err) != 0) {
        fail_msg("load %s: %s", name, err.msg);
    }
    return tz;
}

#define NEED_ZONE(name)                                                                            \
    do {                                                                                           \
        if (!have_zone(name)) {                                                                    \
            print_message("zoneinfo %s missing: skipped\n", name);                                 \
            skip();                                                                                \
        }                                                                                          \
    } while (0)

static void check_off(const struct octo_tz *tz, time_t t, int32_t utoff, int isdst,
                      const char *abbr)
{
    int32_t o = -1;
    int d = -1;
    const char *a = NULL;
    assert_int_equal(octo_tz_offset_at(tz, t, &o, &d, &a), 0);
    if (o != utoff || d != isdst || strcmp(a, abbr) != 0) {
        fail_msg("%s at %lld: got %d/%d/%s, want %d/%d/%s", octo_tz_name(tz), (long long)t, (int)o,
                 d, a, (int)utoff, isdst, abbr);
    }
}

/* ---- names and loading ------------------------------------------------- */

static void test_utc(void **state)
{
    struct octo_tz *tz = NULL;
    octo_error err;
    struct tm tm;
    (void)state;

    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_tz_load("UTC", &tz, &err), 0);
    assert_string_equal(octo_tz_name(tz), "UTC");
    check_off(tz, U(2026, 7, 1, 12, 0, 0), 0, 0, "UTC");
    assert_int_equal(octo_tz_localtime(tz, U(2026, 3, 29, 2, 30, 0), &tm), 0);
    assert_int_equal(tm.tm_hour, 2);
    assert_int_equal(tm.tm_min, 30);
    assert_int_equal(tm.tm_gmtoff, 0);
    octo_tz_free(tz);

    /* Without any tzdata: a directory that does not exist. */
    assert_int_equal(octo_tz_load_dir("/nonexistent-zoneinfo", "UTC", &tz, &err), 0);
    check_off(tz, 0, 0, 0, "UTC");
    assert_int_equal(octo_tz_localtime(tz, U(2040, 1, 2, 3, 4, 5), &tm), 0);
    assert_int_equal(tm.tm_year, 140);
    assert_int_equal(tm.tm_yday, 1);
    octo_tz_free(tz);
    assert_int_equal(octo_tz_load_dir("/nonexistent-zoneinfo", "Etc/UTC", &tz, &err), 0);
    octo_tz_free(tz);

    /* NULL zone = UTC in every query. */
    check_off(NULL, 12345, 0, 0, "UTC");
}

static void test_unknown_zone(void **state)
{
    struct octo_tz *tz = (struct octo_tz *)1;
    octo_error err;
    (void)state;

    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_tz_load("Mars/Olympus_Mons", &tz, &err), OCTO_ENOENT);
    assert_null(tz);
    assert_int_equal(err.code, OCTO_ENOENT);
    assert_non_null(strstr(err.msg, "unknown time zone \"Mars/Olympus_Mons\""));

    /* A directory of zones is not a zone. */
    if (have_zone("Europe/Brussels")) {
        memset(&err, 0, sizeof(err));
        assert_int_equal(octo_tz_load("Europe", &tz, &err), OCTO_ENOENT);
        /* Case matters, as in the database. */
        assert_int_equal(octo_tz_load("europe/brussels", &tz, &err), OCTO_ENOENT);
    }
    /* A file of the database that is not a zone. */
    if (have_zone("zone1970.tab")) {
        memset(&err, 0, sizeof(err));
        assert_int_equal(octo_tz_load("zone1970.tab", &tz, &err), OCTO_EIO);
        assert_non_null(strstr(err.msg, "not a TZif file"));
    }
    /* err may be NULL. */
    assert_int_equal(octo_tz_load("No/Such_Zone", &tz, NULL), OCTO_ENOENT);
}

static void test_bad_names(void **state)
{
    static const char *const bad[] = {
        "../../etc/passwd", "/etc/localtime",   "Europe/../UTC", "Europe/..", "..",
        "Europe//Brussels", "Europe/Brussels/", ".hidden",       "Europe/.x", "a b",
        "Europe\\Brussels", "Zone\n",           "x;rm",
    };
    (void)state;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct octo_tz *tz = NULL;
        octo_error err;
        memset(&err, 0, sizeof(err));
        if (octo_tz_load(bad[i], &tz, &err) != OCTO_EINVAL) {
            fail_msg("name \"%s\" not refused as invalid (%s)", bad[i], err.msg);
        }
        assert_null(tz);
        assert_non_null(strstr(err.msg, "invalid name"));
    }
}

/* ---- offsets from the system database ---------------------------------- */

static void test_brussels_2026(void **state)
{
    struct octo_tz *tz;
    struct tm tm;
    (void)state;
    NEED_ZONE("Europe/Brussels");

    tz = must_load("Europe/Brussels");
    assert_string_equal(octo_tz_name(tz), "Europe/Brussels");
    check_off(tz, U(2026, 3, 29, 0, 59, 59), 3600, 0, "CET");
    check_off(tz, U(2026, 3, 29, 1, 0, 0), 7200, 1, "CEST");
    check_off(tz, U(2026, 10, 25, 0, 59, 59), 7200, 1, "CEST");
    check_off(tz, U(2026, 10, 25, 1, 0, 0), 3600, 0, "CET");

    assert_int_equal(octo_tz_localtime(tz, U(2026, 3, 29, 1, 0, 0), &tm), 0);
    assert_int_equal(tm.tm_year, 126);
    assert_int_equal(tm.tm_mon, 2);
    assert_int_equal(tm.tm_mday, 29);
    assert_int_equal(tm.tm_hour, 3);
    assert_int_equal(tm.tm_min, 0);
    assert_int_equal(tm.tm_wday, 0); /* Sunday */
    assert_int_equal(tm.tm_yday, 87);
    assert_int_equal(tm.tm_isdst, 1);
    assert_int_equal(tm.tm_gmtoff, 7200);
    assert_string_equal(tm.tm_zone, "CEST");
    assert_int_equal(octo_tz_localtime(tz, U(2026, 3, 29, 0, 59, 59), &tm), 0);
    assert_int_equal(tm.tm_hour, 1);
    assert_int_equal(tm.tm_min, 59);
    assert_int_equal(tm.tm_sec, 59);
    assert_string_equal(tm.tm_zone, "CET");
    /* 1890: Brussels Mean Time, from the table. */
    check_off(tz, U(1890, 1, 1, 0, 0, 0), 1050, 0, "BMT");
    octo_tz_free(tz);
}

static void test_new_york_2026(void **state)
{
    struct octo_tz *tz;
    (void)state;
    NEED_ZONE("America/New_York");

    tz = must_load("America/New_York");
    check_off(tz, U(2026, 3, 8, 6, 59, 59), -18000, 0, "EST");
    check_off(tz, U(2026, 3, 8, 7, 0, 0), -14400, 1, "EDT");
    check_off(tz, U(2026, 11, 1, 5, 59, 59), -14400, 1, "EDT");
    check_off(tz, U(2026, 11, 1, 6, 0, 0), -18000, 0, "EST");
    octo_tz_free(tz);
}

/* After the last transition of the (fat) table, which ends in 2037, the
 * footer TZ string takes over. */
static void test_footer_2040(void **state)
{
    struct octo_tz *tz;
    struct octo_tz_period p;
    (void)state;
    NEED_ZONE("Europe/Brussels");
    NEED_ZONE("America/New_York");

    tz = must_load("Europe/Brussels");
    check_off(tz, U(2040, 3, 25, 0, 59, 59), 3600, 0, "CET");
    check_off(tz, U(2040, 3, 25, 1, 0, 0), 7200, 1, "CEST");
    check_off(tz, U(2040, 10, 28, 0, 59, 59), 7200, 1, "CEST");
    check_off(tz, U(2040, 10, 28, 1, 0, 0), 3600, 0, "CET");
    check_off(tz, U(2141, 7, 1, 0, 0, 0), 7200, 1, "CEST");
    assert_int_equal(octo_tz_period(tz, U(2040, 6, 1, 0, 0, 0), &p), 0);
    assert_int_equal(p.start, U(2040, 3, 25, 1, 0, 0));
    assert_int_equal(p.end, U(2040, 10, 28, 1, 0, 0));
    assert_int_equal(p.utoff, 7200);
    assert_int_equal(p.prev_utoff, 3600);
    assert_int_equal(p.next_utoff, 3600);
    octo_tz_free(tz);

    tz = must_load("America/New_York");
    check_off(tz, U(2040, 3, 11, 6, 59, 59), -18000, 0, "EST");
    check_off(tz, U(2040, 3, 11, 7, 0, 0), -14400, 1, "EDT");
    check_off(tz, U(2040, 11, 4, 5, 59, 59), -14400, 1, "EDT");
    check_off(tz, U(2040, 11, 4, 6, 0, 0), -18000, 0, "EST");
    octo_tz_free(tz);
}

static void test_period(void **state)
{
    struct octo_tz *tz;
    struct octo_tz_period p;
    (void)state;
    NEED_ZONE("Europe/Brussels");

    tz = must_load("Europe/Brussels");
    assert_int_equal(octo_tz_period(tz, U(2026, 6, 1, 0, 0, 0), &p), 0);
    assert_int_equal(p.start, U(2026, 3, 29, 1, 0, 0));
    assert_int_equal(p.end, U(2026, 10, 25, 1, 0, 0));
    assert_int_equal(p.utoff, 7200);
    assert_int_equal(p.isdst, 1);
    assert_string_equal(p.abbr, "CEST");
    octo_tz_free(tz);

    assert_int_equal(octo_tz_period(NULL, 0, &p), 0);
    assert_true(p.start == INT64_MIN);
    assert_true(p.end == INT64_MAX);
}

/* ---- wall time -> instants --------------------------------------------- */

static void check_wall(const struct octo_tz *tz, int64_t wall, int n, time_t a, time_t b)
{
    time_t out[2] = {0, 0};
    time_t gap = 0;
    int got = octo_tz_wall_instants(tz, wall, out, &gap);
    if (got != n) {
        fail_msg("%s wall %lld: %d instants, want %d", octo_tz_name(tz), (long long)wall, got, n);
    }
    if (n == 0) {
        assert_int_equal(gap, a);
    }
    if (n >= 1) {
        assert_int_equal(out[0], a);
    }
    if (n == 2) {
        assert_int_equal(out[1], b);
    }
}

static void test_wall_instants(void **state)
{
    struct octo_tz *tz;
    (void)state;
    NEED_ZONE("Europe/Brussels");
    NEED_ZONE("America/New_York");

    tz = must_load("Europe/Brussels");
    /* Spring forward: 02:00-02:59:59 does not exist; gap ends 01:00Z. */
    check_wall(tz, W(2026, 3, 29, 2, 30, 0), 0, U(2026, 3, 29, 1, 0, 0), 0);
    check_wall(tz, W(2026, 3, 29, 2, 0, 0), 0, U(2026, 3, 29, 1, 0, 0), 0);
    check_wall(tz, W(2026, 3, 29, 1, 59, 59), 1, U(2026, 3, 29, 0, 59, 59), 0);
    check_wall(tz, W(2026, 3, 29, 3, 0, 0), 1, U(2026, 3, 29, 1, 0, 0), 0);
    /* Fall back: 02:00-02:59:59 happens twice. */
    check_wall(tz, W(2026, 10, 25, 2, 30, 0), 2, U(2026, 10, 25, 0, 30, 0),
               U(2026, 10, 25, 1, 30, 0));
    check_wall(tz, W(2026, 10, 25, 2, 0, 0), 2, U(2026, 10, 25, 0, 0, 0), U(2026, 10, 25, 1, 0, 0));
    check_wall(tz, W(2026, 10, 25, 3, 0, 0), 1, U(2026, 10, 25, 2, 0, 0), 0);
    check_wall(tz, W(2026, 10, 25, 1, 59, 59), 1, U(2026, 10, 24, 23, 59, 59), 0);
    check_wall(tz, W(2026, 7, 14, 12, 0, 0), 1, U(2026, 7, 14, 10, 0, 0), 0);
    /* 2040: from the footer rule. */
    check_wall(tz, W(2040, 3, 25, 2, 30, 0), 0, U(2040, 3, 25, 1, 0, 0), 0);
    check_wall(tz, W(2040, 10, 28, 2, 30, 0), 2, U(2040, 10, 28, 0, 30, 0),
               U(2040, 10, 28, 1, 30, 0));
    octo_tz_free(tz);

    tz = must_load("America/New_York");
    check_wall(tz, W(2026, 3, 8, 2, 30, 0), 0, U(2026, 3, 8, 7, 0, 0), 0);
    check_wall(tz, W(2026, 11, 1, 1, 30, 0), 2, U(2026, 11, 1, 5, 30, 0), U(2026, 11, 1, 6, 30, 0));
    check_wall(tz, W(2026, 11, 1, 2, 0, 0), 1, U(2026, 11, 1, 7, 0, 0), 0);
    octo_tz_free(tz);
}

static void test_local_to_utc(void **state)
{
    struct octo_tz *tz;
    struct tm tm;
    time_t out[2], gap;
    (void)state;
    NEED_ZONE("America/New_York");

    tz = must_load("America/New_York");
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = 2026 - 1900;
    tm.tm_mon = 9;   /* October ... */
    tm.tm_mday = 32; /* ... 32nd = November 1st */
    tm.tm_hour = 1;
    tm.tm_min = 30;
    assert_int_equal(octo_tz_local_to_utc(tz, &tm, out, &gap), 2);
    assert_int_equal(out[0], U(2026, 11, 1, 5, 30, 0));
    assert_int_equal(out[1], U(2026, 11, 1, 6, 30, 0));
    tm.tm_mon = 2;
    tm.tm_mday = 8;
    tm.tm_hour = 2;
    assert_int_equal(octo_tz_local_to_utc(tz, &tm, out, &gap), 0);
    assert_int_equal(gap, U(2026, 3, 8, 7, 0, 0));
    tm.tm_mon = 13; /* Feb of next year */
    tm.tm_mday = 1;
    tm.tm_hour = 12;
    tm.tm_min = 0;
    assert_int_equal(octo_tz_local_to_utc(tz, &tm, out, &gap), 1);
    assert_int_equal(out[0], U(2027, 2, 1, 17, 0, 0));
    octo_tz_free(tz);
}

/* Half-hour DST (Lord Howe) and negative "DST" (Dublin, winter is the
 * daylight-saving-flagged time in tzdata's main form; we check offsets). */
static void test_odd_zones(void **state)
{
    struct octo_tz *tz;
    (void)state;
    NEED_ZONE("Australia/Lord_Howe");

    tz = must_load("Australia/Lord_Howe");
    check_off(tz, U(2026, 4, 4, 14, 59, 59), 39600, 1, "+11");
    check_off(tz, U(2026, 4, 4, 15, 0, 0), 37800, 0, "+1030");
    /* 01:45 local on 2026-04-05 happens at +11 and again at +10:30. */
    check_wall(tz, W(2026, 4, 5, 1, 45, 0), 2, U(2026, 4, 4, 14, 45, 0), U(2026, 4, 4, 15, 15, 0));
    /* 02:15 local on 2026-10-04 does not exist (02:00 -> 02:30). */
    check_wall(tz, W(2026, 10, 4, 2, 15, 0), 0, U(2026, 10, 3, 15, 30, 0), 0);
    octo_tz_free(tz);
}

/* ---- POSIX TZ strings -------------------------------------------------- */

static void test_posix(void **state)
{
    struct octo_tz *tz;
    octo_error err;
    (void)state;

    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_tz_posix("EST5EDT,M3.2.0,M11.1.0", &tz, &err), 0);
    assert_string_equal(octo_tz_name(tz), "EST5EDT,M3.2.0,M11.1.0");
    check_off(tz, U(2026, 3, 8, 6, 59, 59), -18000, 0, "EST");
    check_off(tz, U(2026, 3, 8, 7, 0, 0), -14400, 1, "EDT");
    check_off(tz, U(2026, 11, 1, 6, 0, 0), -18000, 0, "EST");
    check_off(tz, U(1950, 7, 1, 0, 0, 0), -14400, 1, "EDT");
    octo_tz_free(tz);

    /* DST without a rule: the US rules (as tzcode). */
    assert_int_equal(octo_tz_posix("EST5EDT", &tz, &err), 0);
    check_off(tz, U(2026, 3, 8, 7, 0, 0), -14400, 1, "EDT");
    octo_tz_free(tz);

    /* Southern hemisphere, half-hour DST, quoted names. */
    assert_int_equal(octo_tz_posix("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", &tz, &err), 0);
    check_off(tz, U(2026, 1, 1, 0, 0, 0), 39600, 1, "+11");
    check_off(tz, U(2026, 4, 4, 15, 0, 0), 37800, 0, "+1030");
    check_off(tz, U(2026, 10, 3, 15, 30, 0), 39600, 1, "+11");
    octo_tz_free(tz);

    /* Julian forms: J60 is always March 1st; 59 (zero-based) is Feb 29
     * in leap years and March 1st otherwise. Times default to 02:00. */
    assert_int_equal(octo_tz_posix("AAA3BBB,J60,J300/-1", &tz, &err), 0);
    check_off(tz, U(2028, 3, 1, 4, 59, 59), -10800, 0, "AAA");
    check_off(tz, U(2028, 3, 1, 5, 0, 0), -7200, 1, "BBB");
    octo_tz_free(tz);
    assert_int_equal(octo_tz_posix("AAA3BBB,59/0,300/0", &tz, &err), 0);
    check_off(tz, U(2028, 2, 29, 3, 0, 0), -7200, 1, "BBB");
    check_off(tz, U(2027, 3, 1, 2, 59, 59), -10800, 0, "AAA");
    octo_tz_free(tz);

    /* Permanent DST written as a rule: always daylight time. */
    assert_int_equal(octo_tz_posix("EST5EDT,0/0,J365/25", &tz, &err), 0);
    check_off(tz, U(2026, 1, 1, 4, 59, 0), -14400, 1, "EDT");
    check_off(tz, U(2026, 7, 1, 0, 0, 0), -14400, 1, "EDT");
    check_off(tz, U(2026, 12, 31, 23, 0, 0), -14400, 1, "EDT");
    octo_tz_free(tz);

    /* No DST. */
    assert_int_equal(octo_tz_posix("<+0530>-5:30", &tz, &err), 0);
    check_off(tz, U(2026, 7, 1, 0, 0, 0), 19800, 0, "+0530");
    octo_tz_free(tz);

    {
        static const char *const bad[] = {"",
                                          "EST",
                                          "E5",
                                          "EST5EDT,M3.2.0",
                                          "EST5EDT,M13.1.0,M11.1.0",
                                          "EST5EDT,M3.6.0,M11.1.0",
                                          "EST25",
                                          "EST5EDT,J0,J365",
                                          "<+05",
                                          "EST5EDT,M3.2.0,M11.1.0x"};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            memset(&err, 0, sizeof(err));
            tz = NULL;
            if (octo_tz_posix(bad[i], &tz, &err) != OCTO_EINVAL) {
                fail_msg("POSIX TZ \"%s\" accepted", bad[i]);
            }
            assert_null(tz);
            assert_non_null(strstr(err.msg, "invalid POSIX TZ string"));
        }
    }
}

/* ---- synthetic TZif files ---------------------------------------------- */

static char tmpdir[256];

static void put32(FILE *f, uint32_t v)
{
    unsigned char b[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};
    fwrite(b, 1, 4, f);
}

static void put64(FILE *f, int64_t v)
{
    put32(f, (uint32_t)((uint64_t)v >> 32));
    put32(f, (uint32_t)(uint64_t)v);
}

struct ttype {
    int32_t utoff;
    int isdst;
    const char *abbr;
};

/* One data block: time size 4 or 8. */
static void put_block(FILE *f, char version, int tsize, const int64_t *ats,
                      const unsigned char *idx, int n, const struct ttype *types, int ntypes,
                      int leapcnt)
{
    char chars[64];
    size_t clen = 0;
    unsigned char di[8];

    for (int i = 0; i < ntypes; i++) {
        size_t l = strlen(types[i].abbr) + 1;
        di[i] = (unsigned char)clen;
        memcpy(chars + clen, types[i].abbr, l);
        clen += l;
    }
    fwrite("TZif", 1, 4, f);
    fputc(version, f);
    for (int i = 0; i < 15; i++) {
        fputc(0, f);
    }
    put32(f, 0);                 /* isutcnt */
    put32(f, 0);                 /* isstdcnt */
    put32(f, (uint32_t)leapcnt); /* leapcnt */
    put32(f, (uint32_t)n);
    put32(f, (uint32_t)ntypes);
    put32(f, (uint32_t)clen);
    for (int i = 0; i < n; i++) {
        if (tsize == 8) {
            put64(f, ats[i]);
        } else {
            put32(f, (uint32_t)(int32_t)ats[i]);
        }
    }
    if (n > 0) {
        fwrite(idx, 1, (size_t)n, f);
    }
    for (int i = 0; i < ntypes; i++) {
        put32(f, (uint32_t)types[i].utoff);
        fputc(types[i].isdst, f);
        fputc(di[i], f);
    }
    fwrite(chars, 1, clen, f);
    for (int i = 0; i < leapcnt; i++) {
        if (tsize == 8) {
            put64(f, 78796800);
        } else {
            put32(f, 78796800);
        }
        put32(f, 1);
    }
}

static void write_zone(const char *name, char version, const int64_t *ats, const unsigned char *idx,
                       int n, const struct ttype *types, int ntypes, const char *footer,
                       int leapcnt)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    f = fopen(path, "wb");
    assert_non_null(f);
    if (version == 0) {
        put_block(f, 0, 4, ats, idx, n, types, ntypes, leapcnt);
    } else {
        /* Minimal v1 block (allowed by RFC 8536), then the 64-bit one. */
        put_block(f, version, 4, NULL, NULL, 0, types, 1, 0);
        put_block(f, version, 8, ats, idx, n, types, ntypes, leapcnt);
        fprintf(f, "\n%s\n", footer);
    }
    fclose(f);
}

static int setup_tmp(void **state)
{
    char path[512];
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/octo_test_tz.XXXXXX");
    if (mkdtemp(tmpdir) == NULL) {
        return -1;
    }
    snprintf(path, sizeof(path), "%s/Test", tmpdir);
    return mkdir(path, 0700);
}

static int teardown_tmp(void **state)
{
    char cmd[600];
    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_tzif_synthetic(void **state)
{
    static const struct ttype cet[] = {{3600, 0, "CET"}, {7200, 1, "CEST"}};
    struct octo_tz *tz;
    octo_error err;
    (void)state;

    memset(&err, 0, sizeof(err));

    /* Version 1: 32-bit table only, no footer; the last type persists. */
    {
        int64_t ats[] = {(int64_t)U(2000, 3, 26, 1, 0, 0), (int64_t)U(2000, 10, 29, 1, 0, 0),
                         (int64_t)U(2001, 3, 25, 1, 0, 0)};
        unsigned char idx[] = {1, 0, 1};
        write_zone("Test/V1", 0, ats, idx, 3, cet, 2, NULL, 0);
        assert_int_equal(octo_tz_load_dir(tmpdir, "Test/V1", &tz, &err), 0);
        check_off(tz, U(1999, 1, 1, 0, 0, 0), 3600, 0, "CET");
        check_off(tz, U(2000, 7, 1, 0, 0, 0), 7200, 1, "CEST");
        check_off(tz, U(2000, 12, 1, 0, 0, 0), 3600, 0, "CET");
        check_off(tz, U(2030, 12, 1, 0, 0, 0), 7200, 1, "CEST");
        octo_tz_free(tz);
    }
    /* Version 2 "slim": one transition, then the footer rule governs. */
    {
        int64_t ats[] = {(int64_t)U(1996, 10, 27, 1, 0, 0)};
        unsigned char idx[] = {0};
        write_zone("Test/Slim", '2', ats, idx, 1, cet, 2, "CET-1CEST,M3.5.0,M10.5.0/3", 0);
        assert_int_equal(octo_tz_load_dir(tmpdir, "Test/Slim", &tz, &err), 0);
        assert_string_equal(octo_tz_name(tz), "Test/Slim");
        check_off(tz, U(1996, 10, 27, 0, 59, 59), 3600, 0, "CET"); /* type 0 before */
        check_off(tz, U(2026, 3, 29, 0, 59, 59), 3600, 0, "CET");
        check_off(tz, U(2026, 3, 29, 1, 0, 0), 7200, 1, "CEST");
        check_off(tz, U(2026, 10, 25, 1, 0, 0), 3600, 0, "CET");
        check_wall(tz, W(2026, 10, 25, 2, 30, 0), 2, U(2026, 10, 25, 0, 30, 0),
                   U(2026, 10, 25, 1, 30, 0));
        octo_tz_free(tz);
    }
    /* Version 3, no transitions: the footer alone (v3 allows hours > 24
     * in rule times). */
    {
        static const struct ttype ist[] = {{19800, 0, "+0530"}};
        write_zone("Test/Footer", '3', NULL, NULL, 0, ist, 1, "<+0530>-5:30", 0);
        assert_int_equal(octo_tz_load_dir(tmpdir, "Test/Footer", &tz, &err), 0);
        check_off(tz, U(2026, 7, 1, 0, 0, 0), 19800, 0, "+0530");
        octo_tz_free(tz);
        write_zone("Test/V3", '3', NULL, NULL, 0, cet, 2, "AAA3BBB,M3.5.0/-1,M10.5.0/26", 0);
        assert_int_equal(octo_tz_load_dir(tmpdir, "Test/V3", &tz, &err), 0);
        /* 2026-03-29 is the last Sunday of March: -1 = 23:00 the day before. */
        check_off(tz, U(2026, 3, 29, 1, 59, 59), -10800, 0, "AAA");
        check_off(tz, U(2026, 3, 29, 2, 0, 0), -7200, 1, "BBB");
        /* 2026-10-25 + 26h (DST time) = 10-26 02:00 BBB = 04:00Z. */
        check_off(tz, U(2026, 10, 26, 3, 59, 59), -7200, 1, "BBB");
        check_off(tz, U(2026, 10, 26, 4, 0, 0), -10800, 0, "AAA");
        octo_tz_free(tz);
    }
    /* Refused: leap seconds, not TZif, truncated, bad footer. */
    {
        int64_t ats[] = {(int64_t)U(1996, 10, 27, 1, 0, 0)};
        unsigned char idx[] = {0};
        char path[512];
        FILE *f;

        write_zone("Test/Right", '2', ats, idx, 1, cet, 2, "CET-1CEST,M3.5.0,M10.5.0/3", 1);
        memset(&err, 0, sizeof(err));
        assert_int_equal(octo_tz_load_dir(tmpdir, "Test/Right", &tz, &err), OCTO_EIO);
        assert_non_null(strstr(err.msg, "leap-second"));

        write_zone("Test/BadFooter", '2', ats, idx, 1, cet, 2, "CET-1CEST,M3.5", 0);
        memset(&err, 0, sizeof(err));
        assert_int_equal(octo_tz_load_dir(tmpdir, "Test/BadFooter", &tz, &err), OCTO_EIO);
        assert_non_null(strstr(err.msg, "footer"));

        snprintf(path, sizeof(path), "%s/Test/Text", tmpdir);
        f = fopen(path, "w");
        assert_non_null(f);
        fputs("# not a zone\n", f);
        fclose(f);
        memset(&err, 0, sizeof(err));
        assert_int_equal(octo_tz_load_dir(tmpdir, "Test/Text", &tz, &err), OCTO_EIO);
        assert_non_null(strstr(err.msg, "not a TZif file"));

        snprintf(path, sizeof(path), "%s/Test/Slim", tmpdir);
        assert_int_equal(truncate(path, 60), 0);
        memset(&err, 0, sizeof(err));
        assert_int_equal(octo_tz_load_dir(tmpdir, "Test/Slim", &tz, &err), OCTO_EIO);
        assert_non_null(strstr(err.msg, "truncated"));
        assert_null(tz);
    }
}

/* ---- the system's local zone ------------------------------------------- */

static void test_local_zone(void **state)
{
    struct octo_tz *tz = NULL;
    octo_error err;
    char *saved = getenv("TZ") != NULL ? strdup(getenv("TZ")) : NULL;
    (void)state;

    memset(&err, 0, sizeof(err));
    if (have_zone("Europe/Brussels")) {
        setenv("TZ", "Europe/Brussels", 1);
        assert_int_equal(octo_tz_load(NULL, &tz, &err), 0);
        assert_string_equal(octo_tz_name(tz), "Europe/Brussels");
        check_off(tz, U(2026, 7, 1, 0, 0, 0), 7200, 1, "CEST");
        octo_tz_free(tz);
        setenv("TZ", ":Europe/Brussels", 1);
        assert_int_equal(octo_tz_load("", &tz, &err), 0);
        assert_string_equal(octo_tz_name(tz), "Europe/Brussels");
        octo_tz_free(tz);
        setenv("TZ", ":/usr/share/zoneinfo/Europe/Brussels", 1);
        assert_int_equal(octo_tz_load(NULL, &tz, &err), 0);
        assert_string_equal(octo_tz_name(tz), "Europe/Brussels");
        octo_tz_free(tz);
    }
    setenv("TZ", "", 1);
    assert_int_equal(octo_tz_load(NULL, &tz, &err), 0);
    assert_string_equal(octo_tz_name(tz), "UTC");
    octo_tz_free(tz);

    setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
    assert_int_equal(octo_tz_load(NULL, &tz, &err), 0);
    check_off(tz, U(2026, 3, 29, 1, 0, 0), 7200, 1, "CEST");
    octo_tz_free(tz);

    /* glibc would silently use UTC here; we refuse. */
    setenv("TZ", "Nowhere/Land", 1);
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_tz_load(NULL, &tz, &err), OCTO_ENOENT);
    assert_non_null(strstr(err.msg, "TZ=\"Nowhere/Land\""));

    /* No TZ: /etc/localtime (whatever it is here) or UTC. */
    unsetenv("TZ");
    assert_int_equal(octo_tz_load(NULL, &tz, &err), 0);
    assert_non_null(octo_tz_name(tz));
    octo_tz_free(tz);

    if (saved != NULL) {
        setenv("TZ", saved, 1);
        free(saved);
    }
}

/* ---- threads ------------------------------------------------------------ */

struct thr_arg {
    const struct octo_tz *tz;
    int32_t summer, winter;
    int bad;
};

static void *thr_main(void *p)
{
    struct thr_arg *a = p;
    for (int i = 0; i < 20000; i++) {
        int32_t o;
        struct tm tm;
        time_t t = U(2026, 1, 1, 0, 0, 0) + (time_t)i * 1800;
        octo_tz_offset_at(a->tz, U(2040, 7, 1, 0, 0, 0), &o, NULL, NULL);
        if (o != a->summer) {
            a->bad++;
        }
        octo_tz_offset_at(a->tz, U(2040, 1, 1, 0, 0, 0), &o, NULL, NULL);
        if (o != a->winter) {
            a->bad++;
        }
        octo_tz_localtime(a->tz, t, &tm);
        if (tm.tm_gmtoff != a->summer && tm.tm_gmtoff != a->winter) {
            a->bad++;
        }
    }
    return NULL;
}

static void test_threads(void **state)
{
    struct octo_tz *bru, *ny;
    struct thr_arg args[4];
    pthread_t th[4];
    (void)state;
    NEED_ZONE("Europe/Brussels");
    NEED_ZONE("America/New_York");

    bru = must_load("Europe/Brussels");
    ny = must_load("America/New_York");
    for (int i = 0; i < 4; i++) {
        args[i].tz = (i % 2) ? ny : bru;
        args[i].summer = (i % 2) ? -14400 : 7200;
        args[i].winter = (i % 2) ? -18000 : 3600;
        args[i].bad = 0;
        assert_int_equal(pthread_create(&th[i], NULL, thr_main, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(args[i].bad, 0);
    }
    octo_tz_free(bru);
    octo_tz_free(ny);
}

/* ---- calendar ------------------------------------------------------------ */

static void test_civil(void **state)
{
    (void)state;
    assert_int_equal(octo_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(octo_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(octo_days_from_civil(1969, 12, 31), -1);
    assert_int_equal(octo_days_in_month(2028, 2), 29);
    assert_int_equal(octo_days_in_month(2100, 2), 28);
    assert_int_equal(octo_days_in_month(2000, 2), 29);
    for (int64_t d = -800000; d <= 800000; d += 997) {
        int64_t y;
        int m, dd;
        octo_civil_from_days(d, &y, &m, &dd);
        assert_int_equal(octo_days_from_civil(y, m, dd), d);
        assert_int_equal((int64_t)U((int)y, m, dd, 0, 0, 0), d * 86400);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utc),
        cmocka_unit_test(test_unknown_zone),
        cmocka_unit_test(test_bad_names),
        cmocka_unit_test(test_brussels_2026),
        cmocka_unit_test(test_new_york_2026),
        cmocka_unit_test(test_footer_2040),
        cmocka_unit_test(test_period),
        cmocka_unit_test(test_wall_instants),
        cmocka_unit_test(test_local_to_utc),
        cmocka_unit_test(test_odd_zones),
        cmocka_unit_test(test_posix),
        cmocka_unit_test_setup_teardown(test_tzif_synthetic, setup_tmp, teardown_tmp),
        cmocka_unit_test(test_local_zone),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_civil),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
