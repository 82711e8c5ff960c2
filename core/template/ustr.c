/* ustr.c - strings by code point (UTF-8 decoded on the fly): length,
 * offsets, and the str operations filters and methods share: upper, lower,
 * title, strip, split, replace, find, startswith (character classes and
 * case mapping of one code point: ucase.c). */
#include <string.h>

#include "pyfmt.h"
#include "tpl.h"

unsigned tpl_ustr_next(const char *s, size_t n, size_t *i)
{
    unsigned cp;
    size_t k = octo_utf8_decode((const unsigned char *)s + *i, n - *i, &cp);
    if (k == 0) {
        cp = (unsigned char)s[*i];
        k = 1;
    }
    *i += k;
    return cp;
}

size_t tpl_ustr_len(const char *s, size_t n)
{
    size_t i;
    size_t c = 0;
    for (i = 0; i < n; i++) {
        if (((unsigned char)s[i] & 0xC0u) != 0x80u) {
            c++;
        }
    }
    return c;
}

size_t tpl_ustr_offset(const char *s, size_t n, size_t cp)
{
    size_t i = 0;
    while (cp > 0 && i < n) {
        tpl_ustr_next(s, n, &i);
        cp--;
    }
    return i;
}

void tpl_ustr_put(struct octo_buf *b, unsigned c)
{
    char tmp[4];
    size_t k;
    if (c < 0x80) {
        tpl_tbuf_putc(b, (char)c);
        return;
    }
    k = octo_utf8_encode(c, tmp);
    octo_buf_append(b, tmp, k);
}

int tpl_ustr_is_ascii(const char *p, size_t n)
{
    uint64_t acc = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, p + i, 8);
        acc |= x;
    }
    for (; i < n; i++) {
        acc |= (unsigned char)p[i];
    }
    return (acc & 0x8080808080808080u) == 0;
}

/* ASCII case mapping of src into dst (to upper or to lower case), eight
 * bytes at a time; 0 when src is not all ASCII (dst then undefined) */
static int ascii_case(char *dst, const char *src, size_t n, int upper)
{
    const uint64_t ones = 0x0101010101010101u;
    const uint64_t high = 0x8080808080808080u;
    const uint64_t add_ge = ones * (0x80u - (upper ? 'a' : 'A'));
    const uint64_t add_gt = ones * (0x80u - (upper ? 'z' : 'Z') - 1u);
    size_t i = 0;
    uint64_t x;
    if (n < 8) {
        x = 0;
        memcpy(&x, src, n);
        if (x & high) {
            return 0;
        }
        /* bytes are < 0x80: adding 0x80 - c sets a byte's high bit when the byte >= c */
        x ^= (((x + add_ge) & ~(x + add_gt)) & high) >> 2; /* flip 0x20 of the letters */
        memcpy(dst, &x, n);
        return 1;
    }
    for (;;) {
        memcpy(&x, src + i, 8);
        if (x & high) {
            return 0;
        }
        x ^= (((x + add_ge) & ~(x + add_gt)) & high) >> 2;
        memcpy(dst + i, &x, 8);
        if (i + 8 == n) {
            return 1;
        }
        i += 8;
        if (i + 8 > n) {
            i = n - 8; /* the last eight bytes, overlapping: mapped from src again */
        }
    }
}

static tv map_case(struct rs *st, tv s, int upper)
{
    unsigned prevc = 0;
    struct octo_buf *b;
    size_t i = 0;
    tv r;
    char *fast = tpl_render_alloc_text(st, s.sn);
    if (fast != NULL && ascii_case(fast, s.u.s.p, s.sn, upper)) {
        fast[s.sn] = '\0';
        r = tpl_value_str(fast, s.sn);
        r.safe = s.safe;
        return r;
    }
    b = tpl_render_buf(st);
    if (octo_buf_reserve(b, s.sn) != 0) {
        tpl_render_fail(st, "output exceeds the limit of %zu bytes", st->max_output);
    }
    while (i < s.sn) {
        unsigned c = (unsigned char)s.u.s.p[i];
        if (c < 0x80) {
            /* ASCII run: reserve its room, then write in place */
            size_t j = i;
            size_t k;
            char *d;
            while (j < s.sn && (unsigned char)s.u.s.p[j] < 0x80) {
                j++;
            }
            if (octo_buf_reserve(b, j - i) != 0) {
                tpl_render_fail(st, "output exceeds the limit of %zu bytes", st->max_output);
            }
            d = b->data + b->len;
            for (k = i; k < j; k++) {
                c = (unsigned char)s.u.s.p[k];
                *d++ = (char)(upper ? ((c >= 'a' && c <= 'z') ? c - 32 : c)
                                    : ((c >= 'A' && c <= 'Z') ? c + 32 : c));
            }
            b->len += j - i;
            b->data[b->len] = '\0';
            prevc = c;
            i = j;
            continue;
        }
        c = tpl_ustr_next(s.u.s.p, s.sn, &i);
        if (upper && c == 0xDF) {
            tpl_tbuf_append(b, "SS", 2);
            continue;
        }
        if (upper && (c == 0xFB01 || c == 0xFB02)) {
            tpl_tbuf_append(b, c == 0xFB01 ? "FI" : "FL", 2);
            continue;
        }
        if (!upper && c == 0x130) {
            tpl_tbuf_append(b, "i\xcc\x87", 3);
            continue;
        }
        if (!upper && c == 0x3A3) {
            /* final sigma: after a cased letter and not before one */
            size_t k = i;
            int before = tpl_ucase_isupper(prevc) || tpl_ucase_islower(prevc);
            int after = 0;
            if (k < s.sn) {
                unsigned nx = tpl_ustr_next(s.u.s.p, s.sn, &k);
                after = tpl_ucase_isupper(nx) || tpl_ucase_islower(nx);
            }
            tpl_ustr_put(b, before && !after ? 0x3C2 : 0x3C3);
            prevc = c;
            continue;
        }
        prevc = c;
        tpl_ustr_put(b, upper ? tpl_ucase_upper(c) : tpl_ucase_lower(c));
    }
    r = tpl_render_buf_str(st, b);
    r.safe = s.safe;
    return r;
}

int tpl_ustr_iscased(tv s, int upper)
{
    size_t i = 0;
    int cased = 0;
    while (i < s.sn) {
        unsigned c = tpl_ustr_next(s.u.s.p, s.sn, &i);
        if (upper ? tpl_ucase_islower(c) : tpl_ucase_isupper(c)) {
            return 0;
        }
        if (upper ? tpl_ucase_isupper(c) : tpl_ucase_islower(c)) {
            cased = 1;
        }
    }
    return cased;
}

tv tpl_ustr_upper(struct rs *st, tv s)
{
    return map_case(st, s, 1);
}

tv tpl_ustr_lower(struct rs *st, tv s)
{
    return map_case(st, s, 0);
}

tv tpl_ustr_capitalize(struct rs *st, tv s)
{
    struct octo_buf *b = tpl_render_buf(st);
    size_t i = 0;
    int first = 1;
    tv r;
    while (i < s.sn) {
        unsigned c = tpl_ustr_next(s.u.s.p, s.sn, &i);
        tpl_ustr_put(b, first ? tpl_ucase_upper(c) : tpl_ucase_lower(c));
        first = 0;
    }
    r = tpl_render_buf_str(st, b);
    r.safe = s.safe;
    return r;
}

/* Python str.title(): a cased char after an uncased one is upper-cased. */
tv tpl_ustr_pytitle(struct rs *st, tv s)
{
    struct octo_buf *b = tpl_render_buf(st);
    size_t i = 0;
    int prev_cased = 0;
    tv r;
    while (i < s.sn) {
        unsigned c = tpl_ustr_next(s.u.s.p, s.sn, &i);
        int cased = tpl_ucase_isupper(c) || tpl_ucase_islower(c);
        tpl_ustr_put(b, prev_cased ? tpl_ucase_lower(c) : tpl_ucase_upper(c));
        prev_cased = cased;
    }
    r = tpl_render_buf_str(st, b);
    r.safe = s.safe;
    return r;
}

static int in_chars(unsigned c, tv chars)
{
    size_t i = 0;
    if (chars.t != T_STR) {
        return tpl_ucase_isspace(c);
    }
    while (i < chars.sn) {
        if (tpl_ustr_next(chars.u.s.p, chars.sn, &i) == c) {
            return 1;
        }
    }
    return 0;
}

tv tpl_ustr_strip(struct rs *st, tv s, tv chars, int left, int right)
{
    size_t a = 0;
    size_t b = s.sn;
    tv r;
    (void)st;
    if (left) {
        while (a < b) {
            size_t k = a;
            unsigned c = tpl_ustr_next(s.u.s.p, b, &k);
            if (!in_chars(c, chars)) {
                break;
            }
            a = k;
        }
    }
    if (right) {
        while (b > a) {
            size_t k = b - 1;
            size_t j;
            unsigned c;
            while (k > a && ((unsigned char)s.u.s.p[k] & 0xC0u) == 0x80u) {
                k--;
            }
            j = k;
            c = tpl_ustr_next(s.u.s.p, b, &j);
            if (!in_chars(c, chars)) {
                break;
            }
            b = k;
        }
    }
    r = tpl_value_str(s.u.s.p + a, b - a);
    r.safe = s.safe;
    return r;
}

tv tpl_ustr_concat(struct rs *st, tv a, tv b)
{
    char *p;
    size_t n = (size_t)a.sn + b.sn;
    if (n > st->max_output) {
        tpl_render_fail(st, "output exceeds the limit of %zu bytes", st->max_output);
    }
    if (b.sn == 0) {
        return a;
    }
    if (a.sn == 0) {
        return b;
    }
    if (n > TPL_MAX_STR) {
        tpl_render_fail(st, "string too long (4 GiB or more)");
    }
    p = tpl_render_alloc(st, n + 1);
    memcpy(p, a.u.s.p, a.sn);
    memcpy(p + a.sn, b.u.s.p, b.sn);
    p[n] = '\0';
    return tpl_value_str(p, n);
}

static const char *memfind(const char *h, size_t hn, const char *nd, size_t nn)
{
    if (nn == 0) {
        return h;
    }
    if (nn > hn) {
        return NULL;
    }
    if (nn == 1) {
        return memchr(h, nd[0], hn);
    }
    return memmem(h, hn, nd, nn);
}

tv tpl_ustr_replace(struct rs *st, tv s, tv old, tv nw, int64_t count)
{
    struct octo_buf *b = tpl_render_buf(st);
    size_t pos = 0;
    int64_t done = 0;
    tv r;
    if (count < 0) {
        count = INT64_MAX;
    }
    if (old.sn == 0) {
        /* insert nw between every code point */
        size_t i = 0;
        if (done < count) {
            tpl_tbuf_append(b, nw.u.s.p, nw.sn);
            done++;
        }
        while (i < s.sn) {
            size_t st0 = i;
            tpl_ustr_next(s.u.s.p, s.sn, &i);
            tpl_tbuf_append(b, s.u.s.p + st0, i - st0);
            if (done < count) {
                tpl_tbuf_append(b, nw.u.s.p, nw.sn);
                done++;
            }
        }
        return tpl_render_buf_str(st, b);
    }
    while (done < count) {
        const char *f = memfind(s.u.s.p + pos, s.sn - pos, old.u.s.p, old.sn);
        if (f == NULL) {
            break;
        }
        tpl_tbuf_append(b, s.u.s.p + pos, (size_t)(f - (s.u.s.p + pos)));
        tpl_tbuf_append(b, nw.u.s.p, nw.sn);
        pos = (size_t)(f - s.u.s.p) + old.sn;
        done++;
    }
    if (done == 0) {
        octo_buf_free(b);
        return s;
    }
    tpl_tbuf_append(b, s.u.s.p + pos, s.sn - pos);
    r = tpl_render_buf_str(st, b);
    return r;
}

static size_t ws_len_at(const char *p, size_t n, size_t i)
{
    size_t k = i;
    unsigned c = tpl_ustr_next(p, n, &k);
    return tpl_ucase_isspace(c) ? k - i : 0;
}

tv tpl_ustr_split(struct rs *st, tv s, tv sep, int64_t maxsplit, int right)
{
    tv out = tpl_value_list_new(st, 0);
    const char *p = s.u.s.p;
    size_t n = s.sn;
    if (maxsplit < 0) {
        maxsplit = INT64_MAX;
    }
    if (sep.t == T_STR && sep.sn == 0) {
        tpl_render_fail(st, "empty separator");
    }
    if (sep.t != T_STR) {
        /* whitespace split */
        if (!right) {
            size_t i = 0;
            int64_t splits = 0;
            for (;;) {
                size_t w;
                size_t st0;
                while (i < n && (w = ws_len_at(p, n, i)) > 0) {
                    i += w;
                }
                if (i >= n) {
                    break;
                }
                if (splits >= maxsplit) {
                    tpl_value_list_push(st, out.u.l,
                                        tpl_value_str(p + i, n - i)); /* keeps trailing space */
                    break;
                }
                st0 = i;
                while (i < n && ws_len_at(p, n, i) == 0) {
                    tpl_ustr_next(p, n, &i);
                }
                tpl_value_list_push(st, out.u.l, tpl_value_str(p + st0, i - st0));
                splits++;
            }
            return out;
        }
        {
            /* rsplit on whitespace: split all, then rejoin the head */
            tv all = tpl_ustr_split(st, s, sep, -1, 0);
            size_t cnt = all.u.l->n;
            if ((int64_t)cnt - 1 < maxsplit || cnt == 0 || maxsplit == 0) {
                if (maxsplit == 0 && cnt > 0) {
                    /* no split: the text without its trailing whitespace */
                    tv last = all.u.l->it[cnt - 1];
                    tpl_value_list_push(st, out.u.l,
                                        tpl_value_str(p, (size_t)(last.u.s.p + last.sn - p)));
                    return out;
                }
                return all;
            }
            {
                size_t keep = (size_t)maxsplit;
                size_t headn = cnt - keep;
                tv last = all.u.l->it[headn - 1];
                const char *hs = p; /* the head keeps its leading space */
                size_t j;
                tpl_value_list_push(st, out.u.l,
                                    tpl_value_str(hs, (size_t)(last.u.s.p + last.sn - hs)));
                for (j = headn; j < cnt; j++) {
                    tpl_value_list_push(st, out.u.l, all.u.l->it[j]);
                }
                return out;
            }
        }
    }
    if (!right) {
        size_t pos = 0;
        int64_t splits = 0;
        for (;;) {
            const char *f = splits < maxsplit ? memfind(p + pos, n - pos, sep.u.s.p, sep.sn) : NULL;
            if (f == NULL) {
                tpl_value_list_push(st, out.u.l, tpl_value_str(p + pos, n - pos));
                break;
            }
            tpl_value_list_push(st, out.u.l, tpl_value_str(p + pos, (size_t)(f - (p + pos))));
            pos = (size_t)(f - p) + sep.sn;
            splits++;
        }
        return out;
    }
    {
        tv all = tpl_ustr_split(st, s, sep, -1, 0);
        size_t cnt = all.u.l->n;
        size_t j;
        if ((int64_t)cnt - 1 <= maxsplit) {
            return all;
        }
        {
            size_t headn = cnt - (size_t)maxsplit;
            tv last = all.u.l->it[headn - 1];
            tpl_value_list_push(st, out.u.l, tpl_value_str(p, (size_t)(last.u.s.p + last.sn - p)));
            for (j = headn; j < cnt; j++) {
                tpl_value_list_push(st, out.u.l, all.u.l->it[j]);
            }
        }
        return out;
    }
}

int64_t tpl_ustr_find(tv hay, tv nd, int64_t start, int64_t end, int rev)
{
    int64_t len = (int64_t)tpl_ustr_len(hay.u.s.p, hay.sn);
    size_t a;
    size_t b;
    const char *f;
    if (start < 0) {
        start += len;
        if (start < 0) {
            start = 0;
        }
    }
    if (end > len) {
        end = len;
    }
    if (end < 0) {
        end += len;
        if (end < 0) {
            end = 0;
        }
    }
    if (start > len || (end - start) < (int64_t)tpl_ustr_len(nd.u.s.p, nd.sn)) {
        return -1;
    }
    a = tpl_ustr_offset(hay.u.s.p, hay.sn, (size_t)start);
    b = tpl_ustr_offset(hay.u.s.p, hay.sn, (size_t)end);
    if (!rev) {
        f = memfind(hay.u.s.p + a, b - a, nd.u.s.p, nd.sn);
    } else {
        const char *lastf = NULL;
        size_t pos = a;
        for (;;) {
            f = memfind(hay.u.s.p + pos, b - pos, nd.u.s.p, nd.sn);
            if (f == NULL) {
                break;
            }
            lastf = f;
            pos = (size_t)(f - hay.u.s.p) + 1;
            if (pos > b) {
                break;
            }
        }
        f = lastf;
    }
    if (f == NULL) {
        return -1;
    }
    return (int64_t)tpl_ustr_len(hay.u.s.p, (size_t)(f - hay.u.s.p));
}

int tpl_ustr_startswith(tv s, tv p)
{
    return p.sn <= s.sn && memcmp(s.u.s.p, p.u.s.p, p.sn) == 0;
}

int tpl_ustr_endswith(tv s, tv p)
{
    return p.sn <= s.sn && memcmp(s.u.s.p + s.sn - p.sn, p.u.s.p, p.sn) == 0;
}
