/* pformat.c - Python's printf-style formatting: 'fmt' % args. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tpl.h"

struct fargs {
    tv *items;
    size_t n, used;
    tv map;
    int is_map;
    int lenient;
};

static tv next_arg(struct rs *st, struct fargs *fa)
{
    if (fa->used >= fa->n) {
        tpl_render_fail(st, "not enough arguments for format string");
    }
    return fa->items[fa->used++];
}

static void pad(struct octo_buf *out, const char *body, size_t blen, size_t bcp, int width,
                int left, char fill)
{
    size_t w = width > 0 ? (size_t)width : 0;
    size_t k;
    if (!left && bcp < w) {
        for (k = bcp; k < w; k++) {
            tpl_tbuf_putc(out, fill);
        }
    }
    tpl_tbuf_append(out, body, blen);
    if (left && bcp < w) {
        for (k = bcp; k < w; k++) {
            tpl_tbuf_putc(out, ' ');
        }
    }
}

/* integer text for d/x/o with sign handling and zero padding */
static void fmt_int(struct rs *st, struct octo_buf *out, tv v, char conv, int width, int prec,
                    int fl_left, int fl_plus, int fl_space, int fl_zero, int fl_alt)
{
    struct bigalloc ba = {(void *(*)(void *, size_t))tpl_arena_alloc, &st->ar};
    char *digits;
    size_t nd;
    int neg = 0;
    char sign[2] = {0, 0};
    const char *prefix = "";
    struct octo_buf *b = tpl_render_buf(st);
    struct bigint *big;
    if (v.t == T_FLOAT) {
        if (!isfinite(v.u.f)) {
            tpl_render_fail(st, "cannot convert float %s to integer",
                            isnan(v.u.f) ? "NaN" : "infinity");
        }
        big = tpl_bigint_from_double(&ba, v.u.f);
    } else if (v.t == T_BIG) {
        big = v.u.big;
    } else {
        big = tpl_bigint_from_i64(&ba, v.t == T_BOOL ? v.u.b : v.u.i);
    }
    if (big == NULL) {
        tpl_render_oom(st);
    }
    neg = big->sign < 0;
    if (conv == 'd') {
        digits = tpl_bigint_to_dec(&ba, big, 4300, &nd);
        if (digits == NULL) {
            tpl_render_fail(st, "Exceeds the limit (4300 digits) for integer string conversion");
        }
        if (neg) {
            digits++;
            nd--;
        }
    } else {
        digits = tpl_bigint_to_base(&ba, big, conv == 'o' ? 8 : 16, &nd);
        if (digits == NULL) {
            tpl_render_oom(st);
        }
        if (conv == 'X') {
            size_t i;
            for (i = 0; i < nd; i++) {
                if (digits[i] >= 'a' && digits[i] <= 'f') {
                    digits[i] = (char)(digits[i] - 32);
                }
            }
        }
        if (fl_alt) {
            prefix = conv == 'o' ? "0o" : conv == 'x' ? "0x" : "0X";
        }
    }
    sign[0] = neg ? '-' : fl_plus ? '+' : fl_space ? ' ' : 0;
    {
        size_t headlen = (sign[0] ? 1 : 0) + strlen(prefix);
        size_t zeros = 0;
        if (prec > 0 && (size_t)prec > nd) {
            zeros = (size_t)prec - nd;
        }
        if (fl_zero && !fl_left && width > 0 && (size_t)width > headlen + nd + zeros) {
            zeros = (size_t)width - headlen - nd;
        }
        if (sign[0]) {
            tpl_tbuf_putc(b, sign[0]);
        }
        tpl_tbuf_puts(b, prefix);
        while (zeros--) {
            tpl_tbuf_putc(b, '0');
        }
        tpl_tbuf_append(b, digits, nd);
    }
    pad(out, b->data ? b->data : "", b->len, b->len, width, fl_left, ' ');
    tpl_render_buf_release(st, b);
}

static tv get_num(struct rs *st, tv v, char conv, int want_int)
{
    if (tpl_value_is_num(v)) {
        return v;
    }
    if (v.t == T_UNDEF) {
        tpl_render_undefined(st, v);
    }
    if (want_int) {
        tpl_render_fail(st, "%%%c format: a real number is required, not %s", conv,
                        tpl_value_typename(v));
    }
    tpl_render_fail(st, "must be real number, not %s", tpl_value_typename(v));
}

/* '%.<prec>f' of d without printf when the result is exact in 64 bits:
 * d = m * 2^e exactly, so d * 10^prec is an integer plus a binary fraction,
 * rounded half to even as glibc and Python do. Returns the length written
 * to buf (at least 48 bytes) or 0 when the caller must use snprintf. */
static size_t fmt_fixed(double d, int prec, char *buf)
{
#ifdef __SIZEOF_INT128__
    __extension__ typedef unsigned __int128 u128;
    static const uint64_t p10[] = {1u,
                                   10u,
                                   100u,
                                   1000u,
                                   10000u,
                                   100000u,
                                   1000000u,
                                   10000000u,
                                   100000000u,
                                   1000000000u,
                                   10000000000u,
                                   100000000000u,
                                   1000000000000u,
                                   10000000000000u,
                                   100000000000000u,
                                   1000000000000000u};
    uint64_t bits;
    uint64_t m;
    int e;
    u128 p;
    uint64_t q;
    char tmp[40];
    size_t nt = 0;
    size_t k = 0;
    if (!(fabs(d) < 1e15) || prec < 0 || prec > 15) {
        return 0; /* also NaN and the infinities */
    }
    memcpy(&bits, &d, sizeof(bits));
    m = bits & ((UINT64_C(1) << 52) - 1);
    e = (int)((bits >> 52) & 0x7ff);
    if (e == 0) {
        e = -1074; /* subnormal or zero: d = m * 2^-1074 */
    } else {
        m |= UINT64_C(1) << 52;
        e -= 1075;
    }
    /* |d| < 2^50: e < 0; d * 10^prec = p / 2^-e exactly */
    p = (u128)m * p10[prec];
    if (e <= -127) {
        p = 0; /* less than 2^-20 of a unit: rounds to 0 */
    } else {
        unsigned sh = (unsigned)-e;
        u128 r = p & (((u128)1 << sh) - 1);
        u128 half = (u128)1 << (sh - 1);
        p >>= sh;
        if (r > half || (r == half && (p & 1))) {
            p++; /* round half to even, on the exact value */
        }
    }
    if (p >> 64) {
        return 0;
    }
    q = (uint64_t)p;
    /* digits right to left, the point after prec of them */
    do {
        tmp[nt++] = (char)('0' + q % 10u);
        q /= 10u;
        if (nt == (size_t)prec) {
            tmp[nt++] = '.';
            if (q == 0) {
                tmp[nt++] = '0';
            }
        }
    } while (q != 0 || nt < (size_t)prec);
    if (bits >> 63) {
        buf[k++] = '-';
    }
    while (nt) {
        buf[k++] = tmp[--nt];
    }
    return k;
#else
    (void)d;
    (void)prec;
    (void)buf;
    return 0;
#endif
}

tv tpl_pformat_percent(struct rs *st, tv fmt, tv args)
{
    struct fargs fa;
    struct octo_buf *out = tpl_render_buf(st);
    const char *s = fmt.u.s.p;
    size_t n = fmt.sn;
    size_t i = 0;
    memset(&fa, 0, sizeof(fa));
    if (args.t == T_TUPLE) {
        fa.items = args.u.l->it;
        fa.n = args.u.l->n;
    } else {
        fa.items = tpl_render_alloc(st, sizeof(tv));
        fa.items[0] = args;
        fa.n = 1;
        if (tpl_value_is_map(args)) {
            fa.map = args;
            fa.is_map = 1;
        }
        /* Python skips the "not all arguments converted" check for objects
         * with __getitem__ (lists, Undefined) */
        fa.lenient = args.t == T_LIST || args.t == T_JLIST || args.t == T_UNDEF ||
                     (args.t == T_ITER && args.sub == IT_RANGE);
    }
    while (i < n) {
        const char *pc = memchr(s + i, '%', n - i);
        int fl_left = 0, fl_plus = 0, fl_space = 0, fl_zero = 0, fl_alt = 0;
        int width = -1;
        int prec = -1;
        tv v;
        int have_key = 0;
        char conv;
        size_t start;
        if (pc == NULL) {
            tpl_tbuf_append(out, s + i, n - i);
            break;
        }
        tpl_tbuf_append(out, s + i, (size_t)(pc - (s + i)));
        i = (size_t)(pc - s) + 1;
        start = i - 1;
        if (i >= n) {
            tpl_render_fail(st, "incomplete format");
        }
        if (s[i] == '(') {
            size_t depth = 1;
            size_t k = i + 1;
            while (k < n && depth) {
                if (s[k] == '(') {
                    depth++;
                } else if (s[k] == ')') {
                    depth--;
                }
                k++;
            }
            if (depth) {
                tpl_render_fail(st, "incomplete format key");
            }
            if (!fa.is_map) {
                tpl_render_fail(st, "format requires a mapping");
            }
            if (!tpl_value_map_get(st, fa.map, tpl_value_str(s + i + 1, k - i - 2), &v)) {
                tpl_render_fail(st, "KeyError: '%.*s'", (int)(k - i - 2), s + i + 1);
            }
            have_key = 1;
            i = k;
        }
        for (; i < n; i++) {
            if (s[i] == '-')
                fl_left = 1;
            else if (s[i] == '+')
                fl_plus = 1;
            else if (s[i] == ' ')
                fl_space = 1;
            else if (s[i] == '0')
                fl_zero = 1;
            else if (s[i] == '#')
                fl_alt = 1;
            else
                break;
        }
        if (i < n && s[i] == '*') {
            tv w = next_arg(st, &fa);
            int64_t wi = tpl_ops_index(st, w, "* wants int");
            if (wi < -100000 || wi > 100000) {
                tpl_render_fail(st, "width too big");
            }
            width = (int)wi;
            if (width < 0) {
                fl_left = 1;
                width = -width;
            }
            i++;
        } else {
            while (i < n && s[i] >= '0' && s[i] <= '9') {
                width = (width < 0 ? 0 : width) * 10 + (s[i] - '0');
                if (width > 100000) {
                    tpl_render_fail(st, "width too big");
                }
                i++;
            }
        }
        if (i < n && s[i] == '.') {
            i++;
            prec = 0;
            if (i < n && s[i] == '*') {
                int64_t pi = tpl_ops_index(st, next_arg(st, &fa), "* wants int");
                if (pi > 10000) {
                    tpl_render_fail(st, "precision too big");
                }
                prec = pi < 0 ? 0 : (int)pi;
                i++;
            } else {
                while (i < n && s[i] >= '0' && s[i] <= '9') {
                    prec = prec * 10 + (s[i] - '0');
                    if (prec > 10000) {
                        tpl_render_fail(st, "precision too big");
                    }
                    i++;
                }
            }
        }
        while (i < n && (s[i] == 'h' || s[i] == 'l' || s[i] == 'L')) {
            i++;
        }
        if (i >= n) {
            tpl_render_fail(st, "incomplete format");
        }
        conv = s[i++];
        if (conv == '%') {
            tpl_tbuf_putc(out, '%');
            continue;
        }
        if (!have_key) {
            v = fa.is_map && fa.n == 1 ? fa.items[fa.used++ < 1 ? 0 : 0] : next_arg(st, &fa);
            if (fa.is_map) {
                fa.used = 1;
            }
        }
        switch (conv) {
        case 's':
        case 'r':
        case 'a': {
            tv t = conv == 's' ? tpl_repr_str(st, v) : tpl_repr(st, v);
            if (fmt.safe && !(conv == 's' && v.t == T_STR && v.safe)) {
                t = tpl_filters_escape(st, t); /* Markup % args escapes the arguments */
            }
            size_t blen = t.sn;
            if (prec >= 0) {
                blen = tpl_ustr_offset(t.u.s.p, t.sn, (size_t)prec);
            }
            pad(out, t.u.s.p, blen, tpl_ustr_len(t.u.s.p, blen), width, fl_left, ' ');
            break;
        }
        case 'd':
        case 'i':
        case 'u':
            fmt_int(st, out, get_num(st, v, conv, 1), 'd', width, prec, fl_left, fl_plus, fl_space,
                    fl_zero, fl_alt);
            break;
        case 'x':
        case 'X':
        case 'o':
            v = get_num(st, v, conv, 1);
            if (v.t == T_FLOAT) {
                tpl_render_fail(st, "%%%c format: an integer is required, not float", conv);
            }
            fmt_int(st, out, v, conv, width, prec, fl_left, fl_plus, fl_space, fl_zero, fl_alt);
            break;
        case 'e':
        case 'E':
        case 'f':
        case 'F':
        case 'g':
        case 'G': {
            char spec[32];
            char tmp[512];
            int k = 0;
            double d = tpl_value_to_double(get_num(st, v, conv, 0));
            int len;
            spec[k++] = '%';
            if (fl_left)
                spec[k++] = '-';
            if (fl_plus)
                spec[k++] = '+';
            if (fl_space)
                spec[k++] = ' ';
            if (fl_zero)
                spec[k++] = '0';
            if (fl_alt)
                spec[k++] = '#';
            spec[k] = '\0';
            if (k == 1 && (conv == 'f' || conv == 'F') &&
                (len = (int)fmt_fixed(d, prec < 0 ? 6 : prec, tmp)) > 0) {
                /* done without printf */
            } else if (fabs(d) > 1e200 && (conv == 'f' || conv == 'F')) {
                len = snprintf(tmp, sizeof(tmp), "%e", d);
            } else {
                char full[48];
                snprintf(full, sizeof(full), "%s*.*%c", spec, conv);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
                /* the format is built from validated flag and type characters */
                len = snprintf(tmp, sizeof(tmp), full, width < 0 ? 0 : (width > 400 ? 400 : width),
                               prec < 0 ? 6 : (prec > 100 ? 100 : prec), d);
#pragma GCC diagnostic pop
            }
            if (len < 0) {
                len = 0;
            }
            if ((size_t)len >= sizeof(tmp)) {
                len = (int)sizeof(tmp) - 1;
            }
            pad(out, tmp, (size_t)len, (size_t)len, width, fl_left, ' ');
            break;
        }
        case 'c': {
            struct octo_buf *cb = tpl_render_buf(st);
            if (v.t == T_STR && tpl_ustr_len(v.u.s.p, v.sn) == 1) {
                tpl_tbuf_append(cb, v.u.s.p, v.sn);
            } else if (v.t == T_INT && v.u.i >= 0 && v.u.i <= 0x10FFFF) {
                tpl_ustr_put(cb, (unsigned)v.u.i);
            } else {
                tpl_render_fail(st, "%%c requires int or char");
            }
            pad(out, cb->data, cb->len, 1, width, fl_left, ' ');
            tpl_render_buf_release(st, cb);
            break;
        }
        default:
            tpl_render_fail(st, "unsupported format character '%c' (0x%x) at index %zu", conv,
                            (unsigned)(unsigned char)conv, i - 1);
        }
        (void)start;
    }
    if (!fa.is_map && !fa.lenient && fa.used < fa.n) {
        tpl_render_fail(st, "not all arguments converted during string formatting");
    }
    {
        tv r = tpl_render_buf_str(st, out);
        r.safe = fmt.safe;
        return r;
    }
}

/* "%.<p>f" or "%<w>.<p>f" alone (the common number format): its precision
 * and width, or 0 */
static int simple_fixed(tv f, int *prec, int *width)
{
    const char *s = f.u.s.p;
    size_t n = f.sn;
    size_t i = 1;
    int w = 0;
    int p = 0;
    if (n < 4 || n > 8 || s[0] != '%' || (s[n - 1] != 'f' && s[n - 1] != 'F')) {
        return 0;
    }
    while (i < n && s[i] >= '1' && s[i] <= '9' && i < 3) {
        w = w * 10 + (s[i++] - '0');
    }
    if (s[i++] != '.' || i >= n - 1) {
        return 0;
    }
    for (; i < n - 1; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
        p = p * 10 + (s[i] - '0');
    }
    *prec = p;
    *width = w;
    return 1;
}

/* the format filter: fmt|format(args) is fmt % args */
tv tpl_pformat_filter(struct rs *st, tv v, struct callargs *a)
{
    tv args;
    int i;
    int prec;
    int width;
    v = tpl_repr_str(st, v);
    if (a->npos == 1 && a->nkw == 0 &&
        (a->pos[0].t == T_FLOAT || a->pos[0].t == T_INT || a->pos[0].t == T_BOOL) &&
        simple_fixed(v, &prec, &width)) {
        /* '%.2f'|format(x): what tpl_pformat_percent does, without parsing and buffers */
        char tmp[48];
        size_t len = fmt_fixed(tpl_value_to_double(a->pos[0]), prec, tmp);
        if (len > 0) {
            size_t pad = (size_t)width > len ? (size_t)width - len : 0;
            char *d = tpl_render_alloc(st, pad + len + 1);
            tv r;
            memset(d, ' ', pad);
            memcpy(d + pad, tmp, len);
            d[pad + len] = '\0';
            r = tpl_value_str(d, pad + len);
            r.safe = v.safe;
            return r;
        }
    }
    if (a->nkw) {
        args = tpl_value_dict_new(st, (size_t)a->nkw);
        for (i = 0; i < a->nkw; i++) {
            tpl_dict_set(st, args.u.d, tpl_value_cstr(a->kwn[i]), a->kwv[i]);
        }
    } else {
        args = tpl_value_tuple_new(st, (size_t)a->npos);
        for (i = 0; i < a->npos; i++) {
            args.u.l->it[i] = a->pos[i];
        }
        args.u.l->n = (size_t)a->npos;
    }
    return tpl_pformat_percent(st, v, args);
}
