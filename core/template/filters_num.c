/* filters_num.c - numeric filters: abs, int, float, round, filesizeformat. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filters.h"
#include "tpl.h"

/* Python float(str): strips whitespace, accepts inf/nan/infinity, underscores
 * between digits. Returns 0 on failure. */
static int py_parse_float(struct rs *st, tv s, double *out)
{
    char *buf;
    size_t i = 0;
    size_t n = s.sn;
    size_t k = 0;
    char *end;
    const char *p = s.u.s.p;
    while (i < n && tpl_ucase_isspace((unsigned char)p[i])) {
        i++;
    }
    while (n > i && tpl_ucase_isspace((unsigned char)p[n - 1])) {
        n--;
    }
    if (i >= n) {
        return 0;
    }
    buf = tpl_render_alloc(st, n - i + 1);
    for (; i < n; i++) {
        char c = p[i];
        if (c == '_') {
            if (k == 0 || i + 1 >= n || !(buf[k - 1] >= '0' && buf[k - 1] <= '9') ||
                !(p[i + 1] >= '0' && p[i + 1] <= '9')) {
                return 0;
            }
            continue;
        }
        if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-' ||
              strchr("infatyINFATY", c))) {
            return 0;
        }
        buf[k++] = c;
    }
    buf[k] = '\0';
    {
        const char *q = buf;
        if (*q == '+' || *q == '-') {
            q++;
        }
        if (strcasecmp(q, "inf") == 0 || strcasecmp(q, "infinity") == 0 ||
            strcasecmp(q, "nan") == 0) {
            double v = (q[0] == 'n' || q[0] == 'N') ? NAN : INFINITY;
            *out = buf[0] == '-' ? -v : v;
            return 1;
        }
        if (q[0] == 'x' || q[0] == 'X' || (q[0] == '0' && (q[1] == 'x' || q[1] == 'X'))) {
            return 0;
        }
        for (; *q; q++) {
            if (strchr("infatyINFATY", *q) && *q != 'e' && *q != 'E') {
                return 0;
            }
        }
    }
    *out = strtod(buf, &end);
    return *end == '\0' && end != buf;
}

static tv f_int(struct rs *st, tv v, struct callargs *a)
{
    tv dflt = tpl_value_int(0);
    int base = 10;
    BIND("int", "default", "base");
    if (tpl_calls_given(args[0])) {
        dflt = args[0];
    }
    if (tpl_calls_given(args[1])) {
        int64_t b = tpl_ops_index(st, args[1], "base");
        /* an invalid base is a ValueError, which do_int swallows */
        base = (b != 0 && (b < 2 || b > 36)) ? -1 : (int)b;
    }
    switch (v.t) {
    case T_INT:
    case T_BIG:
        return v;
    case T_BOOL:
        return tpl_value_int(v.u.b);
    case T_FLOAT:
        if (!isfinite(v.u.f)) {
            tpl_render_fail(st, "cannot convert float %s to integer",
                            isnan(v.u.f) ? "NaN" : "infinity");
        }
        if (fabs(v.u.f) < 9.2e18) {
            return tpl_value_int((int64_t)v.u.f);
        } else {
            struct bigalloc ba = {(void *(*)(void *, size_t))tpl_arena_alloc, &st->ar};
            return tpl_value_big(st, tpl_bigint_from_double(&ba, v.u.f));
        }
    case T_STR: {
        int ok;
        double d;
        tv r = base < 0 ? tpl_value_int(0) : tpl_ops_int_parse(st, v.u.s.p, v.sn, base, &ok);
        if (base < 0) {
            ok = 0;
        }
        if (ok) {
            return r;
        }
        if (py_parse_float(st, v, &d)) {
            if (!isfinite(d)) {
                tpl_render_fail(st, "cannot convert float %s to integer",
                                isnan(d) ? "NaN" : "infinity");
            }
            if (fabs(d) < 9.2e18) {
                return tpl_value_int((int64_t)d);
            } else {
                struct bigalloc ba = {(void *(*)(void *, size_t))tpl_arena_alloc, &st->ar};
                return tpl_value_big(st, tpl_bigint_from_double(&ba, d));
            }
        }
        return dflt;
    }
    case T_UNDEF:
        tpl_render_undefined(st, v);
    default:
        return dflt;
    }
}

static tv f_float(struct rs *st, tv v, struct callargs *a)
{
    tv dflt = tpl_value_float(0.0);
    double d;
    BIND("float", "default");
    if (tpl_calls_given(args[0])) {
        dflt = args[0];
    }
    switch (v.t) {
    case T_INT:
    case T_BIG:
    case T_BOOL:
        return tpl_value_float(tpl_value_to_double(v));
    case T_FLOAT:
        return v;
    case T_STR:
        if (py_parse_float(st, v, &d)) {
            return tpl_value_float(d);
        }
        return dflt;
    case T_UNDEF:
        tpl_render_undefined(st, v);
    default:
        return dflt;
    }
}

static tv f_abs(struct rs *st, tv v, struct callargs *a)
{
    if (a->npos || a->nkw) {
        tpl_render_fail(st, "abs() takes exactly one argument");
    }
    if (v.t == T_FLOAT) {
        return tpl_value_float(fabs(v.u.f));
    }
    if (tpl_value_is_int(v)) {
        if (v.t == T_BOOL) {
            return tpl_value_int(v.u.b);
        }
        if ((v.t == T_INT && v.u.i < 0) || (v.t == T_BIG && v.u.big->sign < 0)) {
            return tpl_ops_neg(st, v);
        }
        return v;
    }
    if (v.t == T_UNDEF) {
        tpl_render_undefined(st, v);
    }
    tpl_render_fail(st, "bad operand type for abs(): '%s'", tpl_value_typename(v));
}

static double py_round(double x, int64_t nd)
{
    char buf[400];
    if (!isfinite(x)) {
        return x;
    }
    if (nd > 300) {
        return x;
    }
    if (nd >= 0) {
        snprintf(buf, sizeof(buf), "%.*f", (int)nd, x);
        return strtod(buf, NULL);
    }
    if (nd < -308) {
        return copysign(0.0, x);
    }
    {
        double p = pow(10.0, (double)-nd);
        double y = x / p;
        double r = nearbyint(y); /* ties to even in the default rounding mode */
        double z = r * p;
        if (isinf(z)) {
            return x;
        }
        return z;
    }
}

static tv f_round(struct rs *st, tv v, struct callargs *a)
{
    int64_t prec = 0;
    int method = 0; /* 0 common, 1 ceil, 2 floor */
    BIND("round", "precision", "method");
    if (tpl_calls_given(args[0])) {
        prec = tpl_ops_index(st, args[0], "precision");
    }
    if (tpl_calls_given(args[1])) {
        tv m = tpl_repr_str(st, args[1]);
        if (m.sn == 6 && memcmp(m.u.s.p, "common", 6) == 0) {
            method = 0;
        } else if (m.sn == 4 && memcmp(m.u.s.p, "ceil", 4) == 0) {
            method = 1;
        } else if (m.sn == 5 && memcmp(m.u.s.p, "floor", 5) == 0) {
            method = 2;
        } else {
            tpl_render_fail(st, "method must be common, ceil or floor");
        }
    }
    if (v.t == T_UNDEF) {
        tpl_render_undefined(st, v);
    }
    if (!tpl_value_is_num(v)) {
        tpl_render_fail(st, "type %s doesn't define __round__ method", tpl_value_typename(v));
    }
    if (method == 0) {
        if (v.t != T_FLOAT) {
            if (prec >= 0) {
                return v.t == T_BOOL ? tpl_value_int(v.u.b) : v;
            }
            {
                /* round an int to 10**-prec, ties to even */
                tv p = tpl_ops_binary(st, OP_POW, tpl_value_int(10), tpl_value_int(-prec));
                tv q = tpl_ops_binary(st, OP_FLOORDIV, v, p);
                tv r = tpl_ops_binary(st, OP_MOD, v, p);
                tv twice = tpl_ops_binary(st, OP_MUL, r, tpl_value_int(2));
                int c = tpl_compare(st, twice, p);
                if (c > 0 || (c == 0 && tpl_value_truthy(
                                            st, tpl_ops_binary(st, OP_MOD, q, tpl_value_int(2))))) {
                    q = tpl_ops_binary(st, OP_ADD, q, tpl_value_int(1));
                }
                return tpl_ops_binary(st, OP_MUL, q, p);
            }
        }
        return tpl_value_float(py_round(v.u.f, prec));
    }
    {
        double x = tpl_value_to_double(v);
        double p = pow(10.0, (double)prec);
        double y = method == 1 ? ceil(x * p) : floor(x * p);
        return tpl_value_float(y / p);
    }
}

static tv f_filesizeformat(struct rs *st, tv v, struct callargs *a)
{
    static const char *const dec[] = {"kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
    static const char *const bin[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"};
    double bytes;
    int binary = 0;
    double base;
    char buf[64];
    int i;
    BIND("filesizeformat", "binary");
    if (tpl_calls_given(args[0])) {
        binary = tpl_value_truthy(st, args[0]);
    }
    if (v.t == T_STR) {
        if (!py_parse_float(st, v, &bytes)) {
            tpl_render_fail(st, "could not convert string to float: %s", tpl_repr(st, v).u.s.p);
        }
    } else if (tpl_value_is_num(v)) {
        bytes = tpl_value_to_double(v);
    } else {
        tpl_render_fail(st, "float() argument must be a string or a real number, not '%s'",
                        tpl_value_typename(v));
    }
    base = binary ? 1024.0 : 1000.0;
    if (bytes == 1) {
        return tpl_value_cstr("1 Byte");
    }
    if (bytes < base) {
        double t = trunc(bytes);
        if (fabs(t) < 9.2e18) {
            snprintf(buf, sizeof(buf), "%lld Bytes", (long long)t);
        } else {
            snprintf(buf, sizeof(buf), "%.0f Bytes", t);
        }
        return tpl_value_strdup(st, buf, strlen(buf));
    }
    for (i = 0; i < 8; i++) {
        double unit = pow(base, i + 2);
        if (bytes < unit || i == 7) {
            snprintf(buf, sizeof(buf), "%.1f %s", base * bytes / unit, binary ? bin[i] : dec[i]);
            return tpl_value_strdup(st, buf, strlen(buf));
        }
    }
    return tpl_value_str("", 0);
}

const struct fentry tpl_filters_num[] = {
    {"abs", f_abs, 0},     {"filesizeformat", f_filesizeformat, 0},
    {"float", f_float, 0}, {"int", f_int, 0},
    {"round", f_round, 0}, {NULL, NULL, 0}};
