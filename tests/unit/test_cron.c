/* test_cron.c - cron parsing, validation and next fire times (fixed clocks).
 *
 * Expected instants are UTC calendar values (timegm, independent of TZ).
 * The DST expectations were cross-checked against a brute-force
 * minute-by-minute reference over Python's zoneinfo applying the rules of
 * docs/schedules.md; the README examples of croniter are reproduced verbatim.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cron.h"
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

static const char *iso(time_t t, char *buf, size_t cap)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

static struct octo_tz *zone(const char *name)
{
    struct octo_tz *tz = NULL;
    octo_error err;
    char path[512];

    snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", name);
    if (strcmp(name, "UTC") != 0 && access(path, R_OK) != 0) {
        return NULL;
    }
    memset(&err, 0, sizeof(err));
    if (octo_tz_load(name, &tz, &err) != 0) {
        fail_msg("load %s: %s", name, err.msg);
    }
    return tz;
}

#define ZONE_OR_SKIP(var, name)                                                                    \
    do {                                                                                           \
        var = zone(name);                                                                          \
        if (var == NULL) {                                                                         \
            print_message("zoneinfo %s missing: skipped\n", name);                                 \
            skip();                                                                                \
        }                                                                                          \
    } while (0)

static struct octo_cron *parse_ok(const char *expr)
{
    struct octo_cron *c = NULL;
    octo_error err;
    memset(&err, 0, sizeof(err));
    if (octo_cron_parse(expr, &c, &err) != 0) {
        fail_msg("cron \"%s\" refused: %s", expr, err.msg);
    }
    return c;
}

/* The n fire times after `after`, each from the previous one. */
static void expect_seq_tz(const char *expr, const struct octo_tz *tz, time_t after,
                          const time_t *want, int n)
{
    struct octo_cron *c = parse_ok(expr);
    time_t t = after;
    char a[32], b[32], s[32];

    for (int i = 0; i < n; i++) {
        time_t nx = 0;
        int rc = octo_cron_next(c, tz, t, &nx);
        if (rc != 0) {
            fail_msg("\"%s\" in %s after %s: no next (rc %d), want %s", expr, octo_tz_name(tz),
                     iso(t, s, sizeof(s)), rc, iso(want[i], b, sizeof(b)));
        }
        if (nx != want[i]) {
            fail_msg("\"%s\" in %s, fire #%d after %s: got %s, want %s", expr, octo_tz_name(tz),
                     i + 1, iso(t, s, sizeof(s)), iso(nx, a, sizeof(a)),
                     iso(want[i], b, sizeof(b)));
        }
        t = nx;
    }
    octo_cron_free(c);
}

#define SEQ(expr, tz, after, ...)                                                                  \
    do {                                                                                           \
        const time_t want_[] = {__VA_ARGS__};                                                      \
        expect_seq_tz(expr, tz, after, want_, (int)(sizeof(want_) / sizeof(want_[0])));            \
    } while (0)

static int count_fires(const char *expr, const struct octo_tz *tz, time_t from, time_t to)
{
    struct octo_cron *c = parse_ok(expr);
    time_t t = from - 1;
    int n = 0;
    for (;;) {
        time_t nx;
        if (octo_cron_next(c, tz, t, &nx) != 0 || nx >= to) {
            break;
        }
        n++;
        t = nx;
    }
    octo_cron_free(c);
    return n;
}

/* ---- parse errors -------------------------------------------------------- */

static void expect_error(const char *expr, const char *msg)
{
    struct octo_cron *c = (struct octo_cron *)1;
    octo_error err;
    int rc;

    memset(&err, 0, sizeof(err));
    rc = octo_cron_parse(expr, &c, &err);
    if (rc != OCTO_EINVAL) {
        fail_msg("cron \"%s\" accepted (rc %d)", expr, rc);
    }
    assert_null(c);
    assert_int_equal(err.code, OCTO_EINVAL);
    if (strstr(err.msg, msg) == NULL) {
        fail_msg("cron \"%s\": message \"%s\" lacks \"%s\"", expr, err.msg, msg);
    }
    /* err may be NULL. */
    assert_int_equal(octo_cron_parse(expr, &c, NULL), OCTO_EINVAL);
}

static void test_parse_errors(void **state)
{
    octo_error err;
    struct octo_cron *c;
    (void)state;

    /* The exact sentence. */
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_cron_parse("61 * * * *", &c, &err), OCTO_EINVAL);
    assert_string_equal(err.msg, "cron \"61 * * * *\": minute value 61 out of range 0-59");
    assert_string_equal(err.field, "");

    /* Each field out of range. */
    expect_error("60 * * * *", "minute value 60 out of range 0-59");
    expect_error("* 24 * * *", "hour value 24 out of range 0-23");
    expect_error("* * 0 * *", "day-of-month value 0 out of range 1-31");
    expect_error("* * 32 * *", "day-of-month value 32 out of range 1-31");
    expect_error("* * * 0 *", "month value 0 out of range 1-12");
    expect_error("* * * 13 *", "month value 13 out of range 1-12");
    expect_error("* * * * 8", "day-of-week value 8 out of range 0-7");
    expect_error("* * * * * 60", "second value 60 out of range 0-59");
    expect_error("0-60 * * * *", "minute value 60 out of range 0-59");
    expect_error("* 1-30 * * *", "hour value 30 out of range 0-23");
    expect_error("99999999999 * * * *", "minute value 99999999999 out of range 0-59");
    /* Bad names and non-numbers. */
    expect_error("* * * foo *", "month value \"foo\" is not a number (1-12) or a month name");
    expect_error("* * * january *", "month value \"january\"");
    expect_error("* * * * funday", "day-of-week value \"funday\" is not a number (0-7)");
    expect_error("* * * jan-foo *", "month value \"foo\"");
    expect_error("* jan * * *", "hour value \"jan\" is not a number");
    expect_error("* * * * mon-xyz", "day-of-week value \"xyz\"");
    expect_error("-5 * * * *", "minute value \"-5\" is negative");
    expect_error("a\"b * * * *", "minute value \"a\\\"b\" is not a number");
    /* Bad steps. */
    expect_error("*/0 * * * *", "minute step 0 out of range 1-60");
    expect_error("*/61 * * * *", "minute step 61 out of range 1-60");
    expect_error("* */25 * * *", "hour step 25 out of range 1-24");
    expect_error("*/x * * * *", "minute step \"x\" is not a number");
    expect_error("*/ * * * *", "minute step in \"*/\" is missing");
    expect_error("1/2/3 * * * *", "minute step \"2/3\" is not a number");
    expect_error("/5 * * * *", "minute step needs a range or \"*\" before \"/\"");
    expect_error("* * L/2 * *", "day-of-month \"L\" cannot take a step");
    /* Lists and ranges. */
    expect_error("1,,2 * * * *", "minute field has an empty list element");
    expect_error("1, * * * *", "minute field has an empty list element");
    expect_error("1- * * * *", "minute range \"1-\" is incomplete");
    expect_error("? * * * *", "\"?\" is only allowed alone");
    /* L and #. */
    expect_error("* * * * fri#6", "occurrence 6 out of range 1-5");
    expect_error("* * * * 5#0", "occurrence 0 out of range 1-5");
    expect_error("* * * * 5#x", "occurrence after \"#\" must be a number 1-5");
    expect_error("* * * * *#2", "\"#\" follows a weekday");
    expect_error("* * * * L", "day-of-week \"L\" needs a weekday");
    expect_error("* * * * 5L", "write the last such weekday of the month as \"L5\"");
    /* Empty, field counts, macros. */
    expect_error("", "cron \"\": empty expression");
    expect_error("  \t ", "empty expression");
    expect_error("* * * *", "expected 5 fields (minute hour day-of-month month day-of-week) or 6 "
                            "(with seconds last), got 4");
    expect_error("* * * * * * *", "got 7");
    expect_error("0 0 1 1 * 0 2030", "got 7");
    expect_error("@reboot", "unknown macro \"@reboot\"");
    expect_error("@fortnightly", "unknown macro");
    expect_error("@daily 5", "a macro stands alone");
    /* Never fires: known at parse time. */
    expect_error("0 0 30 2 *",
                 "day-of-month 30 never occurs in February, so the expression never fires");
    expect_error("0 0 31 4,6 *", "day-of-month 31 never occurs in April or June");
    expect_error("0 0 30,31 feb *", "never occurs in February");

    assert_int_equal(octo_cron_parse(NULL, &c, &err), OCTO_EINVAL);
}

static void test_parse_accepts(void **state)
{
    static const char *const ok[] = {
        "* * * * *",
        "0 0 * * *",
        " 0\t0  * * * ",
        "0 0 29 2 *",
        "0 0 31 1-12 *",
        "0 0 30 2 mon",
        "0 0 L 2 *",
        "0 0 * 2 1#5",
        "0 0 ? * mon",
        "0 0 1 * ?",
        "0-59/7 */3 */4 */5 */2",
        "0 0 * * 0-7",
        "0 0 * * sun-sat",
        "@DAILY",
        "  @hourly  ",
        "0 0 15-L * *",
        "0 0 * * Lsun,2#1",
        "0 0 1 JAN-DEC/3 *",
        "5 4 * * * 30",
        "0 22-2 * * *",
    };
    (void)state;
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        octo_cron_free(parse_ok(ok[i]));
    }
}

static void test_flags(void **state)
{
    struct octo_cron *c;
    (void)state;

    c = parse_ok("0 0 * * *");
    assert_int_equal(octo_cron_has_seconds(c), 0);
    assert_int_equal(octo_cron_is_wildcard(c), 0);
    octo_cron_free(c);
    c = parse_ok("0 0 * * * 30");
    assert_int_equal(octo_cron_has_seconds(c), 1);
    octo_cron_free(c);
    c = parse_ok("*/15 * * * *");
    assert_int_equal(octo_cron_is_wildcard(c), 1);
    octo_cron_free(c);
    c = parse_ok("@hourly");
    assert_int_equal(octo_cron_is_wildcard(c), 1);
    octo_cron_free(c);
    c = parse_ok("0 1-3 * * *");
    assert_int_equal(octo_cron_is_wildcard(c), 0);
    octo_cron_free(c);
    c = parse_ok("30 2 * * * */10");
    assert_int_equal(octo_cron_is_wildcard(c), 1);
    octo_cron_free(c);
}

/* ---- syntax ------------------------------------------------------------- */

static void test_macros(void **state)
{
    time_t base = U(2026, 5, 13, 10, 20, 30); /* a Wednesday */
    (void)state;

    SEQ("@hourly", NULL, base, U(2026, 5, 13, 11, 0, 0), U(2026, 5, 13, 12, 0, 0));
    SEQ("@daily", NULL, base, U(2026, 5, 14, 0, 0, 0), U(2026, 5, 15, 0, 0, 0));
    SEQ("@midnight", NULL, base, U(2026, 5, 14, 0, 0, 0));
    SEQ("@weekly", NULL, base, U(2026, 5, 17, 0, 0, 0), U(2026, 5, 24, 0, 0, 0));
    SEQ("@monthly", NULL, base, U(2026, 6, 1, 0, 0, 0), U(2026, 7, 1, 0, 0, 0));
    SEQ("@yearly", NULL, base, U(2027, 1, 1, 0, 0, 0), U(2028, 1, 1, 0, 0, 0));
    SEQ("@annually", NULL, base, U(2027, 1, 1, 0, 0, 0));
    SEQ("@Daily", NULL, base, U(2026, 5, 14, 0, 0, 0));
}

static void test_names(void **state)
{
    time_t base = U(2026, 1, 15, 12, 0, 0); /* a Thursday */
    (void)state;

    SEQ("0 0 1 JAN-MAR *", NULL, base, U(2026, 2, 1, 0, 0, 0), U(2026, 3, 1, 0, 0, 0),
        U(2027, 1, 1, 0, 0, 0));
    SEQ("0 0 1 jan,Jul *", NULL, base, U(2026, 7, 1, 0, 0, 0), U(2027, 1, 1, 0, 0, 0));
    SEQ("0 9 * * mon-fri", NULL, base, U(2026, 1, 16, 9, 0, 0), U(2026, 1, 19, 9, 0, 0),
        U(2026, 1, 20, 9, 0, 0));
    SEQ("0 9 * * MON-FRI", NULL, base, U(2026, 1, 16, 9, 0, 0), U(2026, 1, 19, 9, 0, 0));
    /* Sunday is SUN, 0 and 7. */
    SEQ("0 0 * * SUN", NULL, base, U(2026, 1, 18, 0, 0, 0), U(2026, 1, 25, 0, 0, 0));
    SEQ("0 0 * * 0", NULL, base, U(2026, 1, 18, 0, 0, 0), U(2026, 1, 25, 0, 0, 0));
    SEQ("0 0 * * 7", NULL, base, U(2026, 1, 18, 0, 0, 0), U(2026, 1, 25, 0, 0, 0));
    /* Ranges through Sunday. */
    SEQ("0 0 * * 5-7", NULL, base, U(2026, 1, 16, 0, 0, 0), U(2026, 1, 17, 0, 0, 0),
        U(2026, 1, 18, 0, 0, 0), U(2026, 1, 23, 0, 0, 0));
    SEQ("0 0 * * sat-sun", NULL, base, U(2026, 1, 17, 0, 0, 0), U(2026, 1, 18, 0, 0, 0),
        U(2026, 1, 24, 0, 0, 0));
    SEQ("0 0 * * fri-mon", NULL, base, U(2026, 1, 16, 0, 0, 0), U(2026, 1, 17, 0, 0, 0),
        U(2026, 1, 18, 0, 0, 0), U(2026, 1, 19, 0, 0, 0), U(2026, 1, 23, 0, 0, 0));
    SEQ("0 0 * * 0-7", NULL, base, U(2026, 1, 16, 0, 0, 0), U(2026, 1, 17, 0, 0, 0));
    SEQ("0 0 1 nov-feb *", NULL, base, U(2026, 2, 1, 0, 0, 0), U(2026, 11, 1, 0, 0, 0));
}

static void test_steps_ranges_lists(void **state)
{
    time_t base = U(2026, 4, 6, 13, 0, 0);
    (void)state;

    SEQ("*/15 * * * *", NULL, base, U(2026, 4, 6, 13, 15, 0), U(2026, 4, 6, 13, 30, 0),
        U(2026, 4, 6, 13, 45, 0), U(2026, 4, 6, 14, 0, 0));
    SEQ("10-50/20 * * * *", NULL, base, U(2026, 4, 6, 13, 10, 0), U(2026, 4, 6, 13, 30, 0),
        U(2026, 4, 6, 13, 50, 0), U(2026, 4, 6, 14, 10, 0));
    SEQ("1,15,30 * * * *", NULL, base, U(2026, 4, 6, 13, 1, 0), U(2026, 4, 6, 13, 15, 0),
        U(2026, 4, 6, 13, 30, 0), U(2026, 4, 6, 14, 1, 0));
    SEQ("5/20 * * * *", NULL, base, U(2026, 4, 6, 13, 5, 0), U(2026, 4, 6, 13, 25, 0),
        U(2026, 4, 6, 13, 45, 0), U(2026, 4, 6, 14, 5, 0));
    SEQ("0 */6 * * *", NULL, base, U(2026, 4, 6, 18, 0, 0), U(2026, 4, 7, 0, 0, 0));
    SEQ("0 0 */10 * *", NULL, base, U(2026, 4, 11, 0, 0, 0), U(2026, 4, 21, 0, 0, 0),
        U(2026, 5, 1, 0, 0, 0));
    SEQ("0 12 * */4 *", NULL, base, U(2026, 5, 1, 12, 0, 0), U(2026, 5, 2, 12, 0, 0));
    SEQ("0 0 1 */4 *", NULL, base, U(2026, 5, 1, 0, 0, 0), U(2026, 9, 1, 0, 0, 0),
        U(2027, 1, 1, 0, 0, 0));
    SEQ("0,30 8-9 * * *", NULL, base, U(2026, 4, 7, 8, 0, 0), U(2026, 4, 7, 8, 30, 0),
        U(2026, 4, 7, 9, 0, 0), U(2026, 4, 7, 9, 30, 0), U(2026, 4, 8, 8, 0, 0));
    /* Wrapping ranges (as croniter): 22-2 = 22,23,0,1,2. */
    SEQ("0 22-2 * * *", NULL, base, U(2026, 4, 6, 22, 0, 0), U(2026, 4, 6, 23, 0, 0),
        U(2026, 4, 7, 0, 0, 0), U(2026, 4, 7, 1, 0, 0), U(2026, 4, 7, 2, 0, 0),
        U(2026, 4, 7, 22, 0, 0));
    SEQ("0 22-2/2 * * *", NULL, base, U(2026, 4, 6, 22, 0, 0), U(2026, 4, 7, 0, 0, 0),
        U(2026, 4, 7, 2, 0, 0), U(2026, 4, 7, 22, 0, 0));
    /* A single-value range is that value (croniter reads 5-5 as "all"). */
    SEQ("5-5 * * * *", NULL, base, U(2026, 4, 6, 13, 5, 0), U(2026, 4, 6, 14, 5, 0));
}

static void test_day_or(void **state)
{
    time_t base = U(2010, 1, 25, 4, 46, 0);
    (void)state;

    /* croniter's README: 04:02 on every Wednesday OR on the 1st. */
    SEQ("2 4 1 * wed", NULL, base, U(2010, 1, 27, 4, 2, 0), U(2010, 2, 1, 4, 2, 0),
        U(2010, 2, 3, 4, 2, 0));
    /* Only one day field restricted: that one alone. */
    SEQ("0 0 13 * *", NULL, U(2026, 2, 1, 0, 0, 0), U(2026, 2, 13, 0, 0, 0),
        U(2026, 3, 13, 0, 0, 0));
    SEQ("0 0 * * fri", NULL, U(2026, 2, 1, 0, 0, 0), U(2026, 2, 6, 0, 0, 0),
        U(2026, 2, 13, 0, 0, 0));
    /* Both: the 13th OR any Friday. */
    SEQ("0 0 13 * fri", NULL, U(2026, 2, 1, 0, 0, 0), U(2026, 2, 6, 0, 0, 0),
        U(2026, 2, 13, 0, 0, 0), U(2026, 2, 20, 0, 0, 0), U(2026, 2, 27, 0, 0, 0),
        U(2026, 3, 6, 0, 0, 0), U(2026, 3, 13, 0, 0, 0));
    /* "?" is "*". */
    SEQ("0 0 ? * fri", NULL, U(2026, 2, 1, 0, 0, 0), U(2026, 2, 6, 0, 0, 0),
        U(2026, 2, 13, 0, 0, 0), U(2026, 2, 20, 0, 0, 0));
    /* croniter: a day-of-month listing every day counts as "*" when the
     * day-of-week field contains a "*": Sun, Tue, Thu, Sat only. */
    SEQ("0 0 1-31 * */2", NULL, U(2026, 2, 1, 12, 0, 0), U(2026, 2, 3, 0, 0, 0),
        U(2026, 2, 5, 0, 0, 0), U(2026, 2, 7, 0, 0, 0), U(2026, 2, 8, 0, 0, 0));
    /* ... but without a "*" it is an OR with every day. */
    SEQ("0 0 1-31 * 1", NULL, U(2026, 2, 1, 12, 0, 0), U(2026, 2, 2, 0, 0, 0),
        U(2026, 2, 3, 0, 0, 0));
}

static void test_last_and_nth(void **state)
{
    time_t base = U(2010, 1, 25, 4, 46, 0);
    (void)state;

    /* croniter's README examples. */
    SEQ("0 0 * * sat#1,sun#2", NULL, base, U(2010, 2, 6, 0, 0, 0), U(2010, 2, 14, 0, 0, 0));
    SEQ("0 0 * * 5#3,L5", NULL, base, U(2010, 1, 29, 0, 0, 0), U(2010, 2, 19, 0, 0, 0),
        U(2010, 2, 26, 0, 0, 0));
    /* Last day of the month, leap years included. */
    SEQ("0 0 L * *", NULL, U(2027, 12, 31, 12, 0, 0), U(2028, 1, 31, 0, 0, 0),
        U(2028, 2, 29, 0, 0, 0), U(2028, 3, 31, 0, 0, 0), U(2028, 4, 30, 0, 0, 0));
    SEQ("0 0 L 2 *", NULL, U(2026, 1, 1, 0, 0, 0), U(2026, 2, 28, 0, 0, 0), U(2027, 2, 28, 0, 0, 0),
        U(2028, 2, 29, 0, 0, 0));
    SEQ("0 0 15,L * *", NULL, U(2026, 2, 1, 0, 0, 0), U(2026, 2, 15, 0, 0, 0),
        U(2026, 2, 28, 0, 0, 0), U(2026, 3, 15, 0, 0, 0));
    SEQ("0 0 25-L 2 *", NULL, U(2026, 2, 27, 0, 0, 0), U(2026, 2, 28, 0, 0, 0),
        U(2027, 2, 25, 0, 0, 0));
    /* Last Sunday, by name and number; last Friday of each month. */
    SEQ("0 0 * * Lsun", NULL, U(2026, 3, 1, 0, 0, 0), U(2026, 3, 29, 0, 0, 0),
        U(2026, 4, 26, 0, 0, 0));
    SEQ("0 0 * * L0", NULL, U(2026, 3, 1, 0, 0, 0), U(2026, 3, 29, 0, 0, 0));
    SEQ("0 0 * * L7", NULL, U(2026, 3, 1, 0, 0, 0), U(2026, 3, 29, 0, 0, 0));
    /* n-th weekday: 2nd Tuesday; a range with #. */
    SEQ("0 0 * * tue#2", NULL, U(2026, 1, 1, 0, 0, 0), U(2026, 1, 13, 0, 0, 0),
        U(2026, 2, 10, 0, 0, 0));
    SEQ("0 0 * * mon-wed#1", NULL, U(2026, 1, 1, 0, 0, 0), U(2026, 1, 5, 0, 0, 0),
        U(2026, 1, 6, 0, 0, 0), U(2026, 1, 7, 0, 0, 0), U(2026, 2, 2, 0, 0, 0));
    /* A 5th Monday of February needs a leap year starting Feb on Monday. */
    SEQ("0 0 * 2 1#5", NULL, U(2000, 1, 1, 0, 0, 0), U(2016, 2, 29, 0, 0, 0),
        U(2044, 2, 29, 0, 0, 0));
    /* L with the OR rule: the last day OR Mondays. */
    SEQ("0 0 L * mon", NULL, U(2026, 1, 27, 0, 0, 0), U(2026, 1, 31, 0, 0, 0),
        U(2026, 2, 2, 0, 0, 0));
}

static void test_seconds(void **state)
{
    (void)state;
    /* croniter's README: seconds are the sixth field. */
    SEQ("* * * * * 15,25", NULL, U(2012, 4, 6, 13, 26, 10), U(2012, 4, 6, 13, 26, 15),
        U(2012, 4, 6, 13, 26, 25), U(2012, 4, 6, 13, 27, 15));
    SEQ("* * * * * */20", NULL, U(2026, 1, 1, 0, 0, 0), U(2026, 1, 1, 0, 0, 20),
        U(2026, 1, 1, 0, 0, 40), U(2026, 1, 1, 0, 1, 0));
    SEQ("* * * * * *", NULL, U(2026, 1, 1, 0, 0, 59), U(2026, 1, 1, 0, 1, 0),
        U(2026, 1, 1, 0, 1, 1));
    SEQ("0 12 * * * 30", NULL, U(2026, 1, 1, 12, 0, 30), U(2026, 1, 2, 12, 0, 30));
    /* Five fields fire at second 0, strictly after `after`. */
    SEQ("* * * * *", NULL, U(2026, 1, 1, 0, 0, 0), U(2026, 1, 1, 0, 1, 0));
    SEQ("* * * * *", NULL, U(2026, 1, 1, 0, 0, 59), U(2026, 1, 1, 0, 1, 0));
    SEQ("* * * * *", NULL, U(2026, 1, 1, 0, 0, 1), U(2026, 1, 1, 0, 1, 0));
}

static void test_leap_years(void **state)
{
    (void)state;
    SEQ("0 0 29 2 *", NULL, U(2026, 1, 1, 0, 0, 0), U(2028, 2, 29, 0, 0, 0),
        U(2032, 2, 29, 0, 0, 0));
    /* 2100 is not a leap year. */
    SEQ("0 0 29 2 *", NULL, U(2096, 3, 1, 0, 0, 0), U(2104, 2, 29, 0, 0, 0));
    SEQ("0 0 29 2 *", NULL, U(1999, 3, 1, 0, 0, 0), U(2000, 2, 29, 0, 0, 0));
}

static void test_rollover(void **state)
{
    (void)state;
    SEQ("0 0 1 1 *", NULL, U(2026, 12, 31, 23, 59, 59), U(2027, 1, 1, 0, 0, 0));
    SEQ("59 23 31 12 *", NULL, U(2026, 12, 31, 23, 59, 0), U(2027, 12, 31, 23, 59, 0));
    SEQ("* * * * *", NULL, U(2026, 12, 31, 23, 59, 30), U(2027, 1, 1, 0, 0, 0));
    SEQ("0 0 * * *", NULL, U(2026, 2, 28, 12, 0, 0), U(2026, 3, 1, 0, 0, 0));
    SEQ("0 0 31 * *", NULL, U(2026, 1, 31, 0, 0, 0), U(2026, 3, 31, 0, 0, 0),
        U(2026, 5, 31, 0, 0, 0), U(2026, 7, 31, 0, 0, 0), U(2026, 8, 31, 0, 0, 0));
    SEQ("30 23 * * *", NULL, U(2026, 4, 30, 23, 30, 0), U(2026, 5, 1, 23, 30, 0));
    /* Before 1970 too. */
    SEQ("0 0 1 1 *", NULL, U(1960, 6, 1, 0, 0, 0), U(1961, 1, 1, 0, 0, 0));
}

static void test_utc_zone(void **state)
{
    struct octo_tz *utc;
    (void)state;
    ZONE_OR_SKIP(utc, "UTC");
    SEQ("30 2 * * *", utc, U(2026, 3, 28, 2, 30, 0), U(2026, 3, 29, 2, 30, 0),
        U(2026, 3, 30, 2, 30, 0));
    SEQ("30 2 * * *", NULL, U(2026, 3, 28, 2, 30, 0), U(2026, 3, 29, 2, 30, 0));
    octo_tz_free(utc);
}

static void test_end_of_time(void **state)
{
    struct octo_cron *c = parse_ok("0 0 * * *");
    time_t nx = 0;
    (void)state;
    assert_int_equal(octo_cron_next(c, NULL, (time_t)1 << 56, &nx), OCTO_ENOENT);
    octo_cron_free(c);
}

/* ---- DST: Europe/Brussels, 2026-03-29 02:00 CET -> 03:00 CEST (01:00Z) and
 * 2026-10-25 03:00 CEST -> 02:00 CET (01:00Z). --------------------------- */

static void test_dst_brussels_spring(void **state)
{
    struct octo_tz *tz;
    (void)state;
    ZONE_OR_SKIP(tz, "Europe/Brussels");

    /* Daily 02:30: 02:30 does not exist on the 29th -> runs once at 03:00. */
    SEQ("30 2 * * *", tz, U(2026, 3, 28, 1, 30, 0), U(2026, 3, 29, 1, 0, 0),
        U(2026, 3, 30, 0, 30, 0), U(2026, 3, 31, 0, 30, 0));
    SEQ("0 2 * * *", tz, U(2026, 3, 28, 12, 0, 0), U(2026, 3, 29, 1, 0, 0),
        U(2026, 3, 30, 0, 0, 0));
    /* Two skipped times and a real 03:00 still make one run. */
    SEQ("0,30 2,3 * * *", tz, U(2026, 3, 28, 23, 0, 0), U(2026, 3, 29, 1, 0, 0),
        U(2026, 3, 29, 1, 30, 0), U(2026, 3, 30, 0, 0, 0));
    /* Hourly: 01:00 CET then 03:00 CEST (one real hour apart). */
    SEQ("0 * * * *", tz, U(2026, 3, 28, 23, 30, 0), U(2026, 3, 29, 0, 0, 0),
        U(2026, 3, 29, 1, 0, 0), U(2026, 3, 29, 2, 0, 0));
    SEQ("*/30 * * * *", tz, U(2026, 3, 28, 23, 45, 0), U(2026, 3, 29, 0, 0, 0),
        U(2026, 3, 29, 0, 30, 0), U(2026, 3, 29, 1, 0, 0), U(2026, 3, 29, 1, 30, 0));
    /* Wildcard minute in the missing hour: nothing that day. */
    SEQ("* 2 * * *", tz, U(2026, 3, 28, 23, 0, 0), U(2026, 3, 30, 0, 0, 0));
    /* 01:30 is before the gap: ordinary. */
    SEQ("30 1 * * *", tz, U(2026, 3, 28, 12, 0, 0), U(2026, 3, 29, 0, 30, 0),
        U(2026, 3, 29, 23, 30, 0));
    /* Seconds field, fixed: the gap rule applies too. */
    SEQ("30 2 * * * 15", tz, U(2026, 3, 28, 12, 0, 0), U(2026, 3, 29, 1, 0, 0),
        U(2026, 3, 30, 0, 30, 15));
    octo_tz_free(tz);
}

static void test_dst_brussels_fall(void **state)
{
    struct octo_tz *tz;
    (void)state;
    ZONE_OR_SKIP(tz, "Europe/Brussels");

    /* Daily 02:30: runs on the first pass (CEST) only. */
    SEQ("30 2 * * *", tz, U(2026, 10, 24, 0, 30, 0), U(2026, 10, 25, 0, 30, 0),
        U(2026, 10, 26, 1, 30, 0));
    /* Started during the second pass: the first one is past, nothing more
     * that day. */
    SEQ("30 2 * * *", tz, U(2026, 10, 25, 1, 0, 0), U(2026, 10, 26, 1, 30, 0));
    SEQ("0 2 * * *", tz, U(2026, 10, 24, 12, 0, 0), U(2026, 10, 25, 0, 0, 0),
        U(2026, 10, 26, 1, 0, 0));
    /* Hourly and every 30 minutes: both passes. */
    SEQ("0 * * * *", tz, U(2026, 10, 24, 23, 30, 0), U(2026, 10, 25, 0, 0, 0),
        U(2026, 10, 25, 1, 0, 0), U(2026, 10, 25, 2, 0, 0));
    SEQ("*/30 * * * *", tz, U(2026, 10, 24, 23, 45, 0), U(2026, 10, 25, 0, 0, 0),
        U(2026, 10, 25, 0, 30, 0), U(2026, 10, 25, 1, 0, 0), U(2026, 10, 25, 1, 30, 0),
        U(2026, 10, 25, 2, 0, 0));
    /* Every minute of 02:xx: 120 runs (cronie: wildcard jobs keep running). */
    assert_int_equal(
        count_fires("* 2 * * *", tz, U(2026, 10, 24, 12, 0, 0), U(2026, 10, 25, 12, 0, 0)), 120);
    assert_int_equal(
        count_fires("*/15 * * * *", tz, U(2026, 10, 24, 22, 0, 0), U(2026, 10, 25, 23, 0, 0)),
        25 * 4);
    /* 01:30 on fall-back day is not repeated in Brussels: once. */
    SEQ("30 1 * * *", tz, U(2026, 10, 24, 12, 0, 0), U(2026, 10, 24, 23, 30, 0),
        U(2026, 10, 26, 0, 30, 0));
    octo_tz_free(tz);
}

/* ---- DST: America/New_York, 2026-03-08 02:00 EST -> 03:00 EDT (07:00Z)
 * and 2026-11-01 02:00 EDT -> 01:00 EST (06:00Z). ----------------------- */

static void test_dst_new_york(void **state)
{
    struct octo_tz *tz;
    (void)state;
    ZONE_OR_SKIP(tz, "America/New_York");

    /* Spring. */
    SEQ("30 2 * * *", tz, U(2026, 3, 7, 7, 30, 0), U(2026, 3, 8, 7, 0, 0), U(2026, 3, 9, 6, 30, 0));
    SEQ("0 * * * *", tz, U(2026, 3, 8, 5, 30, 0), U(2026, 3, 8, 6, 0, 0), U(2026, 3, 8, 7, 0, 0),
        U(2026, 3, 8, 8, 0, 0));
    SEQ("*/30 * * * *", tz, U(2026, 3, 8, 6, 0, 0), U(2026, 3, 8, 6, 30, 0), U(2026, 3, 8, 7, 0, 0),
        U(2026, 3, 8, 7, 30, 0));
    assert_int_equal(
        count_fires("*/15 * * * *", tz, U(2026, 3, 8, 5, 0, 0), U(2026, 3, 9, 5, 0, 0)), 24 * 4);

    /* Fall: 01:00-01:59 happens twice. The 01:30 job runs once, at 01:30
     * EDT. */
    SEQ("30 1 * * *", tz, U(2026, 10, 31, 5, 30, 0), U(2026, 11, 1, 5, 30, 0),
        U(2026, 11, 2, 6, 30, 0));
    SEQ("30 1 * * *", tz, U(2026, 11, 1, 6, 10, 0), U(2026, 11, 2, 6, 30, 0));
    SEQ("30 2 * * *", tz, U(2026, 10, 31, 6, 30, 0), U(2026, 11, 1, 7, 30, 0),
        U(2026, 11, 2, 7, 30, 0));
    SEQ("0 * * * *", tz, U(2026, 11, 1, 4, 30, 0), U(2026, 11, 1, 5, 0, 0), U(2026, 11, 1, 6, 0, 0),
        U(2026, 11, 1, 7, 0, 0));
    SEQ("*/30 * * * *", tz, U(2026, 11, 1, 4, 45, 0), U(2026, 11, 1, 5, 0, 0),
        U(2026, 11, 1, 5, 30, 0), U(2026, 11, 1, 6, 0, 0), U(2026, 11, 1, 6, 30, 0),
        U(2026, 11, 1, 7, 0, 0));
    assert_int_equal(
        count_fires("*/15 * * * *", tz, U(2026, 11, 1, 4, 0, 0), U(2026, 11, 2, 5, 0, 0)), 25 * 4);
    assert_int_equal(
        count_fires("0 0-3 * * *", tz, U(2026, 11, 1, 4, 0, 0), U(2026, 11, 1, 12, 0, 0)), 4);
    octo_tz_free(tz);
}

/* Years after the last transition of the table: the TZif footer rule. */
static void test_dst_footer_2040(void **state)
{
    struct octo_tz *bru, *ny;
    (void)state;
    ZONE_OR_SKIP(bru, "Europe/Brussels");
    ZONE_OR_SKIP(ny, "America/New_York");

    SEQ("30 2 * * *", bru, U(2040, 3, 24, 1, 30, 0), U(2040, 3, 25, 1, 0, 0),
        U(2040, 3, 26, 0, 30, 0));
    SEQ("30 2 * * *", bru, U(2040, 10, 27, 0, 30, 0), U(2040, 10, 28, 0, 30, 0),
        U(2040, 10, 29, 1, 30, 0));
    SEQ("30 1 * * *", ny, U(2040, 11, 3, 5, 30, 0), U(2040, 11, 4, 5, 30, 0),
        U(2040, 11, 5, 6, 30, 0));
    SEQ("0 * * * *", ny, U(2040, 11, 4, 4, 30, 0), U(2040, 11, 4, 5, 0, 0), U(2040, 11, 4, 6, 0, 0),
        U(2040, 11, 4, 7, 0, 0));
    octo_tz_free(bru);
    octo_tz_free(ny);
}

/* Half-hour DST: Lord Howe, 2026-10-04 02:00 -> 02:30 (+10:30 -> +11) and
 * 2026-04-05 02:00 -> 01:30 (+11 -> +10:30). */
static void test_dst_lord_howe(void **state)
{
    struct octo_tz *tz;
    (void)state;
    ZONE_OR_SKIP(tz, "Australia/Lord_Howe");

    SEQ("15 2 * * *", tz, U(2026, 10, 3, 12, 0, 0), U(2026, 10, 3, 15, 30, 0),
        U(2026, 10, 4, 15, 15, 0));
    SEQ("*/15 * * * *", tz, U(2026, 10, 3, 15, 15, 0), U(2026, 10, 3, 15, 30, 0),
        U(2026, 10, 3, 15, 45, 0));
    SEQ("45 1 * * *", tz, U(2026, 4, 4, 12, 0, 0), U(2026, 4, 4, 14, 45, 0),
        U(2026, 4, 5, 15, 15, 0));
    octo_tz_free(tz);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_parse_accepts),
        cmocka_unit_test(test_flags),
        cmocka_unit_test(test_macros),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_steps_ranges_lists),
        cmocka_unit_test(test_day_or),
        cmocka_unit_test(test_last_and_nth),
        cmocka_unit_test(test_seconds),
        cmocka_unit_test(test_leap_years),
        cmocka_unit_test(test_rollover),
        cmocka_unit_test(test_utc_zone),
        cmocka_unit_test(test_end_of_time),
        cmocka_unit_test(test_dst_brussels_spring),
        cmocka_unit_test(test_dst_brussels_fall),
        cmocka_unit_test(test_dst_new_york),
        cmocka_unit_test(test_dst_footer_2040),
        cmocka_unit_test(test_dst_lord_howe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
