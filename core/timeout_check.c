/* timeout_check.c - durations in seconds from users (see timeout_check.h).
 *
 * The comparisons are written so that nan fails them (every comparison
 * with nan is false), and the range check comes before any conversion to
 * an integer type (converting 1e19 to long is undefined behaviour).
 */
#include "timeout_check.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"

#define RANGE_TEXT "greater than 0 and at most 31536000 (one year)"

_Static_assert(OCTO_SECONDS_MAX == 31536000, "RANGE_TEXT says 31536000");

/* The value as the message quotes it: %.17g, but nan and inf spelled out. */
static void quote_number(double v, char *out, size_t cap)
{
    if (isnan(v)) {
        snprintf(out, cap, "nan");
    } else if (isinf(v)) {
        snprintf(out, cap, "%sinf", v < 0 ? "-" : "");
    } else {
        snprintf(out, cap, "%.17g", v);
    }
}

int octo_timeout_check(const char *field, double seconds, octo_error *err)
{
    char q[64];

    if (seconds > 0 && seconds <= (double)OCTO_SECONDS_MAX) {
        return OCTO_OK;
    }
    quote_number(seconds, q, sizeof(q));
    return octo_error_set(err, OCTO_EINVAL, field,
                          "%s must be a number of seconds " RANGE_TEXT ", not %s", field, q);
}

static const char *kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "a mapping";
    case JSON_ARRAY:
        return "a list";
    case JSON_STRING:
        return "text";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    default:
        return "a number";
    }
}

int octo_timeout_from_json(const char *field, const json_t *v, double *out, octo_error *err)
{
    double s;
    int rc;

    if (v == NULL || !json_is_number(v)) {
        return octo_error_set(err, OCTO_EINVAL, field,
                              "%s must be a number of seconds " RANGE_TEXT ", not %s", field,
                              v == NULL ? "nothing" : kind(v));
    }
    s = json_number_value(v);
    rc = octo_timeout_check(field, s, err);
    if (rc == OCTO_OK) {
        *out = s;
    }
    return rc;
}

int octo_timeout_from_text(const char *field, const char *text, double *out, octo_error *err)
{
    const char *p = text;
    char *end = NULL;
    double s;
    int rc;

    /* strtod also reads "nan", "inf", hexadecimal and leading spaces:
     * only a plain decimal number is a duration */
    if (p != NULL && (*p == '+' || *p == '-')) {
        p++;
    }
    if (p == NULL || !((*p >= '0' && *p <= '9') || *p == '.') ||
        (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))) {
        return octo_error_set(err, OCTO_EINVAL, field,
                              "%s must be a number of seconds " RANGE_TEXT ", not \"%.40s\"", field,
                              text != NULL ? text : "");
    }
    errno = 0;
    s = strtod(text, &end);
    if (end == text || *end != '\0') {
        return octo_error_set(err, OCTO_EINVAL, field,
                              "%s must be a number of seconds " RANGE_TEXT ", not \"%.40s\"", field,
                              text);
    }
    rc = octo_timeout_check(field, s, err); /* ERANGE gives inf or 0: refused here */
    if (rc == OCTO_OK) {
        *out = s;
    }
    return rc;
}

int octo_interval_from_json(const char *field, const json_t *v, long *out, octo_error *err)
{
    char q[64];

    if (v != NULL && json_is_integer(v) && json_integer_value(v) >= 1 &&
        json_integer_value(v) <= OCTO_SECONDS_MAX) {
        *out = (long)json_integer_value(v);
        return OCTO_OK;
    }
    if (v != NULL && json_is_integer(v)) {
        snprintf(q, sizeof(q), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    } else if (v != NULL && json_is_real(v)) {
        quote_number(json_real_value(v), q, sizeof(q));
    } else {
        snprintf(q, sizeof(q), "%s", v == NULL ? "nothing" : kind(v));
    }
    return octo_error_set(err, OCTO_EINVAL, field,
                          "%s must be a whole number of seconds from 1 to 31536000 (one year), "
                          "not %s",
                          field, q);
}
