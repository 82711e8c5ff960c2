/* yaml_resolve.c - PyYAML's YAML 1.1 implicit resolver and constructors.
 *
 * PyYAML decides the type of a plain (unquoted) scalar with regular
 * expressions (resolver.py). They are reproduced here as small hand
 * written matchers, each commented with the expression it implements:
 *
 *   bool      yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE
 *             |on|On|ON|off|Off|OFF
 *   float     [-+]?([0-9][0-9_]*)\.[0-9_]*([eE][-+][0-9]+)?
 *             | \.[0-9][0-9_]*([eE][-+][0-9]+)?
 *             | [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*
 *             | [-+]?\.(inf|Inf|INF) | \.(nan|NaN|NAN)
 *   int       [-+]?0b[0-1_]+ | [-+]?0[0-7_]+ | [-+]?(0|[1-9][0-9_]*)
 *             | [-+]?0x[0-9a-fA-F_]+ | [-+]?[1-9][0-9_]*(:[0-5]?[0-9])+
 *   merge     <<
 *   null      ~ | null | Null | NULL | (empty)
 *   timestamp [0-9]{4}-[0-9]{2}-[0-9]{2}
 *             | [0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}
 *               :[0-9]{2}(\.[0-9]*)?([ \t]*(Z|[-+][0-9]{1,2}(:[0-9]{2})?))?
 *   value     =
 *
 * Construction follows SafeConstructor: "_" are dropped from numbers,
 * 0b/0x/0 prefixes give bases 2/16/8, ":" gives base 60. Timestamps are
 * kept as their text (JSON has no date type; the original could not
 * serialise them either), and so are .inf and .nan, which JSON cannot
 * hold.
 */
#include "yaml_resolve.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"
#include "yaml_io.h" /* octo_yaml_resolve_plain */

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int eq_any(const char *s, size_t len, const char *const *words)
{
    for (; *words != NULL; words++) {
        if (strlen(*words) == len && memcmp(*words, s, len) == 0) {
            return 1;
        }
    }
    return 0;
}

static const char *const TRUE_WORDS[] = {"yes",  "Yes", "YES", "true", "True",
                                         "TRUE", "on",  "On",  "ON",   NULL};
static const char *const FALSE_WORDS[] = {"no",    "No",  "NO",  "false", "False",
                                          "FALSE", "off", "Off", "OFF",   NULL};
static const char *const NULL_WORDS[] = {"~", "null", "Null", "NULL", NULL};

/* [0-9_]* from i; returns the new index */
static size_t span(const char *s, size_t len, size_t i, const char *set)
{
    while (i < len && strchr(set, s[i]) != NULL && s[i] != '\0') {
        i++;
    }
    return i;
}

/* (:[0-5]?[0-9])+ from i; returns new index or 0 when it does not match */
static size_t sexagesimal_tail(const char *s, size_t len, size_t i)
{
    size_t start = i;

    while (i < len && s[i] == ':') {
        size_t j = i + 1;

        if (j < len && s[j] >= '0' && s[j] <= '5' && j + 1 < len && is_digit(s[j + 1])) {
            j += 2;
        } else if (j < len && is_digit(s[j])) {
            j += 1;
        } else {
            return 0;
        }
        i = j;
    }
    return i > start ? i : 0;
}

static int match_float(const char *s, size_t len)
{
    size_t i = 0;
    size_t j;

    if (len == 0) {
        return 0;
    }
    /* \.(nan|NaN|NAN) */
    if (len == 4 && s[0] == '.' &&
        (memcmp(s + 1, "nan", 3) == 0 || memcmp(s + 1, "NaN", 3) == 0 ||
         memcmp(s + 1, "NAN", 3) == 0)) {
        return 1;
    }
    if (s[0] == '-' || s[0] == '+') {
        i = 1;
    }
    /* [-+]?\.(inf|Inf|INF) */
    if (len - i == 4 && s[i] == '.' &&
        (memcmp(s + i + 1, "inf", 3) == 0 || memcmp(s + i + 1, "Inf", 3) == 0 ||
         memcmp(s + i + 1, "INF", 3) == 0)) {
        return 1;
    }
    /* \.[0-9][0-9_]*([eE][-+][0-9]+)?  (no sign) */
    if (i == 0 && s[0] == '.') {
        if (len < 2 || !is_digit(s[1])) {
            return 0;
        }
        j = span(s, len, 2, "0123456789_");
        goto exponent;
    }
    if (i >= len || !is_digit(s[i])) {
        return 0;
    }
    j = span(s, len, i + 1, "0123456789_");
    if (j < len && s[j] == ':') {
        /* [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]* */
        j = sexagesimal_tail(s, len, j);
        if (j == 0 || j >= len || s[j] != '.') {
            return 0;
        }
        j = span(s, len, j + 1, "0123456789_");
        return j == len;
    }
    if (j >= len || s[j] != '.') {
        return 0;
    }
    j = span(s, len, j + 1, "0123456789_");
exponent:
    if (j == len) {
        return 1;
    }
    if (s[j] != 'e' && s[j] != 'E') {
        return 0;
    }
    j++;
    if (j >= len || (s[j] != '-' && s[j] != '+')) {
        return 0;
    }
    j++;
    if (j >= len || !is_digit(s[j])) {
        return 0;
    }
    j = span(s, len, j, "0123456789");
    return j == len;
}

static int match_int(const char *s, size_t len)
{
    size_t i = 0;
    size_t j;

    if (len > 0 && (s[0] == '-' || s[0] == '+')) {
        i = 1;
    }
    if (i >= len || !is_digit(s[i])) {
        return 0;
    }
    if (s[i] == '0') {
        if (i + 1 == len) {
            return 1; /* 0 */
        }
        if (s[i + 1] == 'b') {
            j = span(s, len, i + 2, "01_");
            return j > i + 2 && j == len;
        }
        if (s[i + 1] == 'x') {
            j = span(s, len, i + 2, "0123456789abcdefABCDEF_");
            return j > i + 2 && j == len;
        }
        j = span(s, len, i + 1, "01234567_");
        return j > i + 1 && j == len;
    }
    j = span(s, len, i + 1, "0123456789_");
    if (j == len) {
        return 1;
    }
    if (s[j] == ':') {
        j = sexagesimal_tail(s, len, j);
        return j == len;
    }
    return 0;
}

static size_t digits(const char *s, size_t len, size_t i, size_t min, size_t max)
{
    size_t n = 0;

    while (i + n < len && n < max && is_digit(s[i + n])) {
        n++;
    }
    return n >= min ? n : 0;
}

static int match_timestamp(const char *s, size_t len)
{
    size_t i;
    size_t n;

    if (len < 8 || digits(s, len, 0, 4, 4) != 4 || s[4] != '-') {
        return 0;
    }
    if (len == 10 && digits(s, len, 5, 2, 2) == 2 && s[7] == '-' && digits(s, len, 8, 2, 2) == 2) {
        return 1;
    }
    i = 5;
    n = digits(s, len, i, 1, 2);
    if (n == 0 || i + n >= len || s[i + n] != '-') {
        return 0;
    }
    i += n + 1;
    n = digits(s, len, i, 1, 2);
    if (n == 0) {
        return 0;
    }
    i += n;
    if (i < len && (s[i] == 'T' || s[i] == 't')) {
        i++;
    } else {
        size_t ws = span(s, len, i, " \t");

        if (ws == i) {
            return 0;
        }
        i = ws;
    }
    n = digits(s, len, i, 1, 2);
    if (n == 0 || i + n >= len || s[i + n] != ':') {
        return 0;
    }
    i += n + 1;
    if (digits(s, len, i, 2, 2) != 2 || i + 2 >= len || s[i + 2] != ':') {
        return 0;
    }
    i += 3;
    if (digits(s, len, i, 2, 2) != 2) {
        return 0;
    }
    i += 2;
    if (i < len && s[i] == '.') {
        i = span(s, len, i + 1, "0123456789");
    }
    if (i == len) {
        return 1;
    }
    i = span(s, len, i, " \t");
    if (i < len && s[i] == 'Z') {
        return i + 1 == len;
    }
    if (i < len && (s[i] == '-' || s[i] == '+')) {
        i++;
        n = digits(s, len, i, 1, 2);
        if (n == 0) {
            return 0;
        }
        i += n;
        if (i == len) {
            return 1;
        }
        if (s[i] == ':' && digits(s, len, i + 1, 2, 2) == 2 && i + 3 == len) {
            return 1;
        }
    }
    return 0;
}

enum octo_yaml_kind octo_yaml_resolve(const char *s, size_t len)
{
    if (len == 0 || eq_any(s, len, NULL_WORDS)) {
        return OCTO_YK_NULL;
    }
    if (eq_any(s, len, TRUE_WORDS) || eq_any(s, len, FALSE_WORDS)) {
        return OCTO_YK_BOOL;
    }
    if (strchr("-+0123456789.", s[0]) != NULL) {
        if (strchr("-+0123456789", s[0]) != NULL && match_int(s, len)) {
            return OCTO_YK_INT;
        }
        if (match_float(s, len)) {
            return OCTO_YK_FLOAT;
        }
        if (is_digit(s[0]) && match_timestamp(s, len)) {
            return OCTO_YK_TIMESTAMP;
        }
    }
    if (len == 2 && s[0] == '<' && s[1] == '<') {
        return OCTO_YK_MERGE;
    }
    if (len == 1 && s[0] == '=') {
        return OCTO_YK_VALUE;
    }
    return OCTO_YK_STR;
}

const char *octo_yaml_resolve_plain(const char *s, size_t len)
{
    static const char *const names[] = {"str",   "null",      "bool",  "int",
                                        "float", "timestamp", "merge", "value"};

    return names[octo_yaml_resolve(s, len)];
}

/* Copy s without '_' into a NUL-terminated buffer (malloc'd). */
static char *strip_underscores(const char *s, size_t len)
{
    char *out = octo_xmalloc(len + 1);
    size_t n = 0;

    for (size_t i = 0; i < len; i++) {
        if (s[i] != '_') {
            out[n++] = s[i];
        }
    }
    out[n] = '\0';
    return out;
}

/* Integer text -> json (integer, or real when it overflows int64, as the
 * best JSON can do for Python's big ints). */
static json_t *construct_int(const char *s, size_t len)
{
    char *t = strip_underscores(s, len);
    char *p;
    int neg = 0;
    json_t *v = NULL;

    p = t;
    if (*p == '-' || *p == '+') {
        neg = *p == '-';
        p++;
    }
    if (strcmp(p, "0") == 0) {
        v = json_integer(0);
    } else if (strchr(p, ':') != NULL) {
        long double acc = 0;
        char *q = p;

        while (q != NULL && *q != '\0') {
            acc = acc * 60 + strtol(q, &q, 10);
            if (*q == ':') {
                q++;
            }
        }
        v = acc > 9.2e18L ? json_real((double)(neg ? -acc : acc))
                          : json_integer((json_int_t)(neg ? -acc : acc));
    } else {
        int base = 10;
        unsigned long long u;

        if (p[0] == '0' && p[1] == 'b') {
            base = 2;
            p += 2;
        } else if (p[0] == '0' && p[1] == 'x') {
            base = 16;
            p += 2;
        } else if (p[0] == '0') {
            base = 8;
            p += 1;
        }
        errno = 0;
        u = strtoull(p, NULL, base);
        if (errno == ERANGE || u > (unsigned long long)INT64_MAX + (neg ? 1u : 0u)) {
            v = json_real(neg ? -strtod(p, NULL) : strtod(p, NULL));
        } else if (neg) {
            v = json_integer(u == (unsigned long long)INT64_MAX + 1u ? INT64_MIN : -(json_int_t)u);
        } else {
            v = json_integer((json_int_t)u);
        }
    }
    free(t);
    return v;
}

static json_t *construct_float(const char *s, size_t len)
{
    char *t = strip_underscores(s, len);
    char *p;
    double sign = 1.0;
    json_t *v;

    for (p = t; *p != '\0'; p++) {
        *p = (char)tolower((unsigned char)*p);
    }
    p = t;
    if (*p == '-' || *p == '+') {
        sign = *p == '-' ? -1.0 : 1.0;
        p++;
    }
    if (strcmp(p, ".inf") == 0 || strcmp(p, ".nan") == 0) {
        /* JSON (and jansson) have no infinities or NaN: keep the text */
        v = json_stringn(s, len);
    } else if (strchr(p, ':') != NULL) {
        double acc = 0;
        char *q = p;

        while (*q != '\0') {
            double part = strtod(q, &q);

            acc = acc * 60 + part;
            if (*q == ':') {
                q++;
            } else {
                break;
            }
        }
        v = json_real(sign * acc);
    } else {
        v = json_real(sign * strtod(p, NULL));
    }
    free(t);
    return v;
}

json_t *octo_yaml_construct_plain(const char *s, size_t len, int *is_merge)
{
    *is_merge = 0;
    switch (octo_yaml_resolve(s, len)) {
    case OCTO_YK_NULL:
        return json_null();
    case OCTO_YK_BOOL:
        return json_boolean(eq_any(s, len, TRUE_WORDS));
    case OCTO_YK_INT:
        return construct_int(s, len);
    case OCTO_YK_FLOAT:
        return construct_float(s, len);
    case OCTO_YK_MERGE:
        *is_merge = 1;
        return json_string("<<");
    default:
        return json_stringn(s, len);
    }
}

json_t *octo_yaml_construct_tagged(const char *tag, const char *s, size_t len, char *msg,
                                   size_t msglen)
{
    const char *short_tag = tag;
    enum octo_yaml_kind k;

    if (strncmp(tag, "tag:yaml.org,2002:", 18) == 0) {
        short_tag = tag + 18;
    }
    if (strcmp(short_tag, "str") == 0 || strcmp(short_tag, "timestamp") == 0 ||
        strcmp(short_tag, "binary") == 0) {
        return json_stringn(s, len);
    }
    k = octo_yaml_resolve(s, len);
    if (strcmp(short_tag, "null") == 0) {
        return json_null();
    }
    if (strcmp(short_tag, "bool") == 0 && k == OCTO_YK_BOOL) {
        return json_boolean(eq_any(s, len, TRUE_WORDS));
    }
    if (strcmp(short_tag, "int") == 0 && k == OCTO_YK_INT) {
        return construct_int(s, len);
    }
    if (strcmp(short_tag, "float") == 0 && (k == OCTO_YK_FLOAT || k == OCTO_YK_INT)) {
        return construct_float(s, len);
    }
    if (strcmp(short_tag, "bool") == 0 || strcmp(short_tag, "int") == 0 ||
        strcmp(short_tag, "float") == 0) {
        snprintf(msg, msglen, "invalid value for tag !!%s: '%.*s'", short_tag,
                 (int)(len > 60 ? 60 : len), s);
        return NULL;
    }
    snprintf(msg, msglen, "could not determine a constructor for the tag '%s'", tag);
    return NULL;
}
