/* ustr.c - strings by code point: length, offsets, case mapping (ASCII,
 * Latin-1, Latin Extended-A, Greek, Cyrillic), whitespace as Python's
 * str.isspace, and the str methods several filters share. */
#include <string.h>

#include "pyfmt.h"
#include "tpl.h"

unsigned u_next(const char *s, size_t n, size_t *i)
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

size_t u_len(const char *s, size_t n)
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

size_t u_offset(const char *s, size_t n, size_t cp)
{
    size_t i = 0;
    while (cp > 0 && i < n) {
        u_next(s, n, &i);
        cp--;
    }
    return i;
}

void u_put(struct octo_buf *b, unsigned c)
{
    char tmp[4];
    size_t k;
    if (c < 0x80) {
        octo_buf_putc(b, (char)c);
        return;
    }
    k = octo_utf8_encode(c, tmp);
    octo_buf_append(b, tmp, k);
}

/* Scratch buffers are pooled per render: s_from_buf copies the text into
 * the arena and puts the buffer back for reuse (no malloc churn). */
#define BUF_POOL 32

tv s_from_buf(struct rs *st, struct octo_buf *b)
{
    tv r;
    if (b->over) {
        rs_fail(st, "output exceeds the limit of %zu bytes", st->max_output);
    }
    if (b->oom) {
        rs_oom(st);
    }
    r = v_strdup(st, b->data ? b->data : "", b->len);
    if (st->npool < BUF_POOL && b->cap <= 65536) {
        b->len = 0;
        st->pool[st->npool++] = b;
    } else {
        octo_buf_free(b);
    }
    return r;
}

static void buf_cleanup(void *p)
{
    octo_buf_free(p);
}

struct octo_buf *rs_buf(struct rs *st)
{
    struct octo_buf *b;
    if (st->npool > 0) {
        b = st->pool[--st->npool];
        b->len = 0;
        if (b->data) {
            b->data[0] = '\0';
        }
        b->limit = st->max_output;
        return b;
    }
    b = rs_alloc(st, sizeof(*b));
    octo_buf_init(b);
    b->limit = st->max_output;
    tpl_arena_on_free(&st->ar, buf_cleanup, b);
    return b;
}

static tv map_case(struct rs *st, tv s, int upper)
{
    unsigned prevc = 0;
    struct octo_buf *b = rs_buf(st);
    size_t i = 0;
    tv r;
    if (octo_buf_reserve(b, s.u.s.n) != 0) {
        rs_fail(st, "output exceeds the limit of %zu bytes", st->max_output);
    }
    while (i < s.u.s.n) {
        unsigned c = (unsigned char)s.u.s.p[i];
        if (c < 0x80) {
            /* ASCII run: reserve its room, then write in place */
            size_t j = i;
            size_t k;
            char *d;
            while (j < s.u.s.n && (unsigned char)s.u.s.p[j] < 0x80) {
                j++;
            }
            if (octo_buf_reserve(b, j - i) != 0) {
                rs_fail(st, "output exceeds the limit of %zu bytes", st->max_output);
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
        c = u_next(s.u.s.p, s.u.s.n, &i);
        if (upper && c == 0xDF) {
            octo_buf_append(b, "SS", 2);
            continue;
        }
        if (upper && (c == 0xFB01 || c == 0xFB02)) {
            octo_buf_append(b, c == 0xFB01 ? "FI" : "FL", 2);
            continue;
        }
        if (!upper && c == 0x130) {
            octo_buf_append(b, "i\xcc\x87", 3);
            continue;
        }
        if (!upper && c == 0x3A3) {
            /* final sigma: after a cased letter and not before one */
            size_t k = i;
            int before = u_isupper(prevc) || u_islower(prevc);
            int after = 0;
            if (k < s.u.s.n) {
                unsigned nx = u_next(s.u.s.p, s.u.s.n, &k);
                after = u_isupper(nx) || u_islower(nx);
            }
            u_put(b, before && !after ? 0x3C2 : 0x3C3);
            prevc = c;
            continue;
        }
        prevc = c;
        u_put(b, upper ? u_upper(c) : u_lower(c));
    }
    r = s_from_buf(st, b);
    r.safe = s.safe;
    return r;
}

tv s_upper(struct rs *st, tv s)
{
    return map_case(st, s, 1);
}

tv s_lower(struct rs *st, tv s)
{
    return map_case(st, s, 0);
}

tv s_capitalize(struct rs *st, tv s)
{
    struct octo_buf *b = rs_buf(st);
    size_t i = 0;
    int first = 1;
    tv r;
    while (i < s.u.s.n) {
        unsigned c = u_next(s.u.s.p, s.u.s.n, &i);
        u_put(b, first ? u_upper(c) : u_lower(c));
        first = 0;
    }
    r = s_from_buf(st, b);
    r.safe = s.safe;
    return r;
}

/* Python str.title(): a cased char after an uncased one is upper-cased. */
tv s_pytitle(struct rs *st, tv s)
{
    struct octo_buf *b = rs_buf(st);
    size_t i = 0;
    int prev_cased = 0;
    tv r;
    while (i < s.u.s.n) {
        unsigned c = u_next(s.u.s.p, s.u.s.n, &i);
        int cased = u_isupper(c) || u_islower(c);
        u_put(b, prev_cased ? u_lower(c) : u_upper(c));
        prev_cased = cased;
    }
    r = s_from_buf(st, b);
    r.safe = s.safe;
    return r;
}

static int in_chars(unsigned c, tv chars)
{
    size_t i = 0;
    if (chars.t != T_STR) {
        return u_isspace(c);
    }
    while (i < chars.u.s.n) {
        if (u_next(chars.u.s.p, chars.u.s.n, &i) == c) {
            return 1;
        }
    }
    return 0;
}

tv s_strip(struct rs *st, tv s, tv chars, int left, int right)
{
    size_t a = 0;
    size_t b = s.u.s.n;
    tv r;
    (void)st;
    if (left) {
        while (a < b) {
            size_t k = a;
            unsigned c = u_next(s.u.s.p, b, &k);
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
            c = u_next(s.u.s.p, b, &j);
            if (!in_chars(c, chars)) {
                break;
            }
            b = k;
        }
    }
    r = v_str(s.u.s.p + a, b - a);
    r.safe = s.safe;
    return r;
}

tv s_concat(struct rs *st, tv a, tv b)
{
    char *p;
    if (a.u.s.n + b.u.s.n > st->max_output) {
        rs_fail(st, "output exceeds the limit of %zu bytes", st->max_output);
    }
    if (b.u.s.n == 0) {
        return a;
    }
    if (a.u.s.n == 0) {
        return b;
    }
    p = rs_alloc(st, a.u.s.n + b.u.s.n + 1);
    memcpy(p, a.u.s.p, a.u.s.n);
    memcpy(p + a.u.s.n, b.u.s.p, b.u.s.n);
    p[a.u.s.n + b.u.s.n] = '\0';
    return v_str(p, a.u.s.n + b.u.s.n);
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

tv s_replace(struct rs *st, tv s, tv old, tv nw, int64_t count)
{
    struct octo_buf *b = rs_buf(st);
    size_t pos = 0;
    int64_t done = 0;
    tv r;
    if (count < 0) {
        count = INT64_MAX;
    }
    if (old.u.s.n == 0) {
        /* insert nw between every code point */
        size_t i = 0;
        if (done < count) {
            octo_buf_append(b, nw.u.s.p, nw.u.s.n);
            done++;
        }
        while (i < s.u.s.n) {
            size_t st0 = i;
            u_next(s.u.s.p, s.u.s.n, &i);
            octo_buf_append(b, s.u.s.p + st0, i - st0);
            if (done < count) {
                octo_buf_append(b, nw.u.s.p, nw.u.s.n);
                done++;
            }
        }
        return s_from_buf(st, b);
    }
    while (done < count) {
        const char *f = memfind(s.u.s.p + pos, s.u.s.n - pos, old.u.s.p, old.u.s.n);
        if (f == NULL) {
            break;
        }
        octo_buf_append(b, s.u.s.p + pos, (size_t)(f - (s.u.s.p + pos)));
        octo_buf_append(b, nw.u.s.p, nw.u.s.n);
        pos = (size_t)(f - s.u.s.p) + old.u.s.n;
        done++;
    }
    if (done == 0) {
        octo_buf_free(b);
        return s;
    }
    octo_buf_append(b, s.u.s.p + pos, s.u.s.n - pos);
    r = s_from_buf(st, b);
    return r;
}

static size_t ws_len_at(const char *p, size_t n, size_t i)
{
    size_t k = i;
    unsigned c = u_next(p, n, &k);
    return u_isspace(c) ? k - i : 0;
}

tv s_split(struct rs *st, tv s, tv sep, int64_t maxsplit, int right)
{
    tv out = v_list_new(st, 0);
    const char *p = s.u.s.p;
    size_t n = s.u.s.n;
    if (maxsplit < 0) {
        maxsplit = INT64_MAX;
    }
    if (sep.t == T_STR && sep.u.s.n == 0) {
        rs_fail(st, "empty separator");
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
                    tpl_list_push(st, out.u.l, v_str(p + i, n - i)); /* keeps trailing space */
                    break;
                }
                st0 = i;
                while (i < n && ws_len_at(p, n, i) == 0) {
                    u_next(p, n, &i);
                }
                tpl_list_push(st, out.u.l, v_str(p + st0, i - st0));
                splits++;
            }
            return out;
        }
        {
            /* rsplit on whitespace: split all, then rejoin the head */
            tv all = s_split(st, s, sep, -1, 0);
            size_t cnt = all.u.l->n;
            if ((int64_t)cnt - 1 < maxsplit || cnt == 0 || maxsplit == 0) {
                if (maxsplit == 0 && cnt > 0) {
                    /* no split: the text without its trailing whitespace */
                    tv last = all.u.l->it[cnt - 1];
                    tpl_list_push(st, out.u.l, v_str(p, (size_t)(last.u.s.p + last.u.s.n - p)));
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
                tpl_list_push(st, out.u.l, v_str(hs, (size_t)(last.u.s.p + last.u.s.n - hs)));
                for (j = headn; j < cnt; j++) {
                    tpl_list_push(st, out.u.l, all.u.l->it[j]);
                }
                return out;
            }
        }
    }
    if (!right) {
        size_t pos = 0;
        int64_t splits = 0;
        for (;;) {
            const char *f = splits < maxsplit ? memfind(p + pos, n - pos, sep.u.s.p, sep.u.s.n) : NULL;
            if (f == NULL) {
                tpl_list_push(st, out.u.l, v_str(p + pos, n - pos));
                break;
            }
            tpl_list_push(st, out.u.l, v_str(p + pos, (size_t)(f - (p + pos))));
            pos = (size_t)(f - p) + sep.u.s.n;
            splits++;
        }
        return out;
    }
    {
        tv all = s_split(st, s, sep, -1, 0);
        size_t cnt = all.u.l->n;
        size_t j;
        if ((int64_t)cnt - 1 <= maxsplit) {
            return all;
        }
        {
            size_t headn = cnt - (size_t)maxsplit;
            tv last = all.u.l->it[headn - 1];
            tpl_list_push(st, out.u.l, v_str(p, (size_t)(last.u.s.p + last.u.s.n - p)));
            for (j = headn; j < cnt; j++) {
                tpl_list_push(st, out.u.l, all.u.l->it[j]);
            }
        }
        return out;
    }
}

int64_t s_find(tv hay, tv nd, int64_t start, int64_t end, int rev)
{
    int64_t len = (int64_t)u_len(hay.u.s.p, hay.u.s.n);
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
    if (start > len || (end - start) < (int64_t)u_len(nd.u.s.p, nd.u.s.n)) {
        return -1;
    }
    a = u_offset(hay.u.s.p, hay.u.s.n, (size_t)start);
    b = u_offset(hay.u.s.p, hay.u.s.n, (size_t)end);
    if (!rev) {
        f = memfind(hay.u.s.p + a, b - a, nd.u.s.p, nd.u.s.n);
    } else {
        const char *lastf = NULL;
        size_t pos = a;
        for (;;) {
            f = memfind(hay.u.s.p + pos, b - pos, nd.u.s.p, nd.u.s.n);
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
    return (int64_t)u_len(hay.u.s.p, (size_t)(f - hay.u.s.p));
}

int s_startswith(tv s, tv p)
{
    return p.u.s.n <= s.u.s.n && memcmp(s.u.s.p, p.u.s.p, p.u.s.n) == 0;
}

int s_endswith(tv s, tv p)
{
    return p.u.s.n <= s.u.s.n && memcmp(s.u.s.p + s.u.s.n - p.u.s.n, p.u.s.p, p.u.s.n) == 0;
}
