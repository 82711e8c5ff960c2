/* lexer_lit.c - string literals (Python unicode-escape rules) and number
 * literals (Jinja2's integer/float syntax with underscores, 0x/0o/0b). */
#include <stdlib.h>
#include <string.h>

#include "lexer_int.h"
#include "pyfmt.h"

int tpl_lexer_unescape(struct lx *l, const char *s, size_t n, struct token *tk)
{
    char *o = tpl_arena_alloc(&l->t->ar, n + 1);
    size_t i = 0;
    size_t k = 0;
    if (o == NULL) {
        return tpl_lexer_fail(l, "%s", "out of memory");
    }
    while (i < n) {
        char c = s[i];
        if (c != '\\' || i + 1 >= n) {
            o[k++] = c;
            i++;
            continue;
        }
        c = s[i + 1];
        i += 2;
        switch (c) {
        case '\n':
            break;
        case '\\':
            o[k++] = '\\';
            break;
        case '\'':
            o[k++] = '\'';
            break;
        case '"':
            o[k++] = '"';
            break;
        case 'a':
            o[k++] = '\a';
            break;
        case 'b':
            o[k++] = '\b';
            break;
        case 'f':
            o[k++] = '\f';
            break;
        case 'n':
            o[k++] = '\n';
            break;
        case 'r':
            o[k++] = '\r';
            break;
        case 't':
            o[k++] = '\t';
            break;
        case 'v':
            o[k++] = '\v';
            break;
        case '0':
        case '1':
        case '2':
        case '3':
        case '4':
        case '5':
        case '6':
        case '7': {
            unsigned v = (unsigned)(c - '0');
            int d = 1;
            char tmp[4];
            while (d < 3 && i < n && s[i] >= '0' && s[i] <= '7') {
                v = v * 8 + (unsigned)(s[i] - '0');
                i++;
                d++;
            }
            {
                size_t e = octo_utf8_encode(v, tmp);
                memcpy(o + k, tmp, e);
                k += e;
            }
            break;
        }
        case 'x':
        case 'u':
        case 'U': {
            int need = c == 'x' ? 2 : c == 'u' ? 4 : 8;
            unsigned v = 0;
            int d;
            char tmp[4];
            size_t e;
            for (d = 0; d < need; d++) {
                int h = i + (size_t)d < n ? s[i + (size_t)d] : 0;
                int hv = (h >= '0' && h <= '9')   ? h - '0'
                         : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                         : (h >= 'A' && h <= 'F') ? h - 'A' + 10
                                                  : -1;
                if (hv < 0) {
                    return tpl_lexer_fail(l, "%s",
                                          c == 'x'   ? "truncated \\xXX escape"
                                          : c == 'u' ? "truncated \\uXXXX escape"
                                                     : "truncated \\UXXXXXXXX escape");
                }
                v = v * 16 + (unsigned)hv;
            }
            if (v > 0x10FFFF) {
                return tpl_lexer_fail(l, "%s", "illegal Unicode character");
            }
            i += (size_t)need;
            e = octo_utf8_encode(v, tmp);
            if (e > (size_t)need + 2) {
                return tpl_lexer_fail(l, "%s", "escape too long");
            }
            memcpy(o + k, tmp, e);
            k += e;
            break;
        }
        case 'N':
            return tpl_lexer_fail(l, "%s", "malformed \\N character escape");
        default:
            o[k++] = '\\';
            o[k++] = c;
            break;
        }
    }
    o[k] = '\0';
    tk->s = o;
    tk->n = k;
    return 0;
}

/* digits with single underscores between: returns end or start when none */
static size_t digits_us(const char *s, size_t n, size_t i, int (*ok)(char))
{
    size_t st = i;
    if (i >= n || !ok(s[i])) {
        return st;
    }
    i++;
    for (;;) {
        if (i < n && ok(s[i])) {
            i++;
        } else if (i + 1 < n && s[i] == '_' && ok(s[i + 1])) {
            i += 2;
        } else {
            break;
        }
    }
    return i;
}

static int ishex(char c)
{
    return tpl_lexer_isdigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
static int isoct(char c)
{
    return c >= '0' && c <= '7';
}
static int isbin(char c)
{
    return c == '0' || c == '1';
}

int tpl_lexer_number(struct lx *l, size_t *pos)
{
    const char *s = l->s;
    size_t n = l->n;
    size_t i = *pos;
    size_t e = digits_us(s, n, i, tpl_lexer_isdigit);
    int isfloat = 0;
    size_t j;
    struct token *tk;
    char *clean;
    size_t k;
    size_t ci;
    /* float: digits ( (.digits)? e[+-]digits | .digits ) */
    if (e > i && (i == 0 || s[i - 1] != '.')) {
        j = e;
        if (j < n && s[j] == '.') {
            size_t f = digits_us(s, n, j + 1, tpl_lexer_isdigit);
            if (f > j + 1) {
                j = f;
                isfloat = 1;
            }
        }
        if (j < n && (s[j] == 'e' || s[j] == 'E')) {
            size_t x = j + 1;
            size_t f;
            if (x < n && (s[x] == '+' || s[x] == '-')) {
                x++;
            }
            f = digits_us(s, n, x, tpl_lexer_isdigit);
            if (f > x) {
                j = f;
                isfloat = 1;
            }
        }
        if (isfloat) {
            clean = tpl_arena_alloc(&l->t->ar, j - i + 1);
            if (clean == NULL) {
                return tpl_lexer_fail(l, "%s", "out of memory");
            }
            for (k = 0, ci = i; ci < j; ci++) {
                if (s[ci] != '_') {
                    clean[k++] = s[ci];
                }
            }
            clean[k] = '\0';
            tk = tpl_lexer_emit(l, K_FLOAT, s + i, j - i);
            if (tk == NULL) {
                return tpl_lexer_fail(l, "%s", "out of memory");
            }
            tk->val = tpl_value_float(strtod(clean, NULL));
            *pos = j;
            return 0;
        }
    }
    /* integer */
    {
        int base = 10;
        size_t ds = i;
        size_t de;
        if (s[i] == '0' && i + 1 < n &&
            (s[i + 1] == 'x' || s[i + 1] == 'X' || s[i + 1] == 'o' || s[i + 1] == 'O' ||
             s[i + 1] == 'b' || s[i + 1] == 'B')) {
            char p = (char)(s[i + 1] | 0x20);
            int (*ok)(char) = p == 'x' ? ishex : p == 'o' ? isoct : isbin;
            size_t x = i + 2;
            if (x < n && s[x] == '_') {
                x++;
            }
            de = digits_us(s, n, x, ok);
            if (de > x) {
                base = p == 'x' ? 16 : p == 'o' ? 8 : 2;
                ds = x;
                goto have;
            }
        }
        if (s[i] == '0') {
            de = i + 1;
            while (de < n && (s[de] == '0' || (s[de] == '_' && de + 1 < n && s[de + 1] == '0'))) {
                de++;
            }
        } else {
            de = digits_us(s, n, i, tpl_lexer_isdigit);
        }
    have:
        clean = tpl_arena_alloc(&l->t->ar, de - ds + 1);
        if (clean == NULL) {
            return tpl_lexer_fail(l, "%s", "out of memory");
        }
        for (k = 0, ci = ds; ci < de; ci++) {
            if (s[ci] != '_') {
                clean[k++] = s[ci];
            }
        }
        tk = tpl_lexer_emit(l, K_INT, s + i, de - i);
        if (tk == NULL) {
            return tpl_lexer_fail(l, "%s", "out of memory");
        }
        {
            struct bigalloc ba = {(void *(*)(void *, size_t))tpl_arena_alloc, &l->t->ar};
            struct bigint *b = tpl_bigint_parse(&ba, clean, k, base);
            int64_t iv;
            if (b == NULL) {
                return tpl_lexer_fail(l, "%s", "invalid integer");
            }
            if (tpl_bigint_to_i64(b, &iv)) {
                tk->val = tpl_value_int(iv);
            } else {
                tk->val.t = T_BIG;
                tk->val.u.big = b;
            }
        }
        *pos = de;
        return 0;
    }
}
