/* filters_wrap.c - wordwrap (Python textwrap's greedy algorithm) and
 * urlize (jinja2.utils.urlize). */
#include <string.h>

#include "filters.h"
#include "ident.h"
#include "tpl.h"
#include "tre.h"

struct chunk {
    const char *p;
    size_t n;  /* bytes */
    size_t cp; /* code points */
    int ws;
};

static int is_ws_chunk(struct chunk *c)
{
    return c->ws;
}

/* split a line into whitespace runs and words (words broken after hyphens) */
static struct chunk *chunks_of(struct rs *st, tv line, int hyphens, size_t *nout)
{
    size_t cap = (size_t)line.sn + 1;
    struct chunk *c = tpl_render_alloc(st, cap * sizeof(*c));
    size_t n = 0;
    size_t i = 0;
    while (i < line.sn) {
        size_t st0 = i;
        size_t k = i;
        unsigned ch = tpl_ustr_next(line.u.s.p, line.sn, &k);
        int ws = tpl_ucase_isspace(ch);
        size_t cps = 0;
        while (i < line.sn) {
            size_t j = i;
            unsigned d = tpl_ustr_next(line.u.s.p, line.sn, &j);
            if (tpl_ucase_isspace(d) != ws) {
                break;
            }
            i = j;
            cps++;
            if (!ws && hyphens && d == '-' && cps > 1 && i < line.sn) {
                size_t j2 = i;
                unsigned nx = tpl_ustr_next(line.u.s.p, line.sn, &j2);
                unsigned pv = (unsigned char)line.u.s.p[i - 2];
                if (tpl_ucase_isalpha(nx) && (tpl_ucase_isalnum(pv) || pv >= 0x80)) {
                    break;
                }
            }
        }
        c[n].p = line.u.s.p + st0;
        c[n].n = i - st0;
        c[n].cp = cps;
        c[n].ws = ws;
        n++;
    }
    *nout = n;
    return c;
}

static void wrap_line(struct rs *st, tv line, int64_t width, int blw, int hyphens, tv lines)
{
    size_t nc;
    struct chunk *c = chunks_of(st, line, hyphens, &nc);
    size_t pos = 0; /* next chunk */
    struct octo_buf *cur;
    if (width <= 0) {
        tpl_render_fail(st, "invalid width %lld (must be > 0)", (long long)width);
    }
    while (pos < nc) {
        int64_t cur_len = 0;
        size_t first_in_line;
        size_t last_len = 0;
        int last_ws = 0;
        cur = tpl_render_buf(st);
        if (is_ws_chunk(&c[pos]) && lines.u.l->n > 0) {
            pos++;
            if (pos >= nc) {
                break;
            }
        }
        first_in_line = pos;
        while (pos < nc && cur_len + (int64_t)c[pos].cp <= width) {
            tpl_tbuf_append(cur, c[pos].p, c[pos].n);
            cur_len += (int64_t)c[pos].cp;
            last_len = c[pos].n;
            last_ws = c[pos].ws;
            pos++;
        }
        if (pos < nc && (int64_t)c[pos].cp > width) {
            int64_t space_left = width - cur_len < 1 ? 1 : width - cur_len;
            if (blw) {
                struct chunk *ch = &c[pos];
                int64_t end = space_left;
                size_t off;
                if (hyphens && (int64_t)ch->cp > space_left) {
                    /* rfind '-' in chunk[:space_left] */
                    size_t lim = tpl_ustr_offset(ch->p, ch->n, (size_t)space_left);
                    size_t h;
                    for (h = lim; h-- > 0;) {
                        if (ch->p[h] == '-') {
                            size_t q;
                            int nondash = 0;
                            for (q = 0; q < h; q++) {
                                if (ch->p[q] != '-') {
                                    nondash = 1;
                                }
                            }
                            if (h > 0 && nondash) {
                                end = (int64_t)tpl_ustr_len(ch->p, h) + 1;
                            }
                            break;
                        }
                    }
                }
                off = tpl_ustr_offset(ch->p, ch->n, (size_t)end);
                tpl_tbuf_append(cur, ch->p, off);
                cur_len += end;
                last_len = off;
                last_ws = 0;
                ch->p += off;
                ch->n -= off;
                ch->cp -= (size_t)end;
            } else if (pos == first_in_line) {
                tpl_tbuf_append(cur, c[pos].p, c[pos].n);
                last_len = c[pos].n;
                last_ws = c[pos].ws;
                pos++;
            }
        }
        if (last_ws && cur->len >= last_len) {
            cur->len -= last_len;
        }
        if (cur->len) {
            tpl_value_list_push(st, lines.u.l, tpl_render_buf_str(st, cur));
        }
    }
}

static tv f_wordwrap(struct rs *st, tv v, struct callargs *a)
{
    int64_t width = 79;
    int blw = 1;
    int hyphens = 1;
    tv wrapstr = tpl_value_str("\n", 1);
    tv s;
    tv paras;
    struct octo_buf *out = tpl_render_buf(st);
    size_t i;
    size_t k;
    BIND("wordwrap", "width", "break_long_words", "wrapstring", "break_on_hyphens");
    if (v.t == T_UNDEF) {
        tpl_render_undefined(st, v);
    }
    if (v.t != T_STR) {
        tpl_render_fail(st, "'%s' object has no attribute 'splitlines'", tpl_value_typename(v));
    }
    s = v;
    if (tpl_calls_given(args[0])) {
        width = tpl_ops_index(st, args[0], "width");
    }
    if (tpl_calls_given(args[1])) {
        blw = tpl_value_truthy(st, args[1]);
    }
    if (tpl_calls_given(args[2]) && args[2].t != T_NONE) {
        wrapstr = tpl_repr_str(st, args[2]);
    }
    if (tpl_calls_given(args[3])) {
        hyphens = tpl_value_truthy(st, args[3]);
    }
    {
        struct callargs none;
        memset(&none, 0, sizeof(none));
        paras = tpl_methods_call(st, s, "splitlines", &none);
    }
    for (i = 0; i < paras.u.l->n; i++) {
        tv lines = tpl_value_list_new(st, 0);
        if (i) {
            tpl_tbuf_append(out, wrapstr.u.s.p, wrapstr.sn);
        }
        wrap_line(st, paras.u.l->it[i], width, blw, hyphens, lines);
        for (k = 0; k < lines.u.l->n; k++) {
            if (k) {
                tpl_tbuf_append(out, wrapstr.u.s.p, wrapstr.sn);
            }
            tpl_tbuf_append(out, lines.u.l->it[k].u.s.p, lines.u.l->it[k].sn);
        }
    }
    return tpl_render_buf_str(st, out);
}

static const char HTTP_RE[] =
    "^((https?://|www\\.)(([\\w%-]+\\.)+)?([a-z]{2,63}|xn--[\\w%]{2,59})|([\\w%-]{2,63}\\.)+"
    "(com|net|int|edu|gov|org|info|mil)|(https?://)((([\\d]{1,3})(\\.[\\d]{1,3}){3})|"
    "(\\[([\\da-f]{0,4}:){2}([\\da-f]{0,4}:?){1,6}])))(?::[\\d]{1,5})?(?:[/?#]\\S*)?$";
static const char EMAIL_RE[] = "^\\S+@\\w[\\w.-]*\\.\\w+$";

static size_t count_sub(const char *s, size_t n, const char *sub)
{
    size_t c = 0;
    size_t k = strlen(sub);
    size_t i;
    for (i = 0; i + k <= n; i++) {
        if (memcmp(s + i, sub, k) == 0) {
            c++;
            i += k - 1;
        }
    }
    return c;
}

/* Jinja2's _uri_scheme_re: ^([\w.+-]{2,}:(/){0,2})$ */
static int uri_scheme(struct rs *st, tv s)
{
    size_t i = 0;
    size_t n = 0;
    size_t slashes = 0;
    if (s.t != T_STR) {
        tpl_render_fail(st, "expected string or bytes-like object, got '%s'",
                        tpl_value_typename(s));
    }
    while (i < s.sn) {
        size_t j = i;
        unsigned c = tpl_ustr_next(s.u.s.p, s.sn, &j);
        if (!(c == '.' || c == '+' || c == '-' || (tpl_ident_class(c) & ID_WORD))) {
            break;
        }
        i = j;
        n++;
    }
    if (n < 2 || i >= s.sn || s.u.s.p[i] != ':') {
        return 0;
    }
    for (i++; i < s.sn && s.u.s.p[i] == '/'; i++) {
        slashes++;
    }
    return i == s.sn && slashes <= 2;
}

static tv f_urlize(struct rs *st, tv v, struct callargs *a)
{
    struct tre *http;
    struct tre *email;
    int64_t trim = -1;
    tv rel = tpl_value_str("noopener", 8);
    tv target = tpl_value_none();
    tv text;
    struct octo_buf *out = tpl_render_buf(st);
    size_t i = 0;
    size_t ov[2 * TRE_MAXG];
    tv *schemes = NULL;
    size_t nschemes = 0;
    BIND("urlize", "trim_url_limit", "nofollow", "target", "rel", "extra_schemes");
    if (tpl_calls_given(args[0]) && args[0].t != T_NONE) {
        trim = tpl_ops_index(st, args[0], "trim_url_limit");
    }
    {
        /* rel: the sorted set of its words, nofollow, and the policy's noopener */
        tv words = tpl_calls_given(args[3]) && tpl_value_truthy(st, args[3])
                       ? tpl_ustr_split(st, tpl_repr_str(st, args[3]), tpl_value_none(), -1, 0)
                       : tpl_value_list_new(st, 2);
        struct octo_buf *rb = tpl_render_buf(st);
        size_t x;
        if (tpl_calls_given(args[1]) && tpl_value_truthy(st, args[1])) {
            tpl_value_list_push(st, words.u.l, tpl_value_str("nofollow", 8));
        }
        tpl_value_list_push(st, words.u.l, tpl_value_str("noopener", 8));
        tpl_filters_sort_values(st, words.u.l->it, words.u.l->n, 0, 1, NULL);
        for (x = 0; x < words.u.l->n; x++) {
            if (x && tpl_compare_eq(st, words.u.l->it[x], words.u.l->it[x - 1])) {
                continue;
            }
            if (rb->len) {
                tpl_tbuf_putc(rb, ' ');
            }
            tpl_tbuf_append(rb, words.u.l->it[x].u.s.p, words.u.l->it[x].sn);
        }
        rel = tpl_filters_escape(st, tpl_render_buf_str(st, rb));
    }
    if (tpl_calls_given(args[2]) && tpl_value_truthy(st, args[2])) {
        target = tpl_filters_escape(st, args[2]);
    }
    if (tpl_calls_given(args[4]) && args[4].t != T_NONE) {
        size_t x;
        schemes = tpl_value_iterate(st, args[4], &nschemes);
        for (x = 0; x < nschemes; x++) {
            if (!uri_scheme(st, schemes[x])) {
                tpl_render_fail(st, "%s is not a valid URI scheme prefix.",
                                tpl_repr(st, schemes[x]).u.s.p);
            }
        }
    }
    http = tpl_tre_compile(st, HTTP_RE, sizeof(HTTP_RE) - 1, TRE_ICASE);
    email = tpl_tre_compile(st, EMAIL_RE, sizeof(EMAIL_RE) - 1, 0);
    text = tpl_filters_escape(st, tpl_repr_str(st, v));
    while (i < text.sn) {
        size_t k = i;
        size_t ws = i;
        const char *w;
        size_t wn;
        size_t hs;
        size_t te;
        unsigned c = tpl_ustr_next(text.u.s.p, text.sn, &k);
        if (tpl_ucase_isspace(c)) {
            tpl_tbuf_append(out, text.u.s.p + i, k - i);
            i = k;
            continue;
        }
        while (ws < text.sn) {
            size_t j = ws;
            if (tpl_ucase_isspace(tpl_ustr_next(text.u.s.p, text.sn, &j))) {
                break;
            }
            ws = j;
        }
        w = text.u.s.p + i;
        wn = ws - i;
        i = ws;
        /* head: ([(<]|&lt;)+ */
        hs = 0;
        for (;;) {
            if (hs < wn && (w[hs] == '(' || w[hs] == '<')) {
                hs++;
            } else if (wn - hs >= 4 && memcmp(w + hs, "&lt;", 4) == 0) {
                hs += 4;
            } else {
                break;
            }
        }
        /* tail: ([)>.,\n]|&gt;)+$ */
        te = wn;
        for (;;) {
            if (te > hs && (w[te - 1] == ')' || w[te - 1] == '>' || w[te - 1] == '.' ||
                            w[te - 1] == ',' || w[te - 1] == '\n')) {
                te--;
            } else if (te >= hs + 4 && memcmp(w + te - 4, "&gt;", 4) == 0) {
                te -= 4;
            } else {
                break;
            }
        }
        {
            struct octo_buf *mid = tpl_render_buf(st);
            const char *tail = w + te;
            size_t tn = wn - te;
            static const char *const pairs[3][2] = {{"(", ")"}, {"<", ">"}, {"&lt;", "&gt;"}};
            int pi;
            tv m;
            tpl_tbuf_append(mid, w + hs, te - hs);
            for (pi = 0; pi < 3; pi++) {
                size_t sc = count_sub(mid->data ? mid->data : "", mid->len, pairs[pi][0]);
                size_t ec = count_sub(mid->data ? mid->data : "", mid->len, pairs[pi][1]);
                size_t moves;
                size_t tc = count_sub(tail, tn, pairs[pi][1]);
                if (sc <= ec) {
                    continue;
                }
                for (moves = sc < tc ? sc : tc; moves > 0; moves--) {
                    const char *e = memmem(tail, tn, pairs[pi][1], strlen(pairs[pi][1]));
                    size_t endi = (size_t)(e - tail) + strlen(pairs[pi][1]);
                    tpl_tbuf_append(mid, tail, endi);
                    tail += endi;
                    tn -= endi;
                }
            }
            m = tpl_render_buf_str(st, mid);
            tpl_tbuf_append(out, w, hs);
            if (tpl_tre_search(st, http, m.u.s.p, m.sn, 0, 1, ov, 1)) {
                int full = tpl_ustr_startswith(m, tpl_value_cstr("https://")) ||
                           tpl_ustr_startswith(m, tpl_value_cstr("http://"));
                tv shown = m;
                if (trim >= 0 && (int64_t)tpl_ustr_len(m.u.s.p, m.sn) > trim) {
                    shown = tpl_ustr_concat(
                        st, tpl_value_str(m.u.s.p, tpl_ustr_offset(m.u.s.p, m.sn, (size_t)trim)),
                        tpl_value_str("...", 3));
                }
                octo_buf_printf(out, "<a href=\"%s%.*s\"", full ? "" : "https://", (int)m.sn,
                                m.u.s.p);
                if (rel.sn) {
                    octo_buf_printf(out, " rel=\"%.*s\"", (int)rel.sn, rel.u.s.p);
                }
                if (target.t == T_STR) {
                    octo_buf_printf(out, " target=\"%.*s\"", (int)target.sn, target.u.s.p);
                }
                octo_buf_printf(out, ">%.*s</a>", (int)shown.sn, shown.u.s.p);
            } else if (tpl_ustr_startswith(m, tpl_value_cstr("mailto:")) &&
                       tpl_tre_search(st, email, m.u.s.p + 7, m.sn - 7, 0, 1, ov, 1)) {
                octo_buf_printf(out, "<a href=\"%.*s\">%.*s</a>", (int)m.sn, m.u.s.p, (int)m.sn - 7,
                                m.u.s.p + 7);
            } else if (memchr(m.u.s.p, '@', m.sn) &&
                       !tpl_ustr_startswith(m, tpl_value_cstr("www.")) &&
                       !memchr(m.u.s.p, ':', m.sn) &&
                       tpl_tre_search(st, email, m.u.s.p, m.sn, 0, 1, ov, 1)) {
                octo_buf_printf(out, "<a href=\"mailto:%.*s\">%.*s</a>", (int)m.sn, m.u.s.p,
                                (int)m.sn, m.u.s.p);
            } else {
                size_t x;
                for (x = 0; x < nschemes; x++) {
                    tv sch = schemes[x];
                    if (!(m.sn == sch.sn && memcmp(m.u.s.p, sch.u.s.p, m.sn) == 0) &&
                        tpl_ustr_startswith(m, sch)) {
                        break;
                    }
                }
                if (x < nschemes) {
                    octo_buf_printf(out, "<a href=\"%.*s\"", (int)m.sn, m.u.s.p);
                    if (rel.sn) {
                        octo_buf_printf(out, " rel=\"%.*s\"", (int)rel.sn, rel.u.s.p);
                    }
                    if (target.t == T_STR) {
                        octo_buf_printf(out, " target=\"%.*s\"", (int)target.sn, target.u.s.p);
                    }
                    octo_buf_printf(out, ">%.*s</a>", (int)m.sn, m.u.s.p);
                } else {
                    tpl_tbuf_append(out, m.u.s.p, m.sn);
                }
            }
            tpl_tbuf_append(out, tail, tn);
        }
    }
    {
        tv r = tpl_render_buf_str(st, out);
        r.safe = (uint8_t)(st->autoescape != 0); /* Markup when autoescaping */
        return r;
    }
}

const struct fentry tpl_filters_wrap[] = {
    {"urlize", f_urlize, 0}, {"wordwrap", f_wordwrap, 0}, {NULL, NULL, 0}};
