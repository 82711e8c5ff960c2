/* test_timeout_check.c - timeout_check.h: durations in seconds from JSON,
 * text and doubles are finite, > 0 and at most one year, with a message
 * that names the field and the value (issue 9). */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "timeout_check.h"

/* check() of the double v must fail with exactly msg. */
static void refused(double v, const char *msg)
{
    octo_error err;

    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_timeout_check("timeout_seconds", v, &err), OCTO_EINVAL);
    assert_int_equal(err.code, OCTO_EINVAL);
    assert_string_equal(err.field, "timeout_seconds");
    assert_string_equal(err.msg, msg);
}

#define RANGE                                                                                      \
    "timeout_seconds must be a number of seconds greater than 0 and at most 31536000 "             \
    "(one year), not "

static void test_timeout_check_range(void **state)
{
    octo_error err;

    (void)state;
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_timeout_check("timeout_seconds", 0.5, &err), OCTO_OK);
    assert_int_equal(octo_timeout_check("timeout_seconds", 1e-3, &err), OCTO_OK);
    assert_int_equal(octo_timeout_check("timeout_seconds", 600, &err), OCTO_OK);
    assert_int_equal(octo_timeout_check("timeout_seconds", 31536000, &err), OCTO_OK);
    assert_int_equal(err.code, 0); /* untouched on success */
    refused(NAN, RANGE "nan");
    refused(INFINITY, RANGE "inf");
    refused(-INFINITY, RANGE "-inf");
    refused(1e19, RANGE "1e+19");
    refused(31536000.5, RANGE "31536000.5");
    refused(-1, RANGE "-1");
    refused(0, RANGE "0");
    refused(-0.0, RANGE "-0");
}

static void test_timeout_from_json(void **state)
{
    static const char *const bad[][2] = {
        {"\"10\"", "text"},
        {"true", "a boolean"},
        {"null", "null"},
        {"[1]", "a list"},
        {"{}", "a mapping"},
        {"0", "0"},
        {"-5", "-5"},
        {"1e19", "1e+19"},
        {"31536001", "31536001"},
        {"9223372036854775807", "9.2233720368547758e+18"},
    };
    octo_error err;
    double out = -1;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *v = json_loads(bad[i][0], JSON_DECODE_ANY, NULL);
        char msg[256];

        assert_non_null(v);
        memset(&err, 0, sizeof(err));
        assert_int_equal(octo_timeout_from_json("timeout_seconds", v, &out, &err), OCTO_EINVAL);
        snprintf(msg, sizeof(msg), RANGE "%s", bad[i][1]);
        assert_string_equal(err.msg, msg);
        assert_true(out == -1); /* left alone */
        json_decref(v);
    }
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_timeout_from_json("timeout_seconds", NULL, &out, &err), OCTO_EINVAL);
    assert_string_equal(err.msg, RANGE "nothing");
    {
        json_t *v = json_real(0.25);

        assert_int_equal(octo_timeout_from_json("timeout_seconds", v, &out, &err), OCTO_OK);
        assert_true(out == 0.25);
        json_decref(v);
        v = json_integer(30);
        assert_int_equal(octo_timeout_from_json("timeout_seconds", v, &out, &err), OCTO_OK);
        assert_true(out == 30);
        json_decref(v);
    }
}

static void test_timeout_from_text(void **state)
{
    static const char *const bad[] = {"",    "abc",  "5s",   " 5",    "0x10",    "nan",
                                      "inf", "-inf", "1e19", "1e999", "-1",      "0",
                                      "0.0", "+",    ".",    "1e",    "31536001"};
    octo_error err;
    double out = -1;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&err, 0, sizeof(err));
        if (octo_timeout_from_text("--timeout", bad[i], &out, &err) != OCTO_EINVAL) {
            fail_msg("\"%s\" was accepted", bad[i]);
        }
        assert_string_equal(err.field, "--timeout");
        octo_test_assert_contains(err.msg, "--timeout must be a number of seconds greater than 0");
        assert_true(out == -1);
    }
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_timeout_from_text("--timeout", "5s", &out, &err), OCTO_EINVAL);
    assert_string_equal(err.msg, "--timeout must be a number of seconds greater than 0 and at "
                                 "most 31536000 (one year), not \"5s\"");
    assert_int_equal(octo_timeout_from_text("--timeout", "1e999", &out, &err), OCTO_EINVAL);
    octo_test_assert_contains(err.msg, "not inf");
    assert_int_equal(octo_timeout_from_text("--timeout", "0.5", &out, &err), OCTO_OK);
    assert_true(out == 0.5);
    assert_int_equal(octo_timeout_from_text("--timeout", "1e3", &out, &err), OCTO_OK);
    assert_true(out == 1000);
    assert_int_equal(octo_timeout_from_text("--timeout", ".25", &out, &err), OCTO_OK);
    assert_true(out == 0.25);
    assert_int_equal(octo_timeout_from_text("--timeout", "31536000", &out, &err), OCTO_OK);
    assert_int_equal(octo_timeout_from_text("--timeout", NULL, &out, &err), OCTO_EINVAL);
}

static void test_interval_from_json(void **state)
{
    static const char *const bad[][2] = {
        {"0", "0"},
        {"-1", "-1"},
        {"31536001", "31536001"},
        {"1.5", "1.5"},
        {"60.0", "60"},
        {"\"60\"", "text"},
        {"true", "a boolean"},
        {"null", "null"},
        {"9223372036854775807", "9223372036854775807"},
        {"1e19", "1e+19"},
    };
    octo_error err;
    long out = -7;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *v = json_loads(bad[i][0], JSON_DECODE_ANY, NULL);
        char msg[256];

        assert_non_null(v);
        memset(&err, 0, sizeof(err));
        assert_int_equal(octo_interval_from_json("every_seconds", v, &out, &err), OCTO_EINVAL);
        snprintf(msg, sizeof(msg),
                 "every_seconds must be a whole number of seconds from 1 to 31536000 (one year), "
                 "not %s",
                 bad[i][1]);
        assert_string_equal(err.msg, msg);
        assert_int_equal(out, -7);
        json_decref(v);
    }
    {
        json_t *v = json_integer(1);

        assert_int_equal(octo_interval_from_json("every_seconds", v, &out, &err), OCTO_OK);
        assert_int_equal(out, 1);
        json_decref(v);
        v = json_integer(31536000);
        assert_int_equal(octo_interval_from_json("every_seconds", v, &out, &err), OCTO_OK);
        assert_int_equal(out, 31536000);
        json_decref(v);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timeout_check_range),
        cmocka_unit_test(test_timeout_from_json),
        cmocka_unit_test(test_timeout_from_text),
        cmocka_unit_test(test_interval_from_json),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
