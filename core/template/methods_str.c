/* methods_str.c - Python str methods callable from templates ('a'.upper()):
 * one handler per method (or per family: strip/lstrip/rstrip share one that
 * looks at the name), registered in tpl_methods_str below. */
#include <string.h>

#include "methods.h"
#include "tpl.h"

static tv want_str(struct rs *st, tv v, const char *what)
{
    if (v.t == T_STR) {
        return v;
    }
    if (v.t == T_UNDEF) {
        tpl_render_undefined(st, v);
    }
    tpl_render_fail(st, "%s must be str, not %s", what, tpl_value_typename(v));
}

static tv arg(struct callargs *a, int i)
{
    if (i < a->npos) {
        return a->pos[i];
    }
    {
        tv m = tpl_value_undef();
        m.sub = ARG_MISSING;
        return m;
    }
}

static int64_t opt_int(struct rs *st, tv v, int64_t dflt)
{
    if (!tpl_calls_given(v) || v.t == T_NONE) {
        return dflt;
    }
    return tpl_ops_index(st, v, "argument");
}

static tv justify(struct rs *st, tv s, struct callargs *a, int mode)
{
    int64_t width = tpl_ops_index(st, arg(a, 0), "width");
    tv fill = tpl_calls_given(arg(a, 1)) ? want_str(st, arg(a, 1), "fill character")
                                         : tpl_value_str(" ", 1);
    int64_t len = (int64_t)tpl_ustr_len(s.u.s.p, s.sn);
    int64_t padn;
    int64_t left;
    int64_t i;
    struct octo_buf *b;
    if (tpl_ustr_len(fill.u.s.p, fill.sn) != 1) {
        tpl_render_fail(st, "The fill character must be exactly one character long");
    }
    if (width <= len) {
        return s;
    }
    if (width - len > (int64_t)st->max_output) {
        tpl_render_fail(st, "output exceeds the limit of %zu bytes", st->max_output);
    }
    padn = width - len;
    left = mode == 0 ? padn / 2 + (padn & width & 1) : mode == 1 ? 0 : padn;
    b = tpl_render_buf(st);
    for (i = 0; i < left; i++) {
        tpl_tbuf_append(b, fill.u.s.p, fill.sn);
    }
    tpl_tbuf_append(b, s.u.s.p, s.sn);
    for (i = left; i < padn; i++) {
        tpl_tbuf_append(b, fill.u.s.p, fill.sn);
    }
    return tpl_render_buf_str(st, b);
}

static int all_chars(tv s, int (*pred)(unsigned))
{
    size_t i = 0;
    if (s.sn == 0) {
        return 0;
    }
    while (i < s.sn) {
        if (!pred(tpl_ustr_next(s.u.s.p, s.sn, &i))) {
            return 0;
        }
    }
    return 1;
}

static int u_isnumeric(unsigned c)
{
    return tpl_ucase_isdigit(c) || (c >= 0xBC && c <= 0xBE) || (c >= 0x2150 && c <= 0x2189) ||
           (c >= 0x2460 && c <= 0x249B) || (c >= 0x3007 && c == 0x3007) || c == 0x4E00 ||
           c == 0x4E8C || c == 0x4E09 || c == 0x56DB || c == 0x4E94 || c == 0x516D || c == 0x4E03 ||
           c == 0x516B || c == 0x4E5D || c == 0x5341;
}

static tv splitlines(struct rs *st, tv s, int keepends)
{
    tv out = tpl_value_list_new(st, 0);
    size_t i = 0;
    size_t start = 0;
    while (i < s.sn) {
        size_t k = i;
        unsigned c = tpl_ustr_next(s.u.s.p, s.sn, &k);
        if (c == '\n' || c == '\r' || c == 0x0b || c == 0x0c || c == 0x1c || c == 0x1d ||
            c == 0x1e || c == 0x85 || c == 0x2028 || c == 0x2029) {
            size_t e = k;
            if (c == '\r' && e < s.sn && s.u.s.p[e] == '\n') {
                e++;
            }
            tpl_value_list_push(st, out.u.l,
                                tpl_value_str(s.u.s.p + start, (keepends ? e : i) - start));
            start = i = e;
            continue;
        }
        i = k;
    }
    if (start < s.sn) {
        tpl_value_list_push(st, out.u.l, tpl_value_str(s.u.s.p + start, s.sn - start));
    }
    return out;
}

static tv partition(struct rs *st, tv s, tv sep, int rev)
{
    int64_t at;
    tv r = tpl_value_tuple_new(st, 3);
    size_t off;
    sep = want_str(st, sep, "separator");
    if (sep.sn == 0) {
        tpl_render_fail(st, "empty separator");
    }
    at = tpl_ustr_find(s, sep, 0, INT64_MAX, rev);
    r.u.l->n = 3;
    if (at < 0) {
        r.u.l->it[rev ? 2 : 0] = s;
        r.u.l->it[1] = tpl_value_str("", 0);
        r.u.l->it[rev ? 0 : 2] = tpl_value_str("", 0);
        return r;
    }
    off = tpl_ustr_offset(s.u.s.p, s.sn, (size_t)at);
    r.u.l->it[0] = tpl_value_str(s.u.s.p, off);
    r.u.l->it[1] = sep;
    r.u.l->it[2] = tpl_value_str(s.u.s.p + off + sep.sn, s.sn - off - sep.sn);
    return r;
}

static int is_ident(tv s)
{
    size_t i = 0;
    int first = 1;
    if (s.sn == 0) {
        return 0;
    }
    while (i < s.sn) {
        unsigned c = tpl_ustr_next(s.u.s.p, s.sn, &i);
        if (!(c == '_' || tpl_ucase_isalpha(c) || (!first && tpl_ucase_isdigit(c)))) {
            return 0;
        }
        first = 0;
    }
    return 1;
}

/* Markup's split, splitlines, partition give Markup parts */
static tv mark_items(tv l, int safe)
{
    size_t i;
    if (safe) {
        for (i = 0; i < l.u.l->n; i++) {
            l.u.l->it[i].safe = 1;
        }
    }
    return l;
}

static tv m_upper(struct rs *st, tv s, const char *m, struct callargs *a)
{
    (void)m;
    (void)a;
    return tpl_ustr_upper(st, s);
}

/* lower and casefold */
static tv m_lower(struct rs *st, tv s, const char *m, struct callargs *a)
{
    (void)m;
    (void)a;
    return tpl_ustr_lower(st, s);
}

static tv m_title(struct rs *st, tv s, const char *m, struct callargs *a)
{
    (void)m;
    (void)a;
    return tpl_ustr_pytitle(st, s);
}

static tv m_capitalize(struct rs *st, tv s, const char *m, struct callargs *a)
{
    (void)m;
    (void)a;
    return tpl_ustr_capitalize(st, s);
}

static tv m_swapcase(struct rs *st, tv s, const char *m, struct callargs *a)
{
    struct octo_buf *b = tpl_render_buf(st);
    size_t i = 0;
    (void)m;
    (void)a;
    while (i < s.sn) {
        unsigned c = tpl_ustr_next(s.u.s.p, s.sn, &i);
        tpl_ustr_put(b, tpl_ucase_isupper(c) ? tpl_ucase_lower(c) : tpl_ucase_upper(c));
    }
    return tpl_render_buf_str(st, b);
}

/* strip, lstrip, rstrip */
static tv m_strip(struct rs *st, tv s, const char *m, struct callargs *a)
{
    tv chars = arg(a, 0);
    if (tpl_calls_given(chars) && chars.t != T_NONE) {
        chars = want_str(st, chars, "argument");
    } else {
        chars = tpl_value_none();
    }
    return tpl_ustr_strip(st, s, chars, m[0] != 'r', m[0] != 'l');
}

/* split, rsplit */
static tv m_split(struct rs *st, tv s, const char *m, struct callargs *a)
{
    static const char *const names[] = {"sep", "maxsplit"};
    tv args[2];
    tpl_calls_bind_args(st, m, a, names, 2, args);
    if (tpl_calls_given(args[0]) && args[0].t != T_NONE) {
        want_str(st, args[0], "separator");
    } else {
        args[0] = tpl_value_none();
    }
    return mark_items(tpl_ustr_split(st, s, args[0], opt_int(st, args[1], -1), m[0] == 'r'),
                      s.safe);
}

static tv m_splitlines(struct rs *st, tv s, const char *m, struct callargs *a)
{
    static const char *const names[] = {"keepends"};
    tv args[1];
    tpl_calls_bind_args(st, m, a, names, 1, args);
    return mark_items(splitlines(st, s, tpl_calls_given(args[0]) && tpl_value_truthy(st, args[0])),
                      s.safe);
}

/* startswith, endswith: a prefix or a tuple of them, optional start and end */
static tv m_startswith(struct rs *st, tv s, const char *m, struct callargs *a)
{
    tv p = arg(a, 0);
    int ends = m[0] == 'e';
    tv sub = s;
    if (tpl_calls_given(arg(a, 1))) {
        int64_t len = (int64_t)tpl_ustr_len(s.u.s.p, s.sn);
        int64_t st0 = opt_int(st, arg(a, 1), 0);
        int64_t en = opt_int(st, arg(a, 2), len);
        sub = tpl_access_slice(st, s, tpl_value_int(st0), tpl_value_int(en), tpl_value_none());
    }
    if (p.t == T_TUPLE || p.t == T_LIST || p.t == T_JLIST) {
        size_t k;
        for (k = 0; k < tpl_value_seq_len(p); k++) {
            tv x = want_str(st, tpl_value_seq_at(p, k), "tuple for startswith");
            if (ends ? tpl_ustr_endswith(sub, x) : tpl_ustr_startswith(sub, x)) {
                return tpl_value_bool(1);
            }
        }
        return tpl_value_bool(0);
    }
    p = want_str(st, p, "startswith first arg");
    return tpl_value_bool(ends ? tpl_ustr_endswith(sub, p) : tpl_ustr_startswith(sub, p));
}

static tv m_replace(struct rs *st, tv s, const char *m, struct callargs *a)
{
    tv o = want_str(st, arg(a, 0), "replace() argument 1");
    tv w = want_str(st, arg(a, 1), "replace() argument 2");
    (void)m;
    if (s.safe) { /* Markup.replace escapes its arguments */
        o = tpl_filters_escape(st, o);
        w = tpl_filters_escape(st, w);
    }
    return tpl_ustr_replace(st, s, o, w, opt_int(st, arg(a, 2), -1));
}

/* find, rfind, index, rindex: the index ones fail where find gives -1 */
static tv m_find(struct rs *st, tv s, const char *m, struct callargs *a)
{
    tv nd = want_str(st, arg(a, 0), "must be str");
    int64_t r = tpl_ustr_find(s, nd, opt_int(st, arg(a, 1), 0), opt_int(st, arg(a, 2), INT64_MAX),
                              m[0] == 'r');
    if (r < 0 && strstr(m, "index") != NULL) {
        tpl_render_fail(st, "substring not found");
    }
    return tpl_value_int(r);
}

static tv m_count(struct rs *st, tv s, const char *m, struct callargs *a)
{
    tv nd = want_str(st, arg(a, 0), "must be str");
    tv sub = tpl_access_slice(st, s, tpl_calls_given(arg(a, 1)) ? arg(a, 1) : tpl_value_none(),
                              tpl_calls_given(arg(a, 2)) ? arg(a, 2) : tpl_value_none(),
                              tpl_value_none());
    int64_t c = 0;
    size_t pos = 0;
    (void)m;
    if (nd.sn == 0) {
        return tpl_value_int((int64_t)tpl_ustr_len(sub.u.s.p, sub.sn) + 1);
    }
    for (;;) {
        const char *f = memmem(sub.u.s.p + pos, sub.sn - pos, nd.u.s.p, nd.sn);
        if (f == NULL) {
            break;
        }
        c++;
        pos = (size_t)(f - sub.u.s.p) + nd.sn;
    }
    return tpl_value_int(c);
}

static tv m_join(struct rs *st, tv s, const char *m, struct callargs *a)
{
    size_t n;
    size_t i;
    tv *it = tpl_value_iterate(st, arg(a, 0), &n);
    struct octo_buf *b = tpl_render_buf(st);
    tv r;
    (void)m;
    for (i = 0; i < n; i++) {
        tv x = it[i];
        if (s.safe) { /* Markup.join escapes the items */
            x = tpl_filters_escape(st, x);
        } else if (x.t != T_STR) {
            tpl_render_fail(st, "sequence item %zu: expected str instance, %s found", i,
                            tpl_value_typename(x));
        }
        if (i) {
            tpl_tbuf_append(b, s.u.s.p, s.sn);
        }
        tpl_tbuf_append(b, x.u.s.p, x.sn);
    }
    r = tpl_render_buf_str(st, b);
    r.safe = s.safe;
    return r;
}

static tv m_format(struct rs *st, tv s, const char *m, struct callargs *a)
{
    (void)m;
    return tpl_strformat(st, s, a);
}

/* format_map(mapping): str.format with the mapping's string keys as keywords */
static tv m_format_map(struct rs *st, tv s, const char *m, struct callargs *a)
{
    struct callargs b2;
    (void)m;
    memset(&b2, 0, sizeof(b2));
    if (a->npos == 1 && tpl_value_is_map(a->pos[0])) {
        tv *ks;
        tv *vs;
        size_t n;
        size_t i;
        tpl_value_map_items(st, a->pos[0], &ks, &vs, &n);
        b2.kwn = tpl_render_alloc(st, (n + 1) * sizeof(char *));
        b2.kwv = tpl_render_alloc(st, (n + 1) * sizeof(tv));
        for (i = 0; i < n; i++) {
            if (ks[i].t == T_STR) {
                b2.kwn[b2.nkw] = tpl_value_strdup(st, ks[i].u.s.p, ks[i].sn).u.s.p;
                b2.kwv[b2.nkw++] = vs[i];
            }
        }
    }
    return tpl_strformat(st, s, &b2);
}

/* center, ljust, rjust */
static tv m_justify(struct rs *st, tv s, const char *m, struct callargs *a)
{
    return justify(st, s, a, m[0] == 'c' ? 0 : m[0] == 'l' ? 1 : 2);
}

static tv m_zfill(struct rs *st, tv s, const char *m, struct callargs *a)
{
    int64_t width = tpl_ops_index(st, arg(a, 0), "width");
    int64_t len = (int64_t)tpl_ustr_len(s.u.s.p, s.sn);
    struct octo_buf *b;
    size_t skip = 0;
    int64_t i;
    (void)m;
    if (width <= len) {
        return s;
    }
    if (width > (int64_t)st->max_output) {
        tpl_render_fail(st, "output exceeds the limit of %zu bytes", st->max_output);
    }
    b = tpl_render_buf(st);
    if (s.sn && (s.u.s.p[0] == '-' || s.u.s.p[0] == '+')) {
        tpl_tbuf_putc(b, s.u.s.p[0]);
        skip = 1;
    }
    for (i = len; i < width; i++) {
        tpl_tbuf_putc(b, '0');
    }
    tpl_tbuf_append(b, s.u.s.p + skip, s.sn - skip);
    return tpl_render_buf_str(st, b);
}

/* isdigit and isdecimal (the same here) */
static tv m_isdigit(struct rs *st, tv s, const char *m, struct callargs *a)
{
    (void)st;
    (void)m;
    (void)a;
    return tpl_value_bool(all_chars(s, tpl_ucase_isdigit));
}

static tv m_isnumeric(struct rs *st, tv s, const char *m, struct callargs *a)
{
    (void)st;
    (void)m;
    (void)a;
    return tpl_value_bool(all_chars(s, u_isnumeric));
}

static tv m_isalpha(struct rs *st, tv s, const char *m, struct callargs *a)
{
    (void)st;
    (void)m;
    (void)a;
    return tpl_value_bool(all_chars(s, tpl_ucase_isalpha));
}

static tv m_isalnum(struct rs *st, tv s, const char *m, struct callargs *a)
{
    (void)st;
    (void)m;
    (void)a;
    return tpl_value_bool(all_chars(s, tpl_ucase_isalnum));
}

static tv m_isspace(struct rs *st, tv s, const char *m, struct callargs *a)
{
    (void)st;
    (void)m;
    (void)a;
    return tpl_value_bool(all_chars(s, tpl_ucase_isspace));
}

/* islower, isupper */
static tv m_iscased(struct rs *st, tv s, const char *m, struct callargs *a)
{
    (void)st;
    (void)a;
    return tpl_value_bool(tpl_ustr_iscased(s, m[2] == 'u'));
}

/* title-cased: what str.title() leaves unchanged, not empty or all space.
 * Python also requires a cased character ('1'.istitle() is False); that
 * is not checked here. */
static tv m_istitle(struct rs *st, tv s, const char *m, struct callargs *a)
{
    tv t = tpl_ustr_pytitle(st, s);
    (void)m;
    (void)a;
    return tpl_value_bool(t.sn == s.sn && memcmp(t.u.s.p, s.u.s.p, s.sn) == 0 && s.sn > 0 &&
                          !all_chars(s, tpl_ucase_isspace));
}

static tv m_isidentifier(struct rs *st, tv s, const char *m, struct callargs *a)
{
    (void)st;
    (void)m;
    (void)a;
    return tpl_value_bool(is_ident(s));
}

static tv m_isascii(struct rs *st, tv s, const char *m, struct callargs *a)
{
    size_t i;
    (void)st;
    (void)m;
    (void)a;
    for (i = 0; i < s.sn; i++) {
        if ((unsigned char)s.u.s.p[i] >= 0x80) {
            return tpl_value_bool(0);
        }
    }
    return tpl_value_bool(1);
}

static tv m_isprintable(struct rs *st, tv s, const char *m, struct callargs *a)
{
    size_t i = 0;
    (void)st;
    (void)m;
    (void)a;
    while (i < s.sn) {
        unsigned c = tpl_ustr_next(s.u.s.p, s.sn, &i);
        if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
            return tpl_value_bool(0);
        }
    }
    return tpl_value_bool(1);
}

/* partition, rpartition */
static tv m_partition(struct rs *st, tv s, const char *m, struct callargs *a)
{
    tv sep = arg(a, 0);
    if (s.safe && tpl_calls_given(sep)) { /* Markup.partition escapes the separator */
        sep = tpl_filters_escape(st, want_str(st, sep, "separator"));
    }
    return mark_items(partition(st, s, sep, m[0] == 'r'), s.safe);
}

static tv m_removeprefix(struct rs *st, tv s, const char *m, struct callargs *a)
{
    tv p = want_str(st, arg(a, 0), "argument");
    (void)m;
    return tpl_ustr_startswith(s, p) ? tpl_value_str(s.u.s.p + p.sn, s.sn - p.sn) : s;
}

static tv m_removesuffix(struct rs *st, tv s, const char *m, struct callargs *a)
{
    tv p = want_str(st, arg(a, 0), "argument");
    (void)m;
    return tpl_ustr_endswith(s, p) && p.sn ? tpl_value_str(s.u.s.p, s.sn - p.sn) : s;
}

static tv m_expandtabs(struct rs *st, tv s, const char *m, struct callargs *a)
{
    static const char *const names[] = {"tabsize"};
    tv args[1];
    int64_t ts;
    int64_t col = 0;
    size_t i = 0;
    struct octo_buf *b = tpl_render_buf(st);
    tpl_calls_bind_args(st, m, a, names, 1, args);
    ts = opt_int(st, args[0], 8);
    if (ts > 10000) {
        tpl_render_fail(st, "tab size too large");
    }
    while (i < s.sn) {
        unsigned c = tpl_ustr_next(s.u.s.p, s.sn, &i);
        if (c == '\t') {
            if (ts > 0) {
                int64_t k = ts - col % ts;
                col += k;
                while (k-- > 0) {
                    tpl_tbuf_putc(b, ' ');
                }
            }
        } else {
            tpl_ustr_put(b, c);
            col = (c == '\n' || c == '\r') ? 0 : col + 1;
        }
    }
    return tpl_render_buf_str(st, b);
}

/* templates have no bytes: the method exists so that the message says so */
static tv m_encode(struct rs *st, tv s, const char *m, struct callargs *a)
{
    (void)s;
    (void)m;
    (void)a;
    tpl_render_fail(st, "bytes values are not supported in templates");
}

/* The str methods. No arity is checked before the handlers: they read the
 * arguments they use (arg()) and, as before this table, ignore extra ones;
 * split, splitlines, expandtabs bind theirs by name. */
const struct method tpl_methods_str[] = {METHOD("capitalize", m_capitalize, M_ANY, M_ANY, 0),
                                         METHOD("casefold", m_lower, M_ANY, M_ANY, 0),
                                         METHOD("center", m_justify, M_ANY, M_ANY, 0),
                                         METHOD("count", m_count, M_ANY, M_ANY, 0),
                                         METHOD("encode", m_encode, M_ANY, M_ANY, 0),
                                         METHOD("endswith", m_startswith, M_ANY, M_ANY, 0),
                                         METHOD("expandtabs", m_expandtabs, M_ANY, M_ANY, M_KWARGS),
                                         METHOD("find", m_find, M_ANY, M_ANY, 0),
                                         METHOD("format", m_format, M_ANY, M_ANY, M_KWARGS),
                                         METHOD("format_map", m_format_map, M_ANY, M_ANY, 0),
                                         METHOD("index", m_find, M_ANY, M_ANY, 0),
                                         METHOD("isalnum", m_isalnum, M_ANY, M_ANY, 0),
                                         METHOD("isalpha", m_isalpha, M_ANY, M_ANY, 0),
                                         METHOD("isascii", m_isascii, M_ANY, M_ANY, 0),
                                         METHOD("isdecimal", m_isdigit, M_ANY, M_ANY, 0),
                                         METHOD("isdigit", m_isdigit, M_ANY, M_ANY, 0),
                                         METHOD("isidentifier", m_isidentifier, M_ANY, M_ANY, 0),
                                         METHOD("islower", m_iscased, M_ANY, M_ANY, 0),
                                         METHOD("isnumeric", m_isnumeric, M_ANY, M_ANY, 0),
                                         METHOD("isprintable", m_isprintable, M_ANY, M_ANY, 0),
                                         METHOD("isspace", m_isspace, M_ANY, M_ANY, 0),
                                         METHOD("istitle", m_istitle, M_ANY, M_ANY, 0),
                                         METHOD("isupper", m_iscased, M_ANY, M_ANY, 0),
                                         METHOD("join", m_join, M_ANY, M_ANY, 0),
                                         METHOD("ljust", m_justify, M_ANY, M_ANY, 0),
                                         METHOD("lower", m_lower, M_ANY, M_ANY, 0),
                                         METHOD("lstrip", m_strip, M_ANY, M_ANY, 0),
                                         METHOD("partition", m_partition, M_ANY, M_ANY, 0),
                                         METHOD("removeprefix", m_removeprefix, M_ANY, M_ANY, 0),
                                         METHOD("removesuffix", m_removesuffix, M_ANY, M_ANY, 0),
                                         METHOD("replace", m_replace, M_ANY, M_ANY, 0),
                                         METHOD("rfind", m_find, M_ANY, M_ANY, 0),
                                         METHOD("rindex", m_find, M_ANY, M_ANY, 0),
                                         METHOD("rjust", m_justify, M_ANY, M_ANY, 0),
                                         METHOD("rpartition", m_partition, M_ANY, M_ANY, 0),
                                         METHOD("rsplit", m_split, M_ANY, M_ANY, M_KWARGS),
                                         METHOD("rstrip", m_strip, M_ANY, M_ANY, 0),
                                         METHOD("split", m_split, M_ANY, M_ANY, M_KWARGS),
                                         METHOD("splitlines", m_splitlines, M_ANY, M_ANY, M_KWARGS),
                                         METHOD("startswith", m_startswith, M_ANY, M_ANY, 0),
                                         METHOD("strip", m_strip, M_ANY, M_ANY, 0),
                                         METHOD("swapcase", m_swapcase, M_ANY, M_ANY, 0),
                                         METHOD("title", m_title, M_ANY, M_ANY, 0),
                                         METHOD("upper", m_upper, M_ANY, M_ANY, 0),
                                         METHOD("zfill", m_zfill, M_ANY, M_ANY, 0),
                                         {NULL, 0, 0, 0, 0, NULL}};
