/* tre.c - Python-flavoured regular expressions for template filters
 * (urlize, regex_search/replace/findall), over core/pyregex (PCRE2 with
 * Python's syntax, match and depth limits). Patterns are released with the
 * render. */
#include <stdint.h>
#include <string.h>

#include "pyregex.h"
#include "tre.h"

/* An adapter over the core's Python-compatible regex module (pyregex.h):
 * compiled patterns belong to the render (freed with its arena). */
struct tre {
    struct octo_regex *re;
};

static void tre_free(void *p)
{
    struct tre *r = p;
    octo_regex_free(r->re);
}

struct tre *tpl_tre_compile(struct rs *st, const char *pat, size_t n, unsigned flags)
{
    struct tre *r = tpl_render_alloc(st, sizeof(*r));
    octo_error err;
    unsigned f = 0;
    tv p = tpl_value_strdup(st, pat, n);
    memset(&err, 0, sizeof(err));
    if (memchr(pat, '\0', n) != NULL) {
        tpl_render_fail(st, "invalid regular expression: NUL character in pattern");
    }
    if (flags & TRE_ICASE) {
        f |= OCTO_RE_IGNORECASE;
    }
    if (flags & TRE_MULTILINE) {
        f |= OCTO_RE_MULTILINE;
    }
    if (flags & TRE_DOTALL) {
        f |= OCTO_RE_DOTALL;
    }
    r->re = NULL;
    if (octo_regex_compile(p.u.s.p, f, &r->re, &err) != 0 || r->re == NULL) {
        tpl_render_fail(st, "invalid regular expression: %s",
                        err.msg[0] ? err.msg : "cannot compile");
    }
    tpl_arena_on_free(&st->ar, tre_free, r);
    return r;
}

int tpl_tre_groups(struct tre *r)
{
    return octo_regex_groups(r->re);
}

int tpl_tre_group_index(struct tre *r, const char *name)
{
    return octo_regex_group_index(r->re, name);
}

int tpl_tre_search(struct rs *st, struct tre *r, const char *s, size_t n, size_t start,
                   int anchored, size_t *ov, int maxpairs)
{
    struct octo_match m;
    octo_error err;
    int rc;
    int i;
    memset(&err, 0, sizeof(err));
    if (anchored && start == 0) {
        rc = octo_regex_match(r->re, s, n, &m, &err);
    } else {
        rc = octo_regex_search(r->re, s, n, start, &m, &err);
    }
    if (rc < 0) {
        tpl_render_fail(st, "regular expression failed: %s", err.msg[0] ? err.msg : "error");
    }
    if (rc == 0 || !m.matched) {
        return 0;
    }
    for (i = 0; i < maxpairs; i++) {
        if (i <= m.ngroups && i <= OCTO_RE_MAX_GROUPS && m.start[i] != SIZE_MAX) {
            ov[2 * i] = m.start[i];
            ov[2 * i + 1] = m.end[i];
        } else {
            ov[2 * i] = ov[2 * i + 1] = (size_t)-1;
        }
    }
    return 1;
}

/* expand a Python replacement template for one match */
void tpl_tre_expand(struct rs *st, struct tre *r, const char *repl, size_t rn, const char *s,
                    const size_t *ov, int ng, struct octo_buf *out)
{
    size_t i;
    for (i = 0; i < rn; i++) {
        char c = repl[i];
        int g = -1;
        if (c != '\\' || i + 1 >= rn) {
            tpl_tbuf_putc(out, c);
            continue;
        }
        c = repl[++i];
        if (c >= '0' && c <= '9') {
            g = c - '0';
            if (i + 1 < rn && repl[i + 1] >= '0' && repl[i + 1] <= '9' &&
                g * 10 + (repl[i + 1] - '0') <= ng) {
                g = g * 10 + (repl[++i] - '0');
            }
        } else if (c == 'g' && i + 1 < rn && repl[i + 1] == '<') {
            const char *e = memchr(repl + i + 2, '>', rn - i - 2);
            char name[64];
            size_t len;
            if (e == NULL) {
                tpl_render_fail(st, "missing >, unterminated name");
            }
            len = (size_t)(e - (repl + i + 2));
            if (len == 0 || len >= sizeof(name)) {
                tpl_render_fail(st, "bad character in group name");
            }
            memcpy(name, repl + i + 2, len);
            name[len] = '\0';
            if (name[0] >= '0' && name[0] <= '9') {
                g = 0;
                for (size_t k = 0; k < len; k++) {
                    if (name[k] < '0' || name[k] > '9') {
                        tpl_render_fail(st, "bad character in group name '%s'", name);
                    }
                    g = g * 10 + (name[k] - '0');
                    if (g > 1000) {
                        break;
                    }
                }
            } else {
                g = tpl_tre_group_index(r, name);
                if (g < 0) {
                    tpl_render_fail(st, "unknown group name '%s'", name);
                }
            }
            i = (size_t)(e - repl);
        } else {
            switch (c) {
            case 'n':
                tpl_tbuf_putc(out, '\n');
                break;
            case 't':
                tpl_tbuf_putc(out, '\t');
                break;
            case 'r':
                tpl_tbuf_putc(out, '\r');
                break;
            case 'f':
                tpl_tbuf_putc(out, '\f');
                break;
            case 'v':
                tpl_tbuf_putc(out, '\v');
                break;
            case 'a':
                tpl_tbuf_putc(out, '\a');
                break;
            case '\\':
                tpl_tbuf_putc(out, '\\');
                break;
            default:
                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
                    tpl_render_fail(st, "bad escape \\%c", c);
                }
                tpl_tbuf_putc(out, '\\');
                tpl_tbuf_putc(out, c);
            }
            continue;
        }
        if (g > ng) {
            tpl_render_fail(st, "invalid group reference %d", g);
        }
        if (ov[2 * g] != (size_t)-1) {
            tpl_tbuf_append(out, s + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
        }
    }
}
