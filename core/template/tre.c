/* tre.c - Python-flavoured regular expressions for template filters
 * (urlize, regex_search/replace/findall) on PCRE2 with UTF + UCP. The
 * compiled code is released with the render; match and depth limits keep
 * a pathological pattern from hanging a render. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <string.h>

#include "tre.h"

struct tre {
    pcre2_code *code;
    pcre2_match_data *md;
    pcre2_match_context *mc;
};

static void tre_free(void *p)
{
    struct tre *r = p;
    if (r->md) {
        pcre2_match_data_free(r->md);
    }
    if (r->mc) {
        pcre2_match_context_free(r->mc);
    }
    if (r->code) {
        pcre2_code_free(r->code);
    }
}

struct tre *tre_compile(struct rs *st, const char *pat, size_t n, unsigned flags)
{
    struct octo_buf *b = rs_buf(st);
    size_t i;
    int errc;
    PCRE2_SIZE erroff;
    uint32_t opts = PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF;
    struct tre *r = rs_alloc(st, sizeof(*r));
    memset(r, 0, sizeof(*r));
    /* Python's \Z is PCRE's \z */
    for (i = 0; i < n; i++) {
        if (pat[i] == '\\' && i + 1 < n) {
            octo_buf_putc(b, '\\');
            octo_buf_putc(b, pat[i + 1] == 'Z' ? 'z' : pat[i + 1]);
            i++;
        } else {
            octo_buf_putc(b, pat[i]);
        }
    }
    if (flags & TRE_ICASE) {
        opts |= PCRE2_CASELESS;
    }
    if (flags & TRE_MULTILINE) {
        opts |= PCRE2_MULTILINE;
    }
    if (flags & TRE_DOTALL) {
        opts |= PCRE2_DOTALL;
    }
    if (flags & TRE_EXTENDED) {
        opts |= PCRE2_EXTENDED;
    }
    r->code = pcre2_compile((PCRE2_SPTR)(b->data ? b->data : ""), b->len, opts, &errc, &erroff, NULL);
    if (r->code == NULL) {
        char msg[160];
        pcre2_get_error_message(errc, (PCRE2_UCHAR *)msg, sizeof(msg));
        rs_fail(st, "invalid regular expression: %s at position %zu", msg, (size_t)erroff);
    }
    arena_on_free(&st->ar, tre_free, r);
    r->md = pcre2_match_data_create_from_pattern(r->code, NULL);
    r->mc = pcre2_match_context_create(NULL);
    if (r->md == NULL || r->mc == NULL) {
        rs_oom(st);
    }
    pcre2_set_match_limit(r->mc, 10000000);
    pcre2_set_depth_limit(r->mc, 10000);
    return r;
}

int tre_groups(struct tre *r)
{
    uint32_t c = 0;
    pcre2_pattern_info(r->code, PCRE2_INFO_CAPTURECOUNT, &c);
    return (int)c;
}

int tre_group_index(struct tre *r, const char *name)
{
    int k = pcre2_substring_number_from_name(r->code, (PCRE2_SPTR)name);
    return k < 0 ? -1 : k;
}

int tre_search(struct rs *st, struct tre *r, const char *s, size_t n, size_t start, int anchored,
               size_t *ov, int maxpairs)
{
    int rc = pcre2_match(r->code, (PCRE2_SPTR)s, n, start, anchored ? PCRE2_ANCHORED : 0, r->md, r->mc);
    PCRE2_SIZE *o;
    int i;
    if (rc == PCRE2_ERROR_NOMATCH) {
        return 0;
    }
    if (rc < 0) {
        char msg[160];
        pcre2_get_error_message(rc, (PCRE2_UCHAR *)msg, sizeof(msg));
        rs_fail(st, "regular expression failed: %s", msg);
    }
    o = pcre2_get_ovector_pointer(r->md);
    for (i = 0; i < maxpairs; i++) {
        if (i <= tre_groups(r)) {
            ov[2 * i] = o[2 * i] == PCRE2_UNSET ? (size_t)-1 : o[2 * i];
            ov[2 * i + 1] = o[2 * i + 1] == PCRE2_UNSET ? (size_t)-1 : o[2 * i + 1];
        } else {
            ov[2 * i] = ov[2 * i + 1] = (size_t)-1;
        }
    }
    return 1;
}

/* expand a Python replacement template for one match */
void tre_expand(struct rs *st, struct tre *r, const char *repl, size_t rn, const char *s,
                const size_t *ov, int ng, struct octo_buf *out)
{
    size_t i;
    for (i = 0; i < rn; i++) {
        char c = repl[i];
        int g = -1;
        if (c != '\\' || i + 1 >= rn) {
            octo_buf_putc(out, c);
            continue;
        }
        c = repl[++i];
        if (c >= '0' && c <= '9') {
            g = c - '0';
            if (i + 1 < rn && repl[i + 1] >= '0' && repl[i + 1] <= '9' && g * 10 + (repl[i + 1] - '0') <= ng) {
                g = g * 10 + (repl[++i] - '0');
            }
        } else if (c == 'g' && i + 1 < rn && repl[i + 1] == '<') {
            const char *e = memchr(repl + i + 2, '>', rn - i - 2);
            char name[64];
            size_t len;
            if (e == NULL) {
                rs_fail(st, "missing >, unterminated name");
            }
            len = (size_t)(e - (repl + i + 2));
            if (len == 0 || len >= sizeof(name)) {
                rs_fail(st, "bad character in group name");
            }
            memcpy(name, repl + i + 2, len);
            name[len] = '\0';
            if (name[0] >= '0' && name[0] <= '9') {
                g = 0;
                for (size_t k = 0; k < len; k++) {
                    if (name[k] < '0' || name[k] > '9') {
                        rs_fail(st, "bad character in group name '%s'", name);
                    }
                    g = g * 10 + (name[k] - '0');
                    if (g > 1000) {
                        break;
                    }
                }
            } else {
                g = tre_group_index(r, name);
                if (g < 0) {
                    rs_fail(st, "unknown group name '%s'", name);
                }
            }
            i = (size_t)(e - repl);
        } else {
            switch (c) {
            case 'n': octo_buf_putc(out, '\n'); break;
            case 't': octo_buf_putc(out, '\t'); break;
            case 'r': octo_buf_putc(out, '\r'); break;
            case 'f': octo_buf_putc(out, '\f'); break;
            case 'v': octo_buf_putc(out, '\v'); break;
            case 'a': octo_buf_putc(out, '\a'); break;
            case '\\': octo_buf_putc(out, '\\'); break;
            default:
                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
                    rs_fail(st, "bad escape \\%c", c);
                }
                octo_buf_putc(out, '\\');
                octo_buf_putc(out, c);
            }
            continue;
        }
        if (g > ng) {
            rs_fail(st, "invalid group reference %d", g);
        }
        if (ov[2 * g] != (size_t)-1) {
            octo_buf_append(out, s + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
        }
    }
}
