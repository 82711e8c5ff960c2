/* lexer.c - see lexer.h. Newlines are normalized to \n and one trailing
 * newline is dropped first (keep_trailing_newline=False), as Jinja2 does. */
#include "lexer.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ident.h"
#include "lexer_int.h"
#include "pyfmt.h"

void tpl_lexer_error(octo_error *err, const struct octo_tpl *t, int line, const char *fmt, ...)
{
    va_list ap;
    int k;
    if (err == NULL) {
        return;
    }
    err->code = OCTO_ETEMPLATE;
    k = snprintf(err->msg, sizeof(err->msg), "%s:%d: ", t && t->name ? t->name : "<template>",
                 line);
    if (k < 0 || (size_t)k >= sizeof(err->msg)) {
        k = 0;
    }
    va_start(ap, fmt);
    vsnprintf(err->msg + k, sizeof(err->msg) - (size_t)k, fmt, ap);
    va_end(ap);
}

struct token *tpl_lexer_emit(struct lx *l, int type, const char *s, size_t n)
{
    struct token *tk;
    if (l->out->n == l->out->cap) {
        size_t nc = l->out->cap ? l->out->cap * 2 : 64;
        struct token *nt = tpl_arena_alloc(&l->t->ar, nc * sizeof(*nt));
        if (nt == NULL) {
            return NULL;
        }
        if (l->out->n) {
            memcpy(nt, l->out->t, l->out->n * sizeof(*nt));
        }
        l->out->t = nt;
        l->out->cap = nc;
    }
    tk = &l->out->t[l->out->n++];
    memset(tk, 0, sizeof(*tk));
    tk->type = type;
    tk->line = l->line;
    tk->s = s;
    tk->n = n;
    return tk;
}

static int count_nl(const char *s, size_t n)
{
    int c = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        c += s[i] == '\n';
    }
    return c;
}

static int is_ws(const char *s, size_t n, size_t i, size_t *len)
{
    unsigned cp;
    size_t k = octo_utf8_decode((const unsigned char *)s + i, n - i, &cp);
    if (k == 0) {
        return 0;
    }
    *len = k;
    return tpl_ucase_isspace(cp);
}

/* end of whitespace run starting at i */
static size_t skip_ws(const char *s, size_t n, size_t i)
{
    size_t k;
    while (i < n && is_ws(s, n, i, &k)) {
        i += k;
    }
    return i;
}

/* length of data with trailing whitespace removed */
static size_t rstrip_len(const char *s, size_t n)
{
    while (n > 0) {
        size_t k = n - 1;
        size_t len;
        while (k > 0 && ((unsigned char)s[k] & 0xC0u) == 0x80u) {
            k--;
        }
        if (!is_ws(s, n, k, &len) || k + len != n) {
            break;
        }
        n = k;
    }
    return n;
}

int tpl_lexer_fail(struct lx *l, const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    tpl_lexer_error(l->err, l->t, l->line, "%s", msg);
    return -1;
}

static const struct {
    const char *s;
    int type;
} ops[] = {{"//", K_FLOORDIV}, {"**", K_POW},     {"==", K_EQ},    {"!=", K_NE},
           {">=", K_GTEQ},     {"<=", K_LTEQ},    {"+", K_ADD},    {"-", K_SUB},
           {"/", K_DIV},       {"*", K_MUL},      {"%", K_MOD},    {"~", K_TILDE},
           {"[", K_LBRACKET},  {"]", K_RBRACKET}, {"(", K_LPAREN}, {")", K_RPAREN},
           {"{", K_LBRACE},    {"}", K_RBRACE},   {">", K_GT},     {"<", K_LT},
           {"=", K_ASSIGN},    {".", K_DOT},      {":", K_COLON},  {"|", K_PIPE},
           {",", K_COMMA},     {";", K_SEMICOLON}};

/* inside {{ }} or {% %}: tokens until the end delimiter */
static int lex_inner(struct lx *l, int block)
{
    const char *s = l->s;
    size_t n = l->n;
    for (;;) {
        size_t i = l->pos;
        size_t w = skip_ws(s, n, i);
        size_t k;
        l->line += count_nl(s + i, w - i);
        i = l->pos = w;
        if (i >= n) {
            return tpl_lexer_fail(
                l, "%s",
                block ? "unexpected end of template, expected 'end of statement block'"
                      : "unexpected end of template, expected 'end of print statement'");
        }
        if (l->nbal == 0) {
            const char *end = block ? "%}" : "}}";
            if (block && s[i] == '+' && i + 2 < n + 0 && memcmp(s + i + 1, end, 2) == 0) {
                tpl_lexer_emit(l, block ? K_BLOCK_END : K_VAR_END, NULL, 0);
                l->pos = i + 3;
                return 0;
            }
            if (s[i] == '-' && i + 2 < n + 1 && i + 3 <= n && memcmp(s + i + 1, end, 2) == 0) {
                tpl_lexer_emit(l, block ? K_BLOCK_END : K_VAR_END, NULL, 0);
                w = skip_ws(s, n, i + 3);
                l->line += count_nl(s + i + 3, w - (i + 3));
                l->pos = w;
                return 0;
            }
            if (i + 2 <= n && memcmp(s + i, end, 2) == 0) {
                tpl_lexer_emit(l, block ? K_BLOCK_END : K_VAR_END, NULL, 0);
                l->pos = i + 2;
                return 0;
            }
        }
        if (tpl_lexer_isdigit(s[i])) {
            if (tpl_lexer_number(l, &l->pos) != 0) {
                return -1;
            }
            continue;
        }
        if (s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
            (unsigned char)s[i] >= 0x80) {
            /* Jinja2 takes the longest run of name characters, then
             * requires str.isidentifier(): XID_Start then XID_Continue */
            unsigned cp;
            int valid = 1;
            if ((unsigned char)s[i] >= 0x80) {
                size_t len = octo_utf8_decode((const unsigned char *)s + i, n - i, &cp);
                if (len == 0 || !(tpl_ident_class(cp) & ID_RUN)) {
                    char tmp[8];
                    snprintf(tmp, sizeof(tmp), "%.*s", (int)(len ? len : 1), s + i);
                    return tpl_lexer_fail(l, "unexpected char '%s'", tmp);
                }
            }
            k = i;
            while (k < n) {
                unsigned char c = (unsigned char)s[k];
                if (c < 0x80) { /* ASCII: the fast path */
                    if (c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        tpl_lexer_isdigit((char)c)) {
                        k++;
                        continue;
                    }
                    break;
                } else {
                    size_t len = octo_utf8_decode((const unsigned char *)s + k, n - k, &cp);
                    unsigned cls = len ? tpl_ident_class(cp) : 0;
                    if (!(cls & ID_RUN)) {
                        break;
                    }
                    if (!(cls & (k == i ? ID_START : ID_CONT))) {
                        valid = 0;
                    }
                    k += len;
                }
            }
            if (!valid) {
                return tpl_lexer_fail(l, "%s", "Invalid character in identifier");
            }
            if (tpl_lexer_emit(l, K_NAME, s + i, k - i) == NULL) {
                return tpl_lexer_fail(l, "%s", "out of memory");
            }
            l->pos = k;
            continue;
        }
        if (s[i] == '\'' || s[i] == '"') {
            char q = s[i];
            struct token *tk;
            int line0 = l->line;
            k = i + 1;
            while (k < n && s[k] != q) {
                if (s[k] == '\\' && k + 1 < n) {
                    k++;
                }
                k++;
            }
            if (k >= n) {
                return tpl_lexer_fail(l, "unexpected char %s", q == '\'' ? "\"'\"" : "'\"'");
            }
            tk = tpl_lexer_emit(l, K_STRING, NULL, 0);
            if (tk == NULL) {
                return tpl_lexer_fail(l, "%s", "out of memory");
            }
            if (tpl_lexer_unescape(l, s + i + 1, k - i - 1, tk) != 0) {
                return -1;
            }
            tk->line = line0;
            l->line += count_nl(s + i, k - i);
            l->pos = k + 1;
            continue;
        }
        {
            size_t o;
            int found = 0;
            for (o = 0; o < sizeof(ops) / sizeof(ops[0]); o++) {
                size_t len = strlen(ops[o].s);
                if (i + len <= n && memcmp(s + i, ops[o].s, len) == 0) {
                    int ty = ops[o].type;
                    if (ty == K_LBRACE || ty == K_LPAREN || ty == K_LBRACKET) {
                        if (l->nbal >= (int)sizeof(l->bal)) {
                            return tpl_lexer_fail(l, "%s", "too deeply nested brackets");
                        }
                        l->bal[l->nbal++] = ty == K_LBRACE ? '}' : ty == K_LPAREN ? ')' : ']';
                    } else if (ty == K_RBRACE || ty == K_RPAREN || ty == K_RBRACKET) {
                        char want;
                        char got = ops[o].s[0];
                        if (l->nbal == 0) {
                            char tmp[2] = {got, 0};
                            return tpl_lexer_fail(l, "unexpected '%s'", tmp);
                        }
                        want = l->bal[--l->nbal];
                        if (want != got) {
                            char msg[48];
                            snprintf(msg, sizeof(msg), "unexpected '%c', expected '%c'", got, want);
                            return tpl_lexer_fail(l, "%s", msg);
                        }
                    }
                    if (tpl_lexer_emit(l, ty, s + i, len) == NULL) {
                        return tpl_lexer_fail(l, "%s", "out of memory");
                    }
                    l->pos = i + len;
                    found = 1;
                    break;
                }
            }
            if (!found) {
                char msg[64];
                snprintf(msg, sizeof(msg), "unexpected char '%c' at %zu", s[i], i);
                return tpl_lexer_fail(l, "%s", msg);
            }
        }
    }
}

/* "{%[-+]? *raw *[-]?%}" at i: returns end offset or 0 */
static size_t raw_begin(const char *s, size_t n, size_t i, int *strip_after)
{
    size_t k = i + 2;
    if (k < n && (s[k] == '-' || s[k] == '+')) {
        k++;
    }
    k = skip_ws(s, n, k);
    if (k + 3 > n || memcmp(s + k, "raw", 3) != 0) {
        return 0;
    }
    k = skip_ws(s, n, k + 3);
    if (k + 3 <= n && memcmp(s + k, "-%}", 3) == 0) {
        *strip_after = 1;
        return k + 3;
    }
    if (k + 2 <= n && memcmp(s + k, "%}", 2) == 0) {
        *strip_after = 0;
        return k + 2;
    }
    return 0;
}

static int lex_raw(struct lx *l, size_t start)
{
    const char *s = l->s;
    size_t n = l->n;
    size_t i = start;
    while (i + 1 < n) {
        if (s[i] == '{' && s[i + 1] == '%') {
            size_t k = i + 2;
            int strip_before = 0;
            if (k < n && (s[k] == '-' || s[k] == '+')) {
                strip_before = s[k] == '-';
                k++;
            }
            k = skip_ws(s, n, k);
            if (k + 6 <= n && memcmp(s + k, "endraw", 6) == 0) {
                size_t e = skip_ws(s, n, k + 6);
                size_t dl = i - start;
                size_t after = 0;
                if (e + 3 <= n && memcmp(s + e, "+%}", 3) == 0) {
                    after = e + 3;
                } else if (e + 3 <= n && memcmp(s + e, "-%}", 3) == 0) {
                    after = skip_ws(s, n, e + 3);
                } else if (e + 2 <= n && memcmp(s + e, "%}", 2) == 0) {
                    after = e + 2;
                }
                if (after) {
                    if (strip_before) {
                        dl = rstrip_len(s + start, dl);
                    }
                    if (dl && tpl_lexer_emit(l, K_DATA, s + start, dl) == NULL) {
                        return tpl_lexer_fail(l, "%s", "out of memory");
                    }
                    l->line += count_nl(s + start, after - start);
                    l->pos = after;
                    return 0;
                }
            }
        }
        i++;
    }
    return tpl_lexer_fail(l, "%s", "Missing end of raw directive");
}

static char *normalize(struct octo_tpl *t, const char *src, size_t len, size_t *outlen)
{
    char *o = tpl_arena_alloc(&t->ar, len + 1);
    size_t i;
    size_t k = 0;
    if (o == NULL) {
        return NULL;
    }
    for (i = 0; i < len; i++) {
        if (src[i] == '\r') {
            o[k++] = '\n';
            if (i + 1 < len && src[i + 1] == '\n') {
                i++;
            }
        } else {
            o[k++] = src[i];
        }
    }
    if (k > 0 && o[k - 1] == '\n') {
        k--;
    }
    o[k] = '\0';
    *outlen = k;
    return o;
}

int tpl_lexer_tokenize(struct octo_tpl *t, const char *src, size_t len, struct tokens *out,
                       octo_error *err)
{
    struct lx l;
    memset(&l, 0, sizeof(l));
    memset(out, 0, sizeof(*out));
    l.t = t;
    l.out = out;
    l.err = err;
    l.line = 1;
    l.s = normalize(t, src, len, &l.n);
    if (l.s == NULL) {
        return tpl_lexer_fail(&l, "%s", "out of memory");
    }
    while (l.pos < l.n) {
        const char *s = l.s;
        size_t n = l.n;
        size_t i = l.pos;
        size_t dl;
        char kind;
        char mod = 0;
        size_t tagend;
        /* find the next tag start */
        const char *p = s + i;
        for (;;) {
            p = memchr(p, '{', (size_t)(s + n - p));
            if (p == NULL || p + 1 >= s + n || p[1] == '{' || p[1] == '%' || p[1] == '#') {
                break;
            }
            p++;
        }
        if (p == NULL || p + 1 >= s + n) {
            if (tpl_lexer_emit(&l, K_DATA, s + i, n - i) == NULL) {
                return tpl_lexer_fail(&l, "%s", "out of memory");
            }
            l.line += count_nl(s + i, n - i);
            l.pos = n;
            break;
        }
        kind = p[1];
        dl = (size_t)(p - (s + i));
        tagend = (size_t)(p - s) + 2;
        if (tagend < n && (s[tagend] == '-' || s[tagend] == '+')) {
            mod = s[tagend];
            tagend++;
        }
        {
            int strip_after = 0;
            size_t rawend = kind == '%' ? raw_begin(s, n, (size_t)(p - s), &strip_after) : 0;
            size_t keep = mod == '-' ? rstrip_len(s + i, dl) : dl;
            int line_tag;
            if (keep && tpl_lexer_emit(&l, K_DATA, s + i, keep) == NULL) {
                return tpl_lexer_fail(&l, "%s", "out of memory");
            }
            l.line += count_nl(s + i, dl);
            line_tag = l.line;
            if (rawend) {
                size_t body = strip_after ? skip_ws(s, n, rawend) : rawend;
                l.line += count_nl(s + (p - s), body - (size_t)(p - s));
                if (lex_raw(&l, body) != 0) {
                    return -1;
                }
                continue;
            }
            if (kind == '#') {
                size_t k = tagend;
                for (;;) {
                    if (k + 1 >= n) {
                        l.line = line_tag;
                        return tpl_lexer_fail(&l, "%s", "Missing end of comment tag");
                    }
                    if ((s[k] == '-' || s[k] == '+') && k + 2 < n && s[k + 1] == '#' &&
                        s[k + 2] == '}') {
                        size_t e = k + 3;
                        if (s[k] == '-') {
                            e = skip_ws(s, n, e);
                        }
                        l.line += count_nl(s + tagend, e - tagend);
                        l.pos = e;
                        break;
                    }
                    if (s[k] == '#' && s[k + 1] == '}') {
                        l.line += count_nl(s + tagend, k + 2 - tagend);
                        l.pos = k + 2;
                        break;
                    }
                    k++;
                }
                continue;
            }
            if (tpl_lexer_emit(&l, kind == '{' ? K_VAR_BEGIN : K_BLOCK_BEGIN, NULL, 0) == NULL) {
                return tpl_lexer_fail(&l, "%s", "out of memory");
            }
            l.pos = tagend;
            if (lex_inner(&l, kind == '%') != 0) {
                return -1;
            }
        }
    }
    if (tpl_lexer_emit(&l, K_EOF, NULL, 0) == NULL) {
        return tpl_lexer_fail(&l, "%s", "out of memory");
    }
    return 0;
}

const char *tpl_lexer_describe(int type)
{
    switch (type) {
    case K_DATA:
        return "template data / text";
    case K_VAR_BEGIN:
        return "begin of print statement";
    case K_VAR_END:
        return "end of print statement";
    case K_BLOCK_BEGIN:
        return "begin of statement block";
    case K_BLOCK_END:
        return "end of statement block";
    case K_NAME:
        return "name";
    case K_STRING:
        return "string";
    case K_INT:
        return "integer";
    case K_FLOAT:
        return "float";
    case K_EOF:
        return "end of template";
    default:
        return "operator";
    }
}
