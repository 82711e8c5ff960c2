/* filters_string.c - text filters: case, trim, replace, truncate, indent,
 * center, escape/safe, striptags, urlencode, wordcount, string; format is
 * pformat.c's (registered here), urlize and wordwrap are in filters_wrap.c. */
#include <string.h>

#include "filters.h"
#include "tpl.h"
#include "tre.h"

/* str() as Jinja's soft_str: Markup stays Markup */
static tv sstr(struct rs *st, tv v)
{
    return tpl_repr_str(st, v);
}

tv tpl_filters_escape(struct rs *st, tv s)
{
    struct octo_buf *b;
    size_t i;
    tv r;
    if (s.t != T_STR) {
        s = tpl_repr_str(st, s);
    }
    if (s.safe) {
        return s;
    }
    if (strpbrk(s.u.s.p, "&<>\"'") == NULL && memchr(s.u.s.p, 0, s.sn) == NULL) {
        r = s;
        r.safe = 1;
        return r;
    }
    b = tpl_render_buf(st);
    for (i = 0; i < s.sn; i++) {
        switch (s.u.s.p[i]) {
        case '&':
            tpl_tbuf_puts(b, "&amp;");
            break;
        case '<':
            tpl_tbuf_puts(b, "&lt;");
            break;
        case '>':
            tpl_tbuf_puts(b, "&gt;");
            break;
        case '"':
            tpl_tbuf_puts(b, "&#34;");
            break;
        case '\'':
            tpl_tbuf_puts(b, "&#39;");
            break;
        default:
            tpl_tbuf_putc(b, s.u.s.p[i]);
        }
    }
    r = tpl_render_buf_str(st, b);
    r.safe = 1;
    return r;
}

static tv f_escape(struct rs *st, tv v, struct callargs *a)
{
    NOARGS("escape");
    if (v.t == T_UNDEF) {
        tv r = tpl_value_str("", 0);
        r.safe = 1;
        return r;
    }
    return tpl_filters_escape(st, v);
}

static tv f_forceescape(struct rs *st, tv v, struct callargs *a)
{
    NOARGS("forceescape");
    v = tpl_repr_str(st, v);
    v.safe = 0;
    return tpl_filters_escape(st, v);
}

static tv f_safe(struct rs *st, tv v, struct callargs *a)
{
    NOARGS("safe");
    v = tpl_repr_str(st, v);
    v.safe = 1;
    return v;
}

static tv f_string(struct rs *st, tv v, struct callargs *a)
{
    NOARGS("string");
    return sstr(st, v);
}

static tv f_upper(struct rs *st, tv v, struct callargs *a)
{
    NOARGS("upper");
    return tpl_ustr_upper(st, sstr(st, v));
}

static tv f_lower(struct rs *st, tv v, struct callargs *a)
{
    NOARGS("lower");
    return tpl_ustr_lower(st, sstr(st, v));
}

static tv f_capitalize(struct rs *st, tv v, struct callargs *a)
{
    NOARGS("capitalize");
    return tpl_ustr_capitalize(st, sstr(st, v));
}

/* Jinja's title: split on runs of [-\s({\[<], upper the first char of each piece */
static int title_sep(unsigned c)
{
    return c == '-' || c == '(' || c == '{' || c == '[' || c == '<' || tpl_ucase_isspace(c);
}

static tv f_title(struct rs *st, tv v, struct callargs *a)
{
    struct octo_buf *b;
    size_t i = 0;
    int start = 1;
    tv s;
    char *fast;
    NOARGS("title");
    s = sstr(st, v);
    if (tpl_ustr_is_ascii(s.u.s.p, s.sn) && (fast = tpl_render_alloc_text(st, s.sn)) != NULL) {
        /* title_sep for ASCII: - ( { [ < and the ASCII whitespace of str.isspace */
        static const unsigned char sep[128] = {
            [9] = 1,    [10] = 1,   [11] = 1,   [12] = 1,   [13] = 1,
            [0x1C] = 1, [0x1D] = 1, [0x1E] = 1, [0x1F] = 1, [' '] = 1,
            ['-'] = 1,  ['('] = 1,  ['{'] = 1,  ['['] = 1,  ['<'] = 1};
        const unsigned char *p = (const unsigned char *)s.u.s.p;
        size_t n = s.sn;
        size_t k; /* not i: that one's address is taken below, it would live in memory */
        for (k = 0; k < n; k++) {
            unsigned c = p[k];
            unsigned letter = (unsigned)((c | 0x20u) - 'a') < 26u;
            unsigned cased = start ? c & 0xDFu : c | 0x20u;
            fast[k] = (char)(letter ? cased : c);
            start = sep[c];
        }
        fast[n] = '\0';
        return tpl_value_str(fast, n);
    }
    b = tpl_render_buf(st);
    while (i < s.sn) {
        unsigned c = tpl_ustr_next(s.u.s.p, s.sn, &i);
        if (title_sep(c)) {
            tpl_ustr_put(b, c);
            start = 1;
            continue;
        }
        tpl_ustr_put(b, start ? tpl_ucase_upper(c) : tpl_ucase_lower(c));
        start = 0;
    }
    return tpl_render_buf_str(st, b);
}

static tv f_trim(struct rs *st, tv v, struct callargs *a)
{
    BIND("trim", "chars");
    v = sstr(st, v);
    if (tpl_calls_given(args[0]) && args[0].t != T_NONE) {
        return tpl_ustr_strip(st, v, sstr(st, args[0]), 1, 1);
    }
    return tpl_ustr_strip(st, v, tpl_value_none(), 1, 1);
}

static tv f_replace(struct rs *st, tv v, struct callargs *a)
{
    int64_t count = -1;
    BIND("replace", "old", "new", "count");
    if (!tpl_calls_given(args[0]) || !tpl_calls_given(args[1])) {
        tpl_render_fail(st, "do_replace() missing required positional arguments");
    }
    if (tpl_calls_given(args[2]) && args[2].t != T_NONE) {
        count = tpl_ops_index(st, args[2], "count");
    }
    if (!st->autoescape) { /* str(s).replace(str(old), str(new)): plain */
        tv r = tpl_ustr_replace(st, sstr(st, v), sstr(st, args[0]), sstr(st, args[1]), count);
        r.safe = 0;
        return r;
    }
    {
        /* Jinja2: a Markup old (or new, s not Markup) escapes s first;
         * Markup.replace escapes its arguments and stays Markup */
        tv old_ = sstr(st, args[0]);
        tv new_ = sstr(st, args[1]);
        tv r;
        v = sstr(st, v);
        if (old_.safe || (new_.safe && !v.safe)) {
            v = tpl_filters_escape(st, v);
        }
        if (v.safe) {
            old_ = tpl_filters_escape(st, old_);
            new_ = tpl_filters_escape(st, new_);
        }
        r = tpl_ustr_replace(st, v, old_, new_, count);
        r.safe = v.safe;
        return r;
    }
}

static tv f_center(struct rs *st, tv v, struct callargs *a)
{
    int64_t width = 80;
    int64_t len;
    int64_t padn;
    int64_t left;
    int64_t i;
    struct octo_buf *b;
    BIND("center", "width");
    v = sstr(st, v);
    if (tpl_calls_given(args[0])) {
        width = tpl_ops_index(st, args[0], "width");
    }
    len = (int64_t)tpl_ustr_len(v.u.s.p, v.sn);
    if (width <= len) {
        return v;
    }
    if (width > (int64_t)st->max_output) {
        tpl_render_fail(st, "output exceeds the limit of %zu bytes", st->max_output);
    }
    padn = width - len;
    left = padn / 2 + (padn & width & 1);
    b = tpl_render_buf(st);
    for (i = 0; i < left; i++) {
        tpl_tbuf_putc(b, ' ');
    }
    tpl_tbuf_append(b, v.u.s.p, v.sn);
    for (i = left; i < padn; i++) {
        tpl_tbuf_putc(b, ' ');
    }
    {
        tv r = tpl_render_buf_str(st, b);
        r.safe = v.safe; /* Markup.center stays Markup */
        return r;
    }
}

static tv f_truncate(struct rs *st, tv v, struct callargs *a)
{
    int64_t length = 255;
    int64_t leeway = 5;
    int killwords = 0;
    tv end = tpl_value_str("...", 3);
    int64_t slen;
    int64_t endlen;
    tv head;
    BIND("truncate", "length", "killwords", "end", "leeway");
    if (v.t != T_STR) {
        /* Jinja2 does not convert: len() of the value decides */
        if (v.t == T_UNDEF) {
            return v;
        }
        if (!tpl_value_has_len(v)) {
            tpl_render_fail(st, "object of type '%s' has no len()", tpl_value_typename(v));
        }
        if ((int64_t)tpl_value_len(st, v) <=
            (tpl_calls_given(args[0]) ? tpl_ops_index(st, args[0], "length") : 255) +
                (tpl_calls_given(args[3]) && args[3].t != T_NONE
                     ? tpl_ops_index(st, args[3], "leeway")
                     : 5)) {
            return v;
        }
        tpl_render_fail(st, "can only concatenate %s (not \"str\") to %s", tpl_value_typename(v),
                        tpl_value_typename(v));
    }
    if (tpl_calls_given(args[0])) {
        length = tpl_ops_index(st, args[0], "length");
    }
    if (tpl_calls_given(args[1])) {
        killwords = tpl_value_truthy(st, args[1]);
    }
    if (tpl_calls_given(args[2])) {
        end = sstr(st, args[2]);
    }
    if (tpl_calls_given(args[3]) && args[3].t != T_NONE) {
        leeway = tpl_ops_index(st, args[3], "leeway");
    }
    endlen = (int64_t)tpl_ustr_len(end.u.s.p, end.sn);
    if (length < endlen) {
        tpl_render_fail(st, "expected length >= %lld, got %lld", (long long)endlen,
                        (long long)length);
    }
    if (leeway < 0) {
        tpl_render_fail(st, "expected leeway >= 0, got %lld", (long long)leeway);
    }
    slen = (int64_t)tpl_ustr_len(v.u.s.p, v.sn);
    if (slen <= length + leeway) {
        return v;
    }
    head = tpl_value_str(v.u.s.p, tpl_ustr_offset(v.u.s.p, v.sn, (size_t)(length - endlen)));
    if (!killwords) {
        const char *sp = NULL;
        size_t i;
        for (i = head.sn; i-- > 0;) {
            if (head.u.s.p[i] == ' ') {
                sp = head.u.s.p + i;
                break;
            }
        }
        if (sp) {
            head.sn = (size_t)(sp - head.u.s.p);
        }
    }
    return tpl_ustr_concat(st, head, end);
}

static void split_lines_keep(struct rs *st, tv s, tv **lines, size_t *n)
{
    tv l = tpl_value_list_new(st, 0);
    size_t i = 0;
    size_t start = 0;
    while (i < s.sn) {
        size_t k = i;
        unsigned c = tpl_ustr_next(s.u.s.p, s.sn, &k);
        if (c == '\n' || c == '\r' || c == 0x0b || c == 0x0c || c == 0x1c || c == 0x1d ||
            c == 0x1e || c == 0x85 || c == 0x2028 || c == 0x2029) {
            size_t e = k;
            tpl_value_list_push(st, l.u.l, tpl_value_str(s.u.s.p + start, i - start));
            if (c == '\r' && e < s.sn && s.u.s.p[e] == '\n') {
                e++;
            }
            start = i = e;
            continue;
        }
        i = k;
    }
    if (start < s.sn) {
        tpl_value_list_push(st, l.u.l, tpl_value_str(s.u.s.p + start, s.sn - start));
    }
    *lines = l.u.l->it;
    *n = l.u.l->n;
}

static tv f_indent(struct rs *st, tv v, struct callargs *a)
{
    tv ind = tpl_value_str("    ", 4);
    int first = 0;
    int blank = 0;
    tv *lines;
    size_t n;
    size_t i;
    struct octo_buf *b = tpl_render_buf(st);
    tv s;
    BIND("indent", "width", "first", "blank");
    if (v.t == T_UNDEF) {
        tpl_render_undefined(st, v);
    }
    if (v.t != T_STR) {
        tpl_render_fail(st, "unsupported operand type(s) for +=: '%s' and 'str'",
                        tpl_value_typename(v));
    }
    s = v;
    if (tpl_calls_given(args[0])) {
        if (args[0].t == T_STR) {
            ind = args[0];
        } else {
            int64_t w = tpl_ops_index(st, args[0], "width");
            char *p;
            if (w < 0) {
                w = 0;
            }
            if (w > 10000) {
                tpl_render_fail(st, "indent width too large");
            }
            p = tpl_render_alloc(st, (size_t)w + 1);
            memset(p, ' ', (size_t)w);
            ind = tpl_value_str(p, (size_t)w);
        }
    }
    if (tpl_calls_given(args[1])) {
        first = tpl_value_truthy(st, args[1]);
    }
    if (tpl_calls_given(args[2])) {
        blank = tpl_value_truthy(st, args[2]);
    }
    s = tpl_ustr_concat(st, s, tpl_value_str("\n", 1));
    split_lines_keep(st, s, &lines, &n);
    if (first) {
        tpl_tbuf_append(b, ind.u.s.p, ind.sn);
    }
    for (i = 0; i < n; i++) {
        if (i) {
            tpl_tbuf_putc(b, '\n');
            if (blank || lines[i].sn) {
                tpl_tbuf_append(b, ind.u.s.p, ind.sn);
            }
        }
        tpl_tbuf_append(b, lines[i].u.s.p, lines[i].sn);
    }
    {
        tv r = tpl_render_buf_str(st, b);
        r.safe = v.safe;
        return r;
    }
}

static void html_unescape(struct rs *st, tv s, struct octo_buf *b)
{
    static const struct {
        const char *name;
        unsigned cp;
    } ents[] = {{"amp", '&'},      {"lt", '<'},     {"gt", '>'},        {"quot", '"'},
                {"apos", '\''},    {"nbsp", 0xA0},  {"raquo", 0xBB},    {"laquo", 0xAB},
                {"copy", 0xA9},    {"reg", 0xAE},   {"hellip", 0x2026}, {"mdash", 0x2014},
                {"ndash", 0x2013}, {"euro", 0x20AC}};
    size_t i = 0;
    (void)st;
    while (i < s.sn) {
        if (s.u.s.p[i] == '&') {
            const char *semi = memchr(s.u.s.p + i, ';', s.sn - i);
            if (semi && semi - (s.u.s.p + i) <= 10) {
                size_t len = (size_t)(semi - (s.u.s.p + i)) - 1;
                const char *nm = s.u.s.p + i + 1;
                size_t k;
                if (len > 1 && nm[0] == '#') {
                    unsigned cp = 0;
                    int ok = 1;
                    int hex = nm[1] == 'x' || nm[1] == 'X';
                    for (k = hex ? 2 : 1; k < len; k++) {
                        char c = nm[k];
                        int d = (c >= '0' && c <= '9')          ? c - '0'
                                : (hex && c >= 'a' && c <= 'f') ? c - 'a' + 10
                                : (hex && c >= 'A' && c <= 'F') ? c - 'A' + 10
                                                                : -1;
                        if (d < 0 || cp > 0x10FFFF) {
                            ok = 0;
                            break;
                        }
                        cp = cp * (hex ? 16u : 10u) + (unsigned)d;
                    }
                    if (ok && cp <= 0x10FFFF && (k > (size_t)(hex ? 2 : 1))) {
                        tpl_ustr_put(b, cp);
                        i = (size_t)(semi - s.u.s.p) + 1;
                        continue;
                    }
                }
                for (k = 0; k < sizeof(ents) / sizeof(ents[0]); k++) {
                    if (strlen(ents[k].name) == len && memcmp(ents[k].name, nm, len) == 0) {
                        tpl_ustr_put(b, ents[k].cp);
                        i = (size_t)(semi - s.u.s.p) + 1;
                        break;
                    }
                }
                if (k < sizeof(ents) / sizeof(ents[0])) {
                    continue;
                }
            }
        }
        tpl_tbuf_putc(b, s.u.s.p[i]);
        i++;
    }
}

static tv f_striptags(struct rs *st, tv v, struct callargs *a)
{
    struct octo_buf *b1 = tpl_render_buf(st);
    struct octo_buf *b2 = tpl_render_buf(st);
    tv s;
    size_t i = 0;
    tv words;
    NOARGS("striptags");
    s = sstr(st, v);
    while (i < s.sn) {
        if (s.sn - i >= 4 && memcmp(s.u.s.p + i, "<!--", 4) == 0) {
            const char *e = memmem(s.u.s.p + i + 4, s.sn - i - 4, "-->", 3);
            if (e) {
                i = (size_t)(e - s.u.s.p) + 3;
                continue;
            }
        }
        tpl_tbuf_putc(b1, s.u.s.p[i]);
        i++;
    }
    s = tpl_render_buf_str(st, b1);
    b1 = tpl_render_buf(st);
    for (i = 0; i < s.sn; i++) {
        if (s.u.s.p[i] == '<') {
            const char *e = memchr(s.u.s.p + i, '>', s.sn - i);
            if (e) {
                i = (size_t)(e - s.u.s.p);
                continue;
            }
        }
        tpl_tbuf_putc(b1, s.u.s.p[i]);
    }
    s = tpl_render_buf_str(st, b1);
    words = tpl_ustr_split(st, s, tpl_value_none(), -1, 0);
    b1 = tpl_render_buf(st);
    for (i = 0; i < words.u.l->n; i++) {
        if (i) {
            tpl_tbuf_putc(b1, ' ');
        }
        tpl_tbuf_append(b1, words.u.l->it[i].u.s.p, words.u.l->it[i].sn);
    }
    s = tpl_render_buf_str(st, b1);
    html_unescape(st, s, b2);
    return tpl_render_buf_str(st, b2);
}

static tv f_wordcount(struct rs *st, tv v, struct callargs *a)
{
    tv s;
    size_t i = 0;
    int64_t c = 0;
    int in = 0;
    NOARGS("wordcount");
    s = sstr(st, v);
    while (i < s.sn) {
        unsigned ch = tpl_ustr_next(s.u.s.p, s.sn, &i);
        int w = tpl_ucase_isalnum(ch) || ch == '_';
        if (w && !in) {
            c++;
        }
        in = w;
    }
    return tpl_value_int(c);
}

static void url_quote(struct octo_buf *b, tv s, int for_qs)
{
    size_t i;
    for (i = 0; i < s.sn; i++) {
        unsigned char c = (unsigned char)s.u.s.p[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '_' || c == '.' || c == '-' || c == '~' || (c == '/' && !for_qs)) {
            tpl_tbuf_putc(b, (char)c);
        } else if (c == ' ' && for_qs) {
            tpl_tbuf_putc(b, '+');
        } else {
            octo_buf_printf(b, "%%%02X", c);
        }
    }
}

static tv f_urlencode(struct rs *st, tv v, struct callargs *a)
{
    struct octo_buf *b = tpl_render_buf(st);
    NOARGS("urlencode");
    if (v.t == T_STR || !tpl_value_is_iterable(v)) {
        url_quote(b, tpl_repr_str(st, v), 0);
        return tpl_render_buf_str(st, b);
    }
    if (tpl_value_is_map(v)) {
        tv *ks;
        tv *vs;
        size_t n;
        size_t i;
        tpl_value_map_items(st, v, &ks, &vs, &n);
        for (i = 0; i < n; i++) {
            if (i) {
                tpl_tbuf_putc(b, '&');
            }
            url_quote(b, tpl_repr_str(st, ks[i]), 1);
            tpl_tbuf_putc(b, '=');
            url_quote(b, tpl_repr_str(st, vs[i]), 1);
        }
        return tpl_render_buf_str(st, b);
    }
    {
        size_t n;
        size_t i;
        tv *it = tpl_value_iterate(st, v, &n);
        for (i = 0; i < n; i++) {
            size_t pn;
            tv *pair = tpl_value_iterate(st, it[i], &pn);
            if (pn != 2) {
                tpl_render_fail(st, "too many values to unpack (expected 2)");
            }
            if (i) {
                tpl_tbuf_putc(b, '&');
            }
            url_quote(b, tpl_repr_str(st, pair[0]), 1);
            tpl_tbuf_putc(b, '=');
            url_quote(b, tpl_repr_str(st, pair[1]), 1);
        }
    }
    return tpl_render_buf_str(st, b);
}

const struct fentry tpl_filters_string[] = {{"capitalize", f_capitalize, 0},
                                            {"center", f_center, 0},
                                            {"e", f_escape, 0},
                                            {"escape", f_escape, 0},
                                            {"forceescape", f_forceescape, 0},
                                            {"format", tpl_pformat_filter, 0},
                                            {"indent", f_indent, 0},
                                            {"lower", f_lower, 0},
                                            {"replace", f_replace, 0},
                                            {"safe", f_safe, 0},
                                            {"string", f_string, 0},
                                            {"striptags", f_striptags, 0},
                                            {"title", f_title, 0},
                                            {"trim", f_trim, 0},
                                            {"truncate", f_truncate, 0},
                                            {"upper", f_upper, 0},
                                            {"urlencode", f_urlencode, 0},
                                            {"wordcount", f_wordcount, 0},
                                            {NULL, NULL, 0}};
