/* strformat.c - str.format() and the format-spec mini-language. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "pyfmt.h"
#include "tpl.h"

struct spec {
    unsigned fill;
    char align, sign, type, group;
    int alt, zero, width, prec;
};

static void parse_spec(struct rs *st, tv s, struct spec *sp)
{
    size_t i = 0;
    const char *p = s.u.s.p;
    size_t n = s.sn;
    memset(sp, 0, sizeof(*sp));
    sp->fill = ' ';
    sp->width = -1;
    sp->prec = -1;
    if (n == 0) {
        return;
    }
    {
        size_t k = 0;
        unsigned c = tpl_ustr_next(p, n, &k);
        if (k < n && (p[k] == '<' || p[k] == '>' || p[k] == '^' || p[k] == '=')) {
            sp->fill = c;
            sp->align = p[k];
            i = k + 1;
        } else if (p[0] == '<' || p[0] == '>' || p[0] == '^' || p[0] == '=') {
            sp->align = p[0];
            i = 1;
        }
    }
    if (i < n && (p[i] == '+' || p[i] == '-' || p[i] == ' ')) {
        sp->sign = p[i++];
    }
    if (i < n && p[i] == '#') {
        sp->alt = 1;
        i++;
    }
    if (i < n && p[i] == '0') {
        sp->zero = 1;
        i++;
    }
    while (i < n && p[i] >= '0' && p[i] <= '9') {
        sp->width = (sp->width < 0 ? 0 : sp->width) * 10 + (p[i++] - '0');
        if (sp->width > 100000) {
            tpl_render_fail(st, "Too many decimal digits in format string");
        }
    }
    if (i < n && (p[i] == ',' || p[i] == '_')) {
        sp->group = p[i++];
    }
    if (i < n && p[i] == '.') {
        i++;
        sp->prec = 0;
        if (i >= n || p[i] < '0' || p[i] > '9') {
            tpl_render_fail(st, "Format specifier missing precision");
        }
        while (i < n && p[i] >= '0' && p[i] <= '9') {
            sp->prec = sp->prec * 10 + (p[i++] - '0');
            if (sp->prec > 1000) {
                tpl_render_fail(st, "precision too big");
            }
        }
    }
    if (i < n) {
        sp->type = p[i++];
    }
    if (i < n) {
        tpl_render_fail(st, "Invalid format specifier");
    }
}

static void group_digits(struct octo_buf *b, const char *d, size_t n, char g)
{
    size_t i;
    for (i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0) {
            tpl_tbuf_putc(b, g);
        }
        tpl_tbuf_putc(b, d[i]);
    }
}

static void emit_padded(struct octo_buf *out, struct spec *sp, const char *sign, const char *body,
                        size_t blen, char dflt_align)
{
    size_t cp = tpl_ustr_len(sign, strlen(sign)) + tpl_ustr_len(body, blen);
    char align = sp->align ? sp->align : (sp->zero ? '=' : dflt_align);
    unsigned fill = sp->zero && !sp->align ? '0' : sp->fill;
    size_t w = sp->width > 0 ? (size_t)sp->width : 0;
    size_t padn = w > cp ? w - cp : 0;
    size_t left = align == '>' || align == '=' ? padn : align == '^' ? padn / 2 : 0;
    size_t i;
    if (align == '=') {
        tpl_tbuf_puts(out, sign);
    }
    for (i = 0; i < left; i++) {
        tpl_ustr_put(out, fill);
    }
    if (align != '=') {
        tpl_tbuf_puts(out, sign);
    }
    tpl_tbuf_append(out, body, blen);
    for (i = left; i < padn; i++) {
        tpl_ustr_put(out, fill);
    }
}

static void format_value(struct rs *st, tv v, tv spec, struct octo_buf *out)
{
    struct spec sp;
    struct bigalloc ba = {(void *(*)(void *, size_t))tpl_arena_alloc, &st->ar};
    if (spec.sn == 0) {
        tpl_repr_str_to(st, v, out);
        return;
    }
    parse_spec(st, spec, &sp);
    if (v.t == T_STR || (!tpl_value_is_num(v))) {
        tv s;
        size_t blen;
        if (v.t != T_STR) {
            tpl_render_fail(st, "unsupported format string passed to %s.__format__",
                            tpl_value_typename(v));
        }
        if (sp.type && sp.type != 's') {
            tpl_render_fail(st, "Unknown format code '%c' for object of type 'str'", sp.type);
        }
        s = v;
        blen = sp.prec >= 0 ? tpl_ustr_offset(s.u.s.p, s.sn, (size_t)sp.prec) : s.sn;
        emit_padded(out, &sp, "", s.u.s.p, blen, '<');
        return;
    }
    if (v.t != T_FLOAT && (sp.type == 0 || strchr("bcdoxXn", sp.type))) {
        struct bigint *b =
            v.t == T_BIG ? v.u.big : tpl_bigint_from_i64(&ba, v.t == T_BOOL ? v.u.b : v.u.i);
        char *digits;
        size_t nd;
        const char *sign;
        struct octo_buf *body = tpl_render_buf(st);
        if (b == NULL) {
            tpl_render_oom(st);
        }
        if (sp.prec >= 0) {
            tpl_render_fail(st, "Precision not allowed in integer format specifier");
        }
        if (sp.type == 'c') {
            tpl_ustr_put(body, (unsigned)(b->n ? b->d[0] : 0));
            emit_padded(out, &sp, "", body->data, body->len, '<');
            return;
        }
        if (sp.type == 'x' || sp.type == 'X' || sp.type == 'o' || sp.type == 'b') {
            int base = sp.type == 'o' ? 8 : sp.type == 'b' ? 2 : 16;
            digits = tpl_bigint_to_base(&ba, b, base, &nd);
            if (sp.alt) {
                tpl_tbuf_puts(body, base == 8        ? "0o"
                                    : base == 2      ? "0b"
                                    : sp.type == 'X' ? "0X"
                                                     : "0x");
            }
            if (sp.type == 'X') {
                size_t i;
                for (i = 0; i < nd; i++) {
                    if (digits[i] >= 'a') {
                        digits[i] = (char)(digits[i] - 32);
                    }
                }
            }
        } else {
            digits = tpl_bigint_to_dec(&ba, b, 4300, &nd);
            if (digits == NULL) {
                tpl_render_fail(st,
                                "Exceeds the limit (4300 digits) for integer string conversion");
            }
            if (b->sign < 0) {
                digits++;
                nd--;
            }
        }
        if (sp.group) {
            group_digits(body, digits, nd, sp.group);
        } else {
            tpl_tbuf_append(body, digits, nd);
        }
        sign = b->sign < 0 ? "-" : sp.sign == '+' ? "+" : sp.sign == ' ' ? " " : "";
        emit_padded(out, &sp, sign, body->data, body->len, '>');
        return;
    }
    {
        double d = tpl_value_to_double(v);
        char tmp[600];
        char fmt[16];
        char type = sp.type;
        int prec = sp.prec < 0 ? 6 : sp.prec;
        const char *sign;
        struct octo_buf *body = tpl_render_buf(st);
        int pct = 0;
        char *t;
        if (type && !strchr("eEfFgGn%", type)) {
            tpl_render_fail(st, "Unknown format code '%c' for object of type 'float'", type);
        }
        if (type == '%') {
            d *= 100;
            type = 'f';
            pct = 1;
        }
        if (type == 0 && sp.prec < 0) {
            octo_py_float_repr(fabs(d), tmp);
        } else {
            if (type == 0 || type == 'n') {
                type = 'g';
                if (sp.prec == 0) {
                    prec = 1;
                }
            }
            snprintf(fmt, sizeof(fmt), "%%%s.*%c", sp.alt ? "#" : "", type);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
            /* the format is built from validated flag and type characters */
            snprintf(tmp, sizeof(tmp), fmt, prec, fabs(d));
#pragma GCC diagnostic pop
            if (sp.type == 0 && !strchr(tmp, '.') && !strchr(tmp, 'e') && !strchr(tmp, 'n') &&
                !strchr(tmp, 'i')) {
                strncat(tmp, ".0", sizeof(tmp) - strlen(tmp) - 1);
            }
        }
        if (sp.group) {
            size_t ip = strcspn(tmp, ".e");
            if (tmp[0] >= '0' && tmp[0] <= '9') {
                group_digits(body, tmp, ip, sp.group);
                tpl_tbuf_puts(body, tmp + ip);
            } else {
                tpl_tbuf_puts(body, tmp);
            }
        } else {
            tpl_tbuf_puts(body, tmp);
        }
        if (pct) {
            tpl_tbuf_putc(body, '%');
        }
        t = body->data;
        sign = signbit(d) && !isnan(d) ? "-" : sp.sign == '+' ? "+" : sp.sign == ' ' ? " " : "";
        emit_padded(out, &sp, sign, t, body->len, '>');
    }
}

static int all_digits(const char *f, size_t k)
{
    size_t i;
    for (i = 0; i < k; i++) {
        if (f[i] < '0' || f[i] > '9') {
            return 0;
        }
    }
    return k > 0;
}

static tv field_lookup(struct rs *st, const char *f, size_t n, struct callargs *a, int *auto_idx)
{
    size_t k = 0;
    tv v;
    while (k < n && f[k] != '.' && f[k] != '[') {
        k++;
    }
    if (k == 0) {
        if (*auto_idx < 0) {
            tpl_render_fail(
                st, "cannot switch from manual field specification to automatic field numbering");
        }
        if (*auto_idx >= a->npos) {
            tpl_render_fail(st, "Replacement index %d out of range for positional args tuple",
                            *auto_idx);
        }
        v = a->pos[(*auto_idx)++];
    } else if (all_digits(f, k)) {
        int idx = 0;
        size_t i;
        for (i = 0; i < k && idx <= 100000; i++) {
            idx = idx * 10 + (f[i] - '0');
        }
        if (*auto_idx > 0) {
            tpl_render_fail(
                st, "cannot switch from automatic field numbering to manual field specification");
        }
        *auto_idx = -1;
        if (idx >= a->npos) {
            tpl_render_fail(st, "Replacement index %d out of range for positional args tuple", idx);
        }
        v = a->pos[idx];
    } else {
        int i;
        int found = 0;
        for (i = 0; i < a->nkw; i++) {
            if (strlen(a->kwn[i]) == k && memcmp(a->kwn[i], f, k) == 0) {
                v = a->kwv[i];
                found = 1;
            }
        }
        if (!found) {
            tpl_render_fail(st, "KeyError: '%.*s'", (int)k, f);
        }
    }
    while (k < n) {
        if (f[k] == '.') {
            size_t e = k + 1;
            while (e < n && f[e] != '.' && f[e] != '[') {
                e++;
            }
            /* Python getattr: methods and object attributes, never items */
            if (!(v.t == T_OBJ || (v.t == T_TUPLE && v.sub == 1) ||
                  tpl_methods_has(v, f + k + 1, e - k - 1))) {
                tpl_render_fail(st, "'%s' object has no attribute '%.*s'", tpl_value_typename(v),
                                (int)(e - k - 1), f + k + 1);
            }
            v = tpl_access_getattr(st, v, f + k + 1, e - k - 1);
            k = e;
        } else {
            const char *close = memchr(f + k, ']', n - k);
            size_t e;
            tv key;
            int isnum = 1;
            size_t i;
            if (close == NULL) {
                tpl_render_fail(st, "Missing ']' in format string");
            }
            e = (size_t)(close - f);
            for (i = k + 1; i < e; i++) {
                if (f[i] < '0' || f[i] > '9') {
                    isnum = 0;
                }
            }
            if (isnum && e > k + 1) {
                int ok;
                key = tpl_ops_int_parse(st, f + k + 1, e - k - 1, 10, &ok);
            } else {
                key = tpl_value_str(f + k + 1, e - k - 1);
            }
            v = tpl_access_getitem(st, v, key);
            k = e + 1;
        }
    }
    return v;
}

tv tpl_strformat(struct rs *st, tv fmt, struct callargs *a)
{
    struct octo_buf *out = tpl_render_buf(st);
    const char *s = fmt.u.s.p;
    size_t n = fmt.sn;
    size_t i = 0;
    int auto_idx = 0;
    while (i < n) {
        char c = s[i];
        if (c == '}') {
            if (i + 1 < n && s[i + 1] == '}') {
                tpl_tbuf_putc(out, '}');
                i += 2;
                continue;
            }
            tpl_render_fail(st, "Single '}' encountered in format string");
        }
        if (c != '{') {
            tpl_tbuf_putc(out, c);
            i++;
            continue;
        }
        if (i + 1 < n && s[i + 1] == '{') {
            tpl_tbuf_putc(out, '{');
            i += 2;
            continue;
        }
        {
            size_t k = i + 1;
            size_t fe;
            size_t depth = 1;
            char conv = 0;
            tv v;
            tv spec = tpl_value_str("", 0);
            while (k < n && depth) {
                if (s[k] == '{') {
                    depth++;
                } else if (s[k] == '}') {
                    depth--;
                }
                if (depth) {
                    k++;
                }
            }
            if (k >= n) {
                tpl_render_fail(st, "expected '}' before end of string");
            }
            fe = i + 1;
            while (fe < k && s[fe] != '!' && s[fe] != ':') {
                fe++;
            }
            v = field_lookup(st, s + i + 1, fe - i - 1, a, &auto_idx);
            if (fe < k && s[fe] == '!') {
                conv = fe + 1 < k ? s[fe + 1] : 0;
                if (conv != 'r' && conv != 's' && conv != 'a') {
                    tpl_render_fail(st, "Unknown conversion specifier");
                }
                fe += 2;
            }
            if (fe < k && s[fe] == ':') {
                struct callargs none;
                memset(&none, 0, sizeof(none));
                spec = tpl_value_str(s + fe + 1, k - fe - 1);
                if (memchr(spec.u.s.p, '{', spec.sn)) {
                    spec = tpl_strformat(st, spec, a);
                }
            }
            if (conv == 'r' || conv == 'a') {
                v = tpl_repr(st, v);
            } else if (conv == 's') {
                v = tpl_repr_str(st, v);
                v.safe = 0; /* str(Markup) is a plain str */
            }
            if (!fmt.safe) {
                format_value(st, v, spec, out);
            } else if (v.t == T_STR && v.safe) {
                /* markupsafe's EscapeFormatter: Markup goes in as is */
                if (spec.sn) {
                    tpl_render_fail(
                        st,
                        "Format specifier %.*s given, but <class 'markupsafe.Markup'> does not "
                        "define __html_format__. A class that defines __html__ must define "
                        "__html_format__ to work with format specifiers.",
                        (int)spec.sn, spec.u.s.p);
                }
                tpl_tbuf_append(out, v.u.s.p, v.sn);
            } else { /* ... anything else formatted, then escaped */
                struct octo_buf *fb = tpl_render_buf(st);
                tv t;
                format_value(st, v, spec, fb);
                t = tpl_filters_escape(st, tpl_render_buf_str(st, fb));
                tpl_tbuf_append(out, t.u.s.p, t.sn);
            }
            i = k + 1;
        }
    }
    {
        tv r = tpl_render_buf_str(st, out);
        r.safe = fmt.safe; /* Markup.format */
        return r;
    }
}
