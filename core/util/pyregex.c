/* pyregex.c - Python-compatible regular expressions on PCRE2.
 *
 * DESIGN
 * ------
 * Patterns are translated (python_to_pcre) for the few places where
 * Python's re and PCRE2 read the same text differently:
 *   \Z          Python: end of string          -> PCRE2 \z
 *   \uXXXX      Python: code point escape      -> \x{XXXX} (also \UXXXXXXXX)
 *   {,n}        Python: {0,n}                  -> {0,n} (PCRE2 reads it as text)
 * and compiled with PCRE2_UTF | PCRE2_UCP so that \w, \d, \s and \b are
 * Unicode-aware like Python 3's str patterns. (?P<name>...) and (?P=name)
 * are native PCRE2 syntax. Every match runs under a match limit and a
 * depth limit (one shared, read-only match context), so catastrophic
 * backtracking becomes an error instead of a hang. Known differences
 * that remain are documented in README.md (possessive quantifiers and
 * atomic groups are accepted here although Python 3.11 also has them;
 * Python-only forms such as (?L) are refused).
 */
#include "pyregex.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "pyfmt.h"
#include "xalloc.h"

#define MATCH_LIMIT 10000000u
#define DEPTH_LIMIT 10000u

struct octo_regex {
    pcre2_code *code;
    pcre2_match_context *mctx;
    int ngroups;
};

static int is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static void python_to_pcre(const char *p, struct octo_buf *out)
{
    size_t n = strlen(p);
    size_t i = 0;
    int in_class = 0;

    while (i < n) {
        char c = p[i];

        if (c == '\\' && i + 1 < n) {
            char d = p[i + 1];
            size_t want = d == 'u' ? 4 : d == 'U' ? 8 : 0;

            if (d == 'Z' && !in_class) {
                octo_buf_puts(out, "\\z");
                i += 2;
                continue;
            }
            if (want != 0 && i + 2 + want <= n) {
                size_t k;

                for (k = 0; k < want && is_hex(p[i + 2 + k]); k++) {
                }
                if (k == want) {
                    octo_buf_puts(out, "\\x{");
                    octo_buf_append(out, p + i + 2, want);
                    octo_buf_putc(out, '}');
                    i += 2 + want;
                    continue;
                }
            }
            octo_buf_append(out, p + i, 2);
            i += 2;
            continue;
        }
        if (in_class) {
            if (c == ']') {
                in_class = 0;
            }
            octo_buf_putc(out, c);
            i++;
            continue;
        }
        if (c == '[') {
            in_class = 1;
            octo_buf_putc(out, c);
            i++;
            if (i < n && p[i] == '^') {
                octo_buf_putc(out, '^');
                i++;
            }
            if (i < n && p[i] == ']') { /* a leading ] is literal */
                octo_buf_putc(out, ']');
                i++;
            }
            continue;
        }
        if (c == '{' && i + 1 < n && p[i + 1] == ',') {
            size_t j = i + 2;

            while (j < n && p[j] >= '0' && p[j] <= '9') {
                j++;
            }
            if (j > i + 2 && j < n && p[j] == '}') {
                octo_buf_puts(out, "{0,");
                i += 2;
                continue;
            }
        }
        octo_buf_putc(out, c);
        i++;
    }
}

int octo_regex_compile(const char *pattern, unsigned flags, struct octo_regex **out,
                       octo_error *err)
{
    struct octo_buf tr = OCTO_BUF_INIT;
    struct octo_regex *re;
    uint32_t opts = PCRE2_UTF | PCRE2_UCP | PCRE2_NEVER_BACKSLASH_C;
    int ecode;
    PCRE2_SIZE eoff;
    uint32_t cap = 0;

    *out = NULL;
    if (flags & OCTO_RE_IGNORECASE) {
        opts |= PCRE2_CASELESS;
    }
    if (flags & OCTO_RE_MULTILINE) {
        opts |= PCRE2_MULTILINE;
    }
    if (flags & OCTO_RE_DOTALL) {
        opts |= PCRE2_DOTALL;
    }
    python_to_pcre(pattern, &tr);
    re = octo_xcalloc(1, sizeof(*re));
    re->code = pcre2_compile((PCRE2_SPTR)octo_buf_cstr(&tr), tr.len, opts, &ecode, &eoff, NULL);
    octo_buf_free(&tr);
    if (re->code == NULL) {
        PCRE2_UCHAR msg[256];

        pcre2_get_error_message(ecode, msg, sizeof(msg));
        free(re);
        err->code = OCTO_EINVAL;
        snprintf(err->msg, sizeof(err->msg), "bad regular expression '%s': %s at position %zu",
                 pattern, (const char *)msg, (size_t)eoff);
        return OCTO_EINVAL;
    }
    re->mctx = pcre2_match_context_create(NULL);
    if (re->mctx == NULL) { /* PCRE2 returns NULL only when malloc did */
        octo_oom(sizeof(pcre2_match_context *));
    }
    pcre2_set_match_limit(re->mctx, MATCH_LIMIT);
    pcre2_set_depth_limit(re->mctx, DEPTH_LIMIT);
    pcre2_pattern_info(re->code, PCRE2_INFO_CAPTURECOUNT, &cap);
    re->ngroups = (int)cap;
    *out = re;
    return OCTO_OK;
}

void octo_regex_free(struct octo_regex *re)
{
    if (re == NULL) {
        return;
    }
    pcre2_match_context_free(re->mctx);
    pcre2_code_free(re->code);
    free(re);
}

int octo_regex_groups(const struct octo_regex *re)
{
    return re->ngroups;
}

int octo_regex_group_index(const struct octo_regex *re, const char *name)
{
    int n = pcre2_substring_number_from_name(re->code, (PCRE2_SPTR)name);

    return n > 0 ? n : -1;
}

static int run(const struct octo_regex *re, const char *subject, size_t len, size_t start,
               uint32_t options, struct octo_match *m, octo_error *err)
{
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re->code, NULL);
    PCRE2_SIZE *ov;
    int rc;
    int i;

    memset(m, 0, sizeof(*m));
    m->ngroups = re->ngroups;
    if (md == NULL) { /* PCRE2 returns NULL only when malloc did */
        octo_oom((size_t)(re->ngroups + 1) * 2 * sizeof(PCRE2_SIZE));
    }
    rc = pcre2_match(re->code, (PCRE2_SPTR)subject, len, start, options, md, re->mctx);
    if (rc == PCRE2_ERROR_NOMATCH) {
        pcre2_match_data_free(md);
        return 0;
    }
    if (rc < 0) {
        PCRE2_UCHAR msg[256];

        pcre2_get_error_message(rc, msg, sizeof(msg));
        pcre2_match_data_free(md);
        if (err != NULL) {
            err->code = OCTO_EINVAL;
            snprintf(err->msg, sizeof(err->msg), "regular expression failed: %s",
                     (const char *)msg);
        }
        return OCTO_EINVAL;
    }
    ov = pcre2_get_ovector_pointer(md);
    m->matched = 1;
    for (i = 0; i <= re->ngroups && i <= OCTO_RE_MAX_GROUPS; i++) {
        if (i < rc && ov[2 * i] != PCRE2_UNSET) {
            m->start[i] = ov[2 * i];
            m->end[i] = ov[2 * i + 1];
        } else {
            m->start[i] = SIZE_MAX;
            m->end[i] = SIZE_MAX;
        }
    }
    pcre2_match_data_free(md);
    return 1;
}

int octo_regex_search(const struct octo_regex *re, const char *subject, size_t len, size_t start,
                      struct octo_match *m, octo_error *err)
{
    return run(re, subject, len, start, 0, m, err);
}

int octo_regex_match(const struct octo_regex *re, const char *subject, size_t len,
                     struct octo_match *m, octo_error *err)
{
    return run(re, subject, len, 0, PCRE2_ANCHORED, m, err);
}

/* Length of the UTF-8 character at s[pos] (1 for invalid bytes). */
static size_t char_len(const char *s, size_t len, size_t pos)
{
    unsigned cp;
    size_t n = octo_utf8_decode((const unsigned char *)s + pos, len - pos, &cp);

    return n == 0 ? 1 : n;
}

int octo_regex_next(const struct octo_regex *re, const char *subject, size_t len,
                    struct octo_regex_iter *it, struct octo_match *m, octo_error *err)
{
    int rc;

    while (!it->done) {
        if (it->pos > len) {
            it->done = 1;
            break;
        }
        if (it->retry_nonempty) {
            /* after an empty match at pos: a non-empty match starting at
             * pos, else move one character on */
            rc = run(re, subject, len, it->pos, PCRE2_NOTEMPTY_ATSTART | PCRE2_ANCHORED, m, err);
            it->retry_nonempty = 0;
            if (rc < 0) {
                return rc;
            }
            if (rc == 0) {
                if (it->pos >= len) {
                    it->done = 1;
                    break;
                }
                it->pos += char_len(subject, len, it->pos);
                continue;
            }
        } else {
            rc = run(re, subject, len, it->pos, 0, m, err);
            if (rc <= 0) {
                it->done = 1;
                return rc;
            }
        }
        it->pos = m->end[0];
        it->retry_nonempty = m->start[0] == m->end[0];
        return 1;
    }
    return 0;
}

/* Append the expansion of a Python replacement template for match m. */
static int expand(const struct octo_regex *re, const char *repl, const char *subject,
                  const struct octo_match *m, struct octo_buf *out, octo_error *err)
{
    size_t i = 0;
    size_t n = strlen(repl);

    while (i < n) {
        char c = repl[i];
        int group = -1;

        if (c != '\\' || i + 1 >= n) {
            octo_buf_putc(out, c);
            i++;
            continue;
        }
        c = repl[i + 1];
        if (c >= '0' && c <= '9') {
            group = c - '0';
            i += 2;
            if (i < n && repl[i] >= '0' && repl[i] <= '9' &&
                group * 10 + (repl[i] - '0') <= re->ngroups) {
                group = group * 10 + (repl[i] - '0');
                i++;
            }
        } else if (c == 'g' && i + 2 < n && repl[i + 2] == '<') {
            const char *close = strchr(repl + i + 3, '>');
            char name[128];
            size_t nl;

            if (close == NULL || (nl = (size_t)(close - (repl + i + 3))) == 0 ||
                nl >= sizeof(name)) {
                err->code = OCTO_EINVAL;
                snprintf(err->msg, sizeof(err->msg), "bad group reference in replacement '%s'",
                         repl);
                return OCTO_EINVAL;
            }
            memcpy(name, repl + i + 3, nl);
            name[nl] = '\0';
            if (name[0] >= '0' && name[0] <= '9') {
                group = atoi(name);
            } else {
                group = octo_regex_group_index(re, name);
                if (group < 0) {
                    err->code = OCTO_EINVAL;
                    snprintf(err->msg, sizeof(err->msg), "unknown group name '%s'", name);
                    return OCTO_EINVAL;
                }
            }
            i = (size_t)(close - repl) + 1;
        } else {
            const char *esc = NULL;

            switch (c) {
            case 'n':
                esc = "\n";
                break;
            case 't':
                esc = "\t";
                break;
            case 'r':
                esc = "\r";
                break;
            case 'f':
                esc = "\f";
                break;
            case 'v':
                esc = "\v";
                break;
            case 'a':
                esc = "\a";
                break;
            case 'b':
                esc = "\b";
                break;
            case '\\':
                esc = "\\";
                break;
            default:
                break;
            }
            if (esc != NULL) {
                octo_buf_puts(out, esc);
            } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
                err->code = OCTO_EINVAL;
                snprintf(err->msg, sizeof(err->msg), "bad escape \\%c in replacement", c);
                return OCTO_EINVAL;
            } else {
                octo_buf_putc(out, '\\');
                octo_buf_putc(out, c);
            }
            i += 2;
            continue;
        }
        if (group > re->ngroups || group > OCTO_RE_MAX_GROUPS) {
            err->code = OCTO_EINVAL;
            snprintf(err->msg, sizeof(err->msg), "invalid group reference %d", group);
            return OCTO_EINVAL;
        }
        if (m->start[group] != SIZE_MAX) {
            octo_buf_append(out, subject + m->start[group], m->end[group] - m->start[group]);
        }
    }
    return OCTO_OK;
}

int octo_regex_sub(const struct octo_regex *re, const char *repl, const char *subject, size_t len,
                   size_t count, struct octo_buf *out, octo_error *err)
{
    struct octo_regex_iter it = {0, 0, 0};
    struct octo_match m;
    size_t copied = 0;
    size_t done = 0;
    int rc;

    while (count == 0 || done < count) {
        rc = octo_regex_next(re, subject, len, &it, &m, err);
        if (rc < 0) {
            return rc;
        }
        if (rc == 0) {
            break;
        }
        octo_buf_append(out, subject + copied, m.start[0] - copied);
        rc = expand(re, repl, subject, &m, out, err);
        if (rc != OCTO_OK) {
            return rc;
        }
        copied = m.end[0];
        done++;
    }
    octo_buf_append(out, subject + copied, len - copied);
    return octo_buf_failed(out) ? OCTO_ENOMEM : OCTO_OK;
}
