/* flow_diag.c - validation messages and did-you-mean (see flow_diag.h). */
#include "flow_diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "redact.h"
#include "yaml_io.h"

static void add(struct octo_loadctx *lc, int is_error, const char *mark_path, const char *where,
                const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));

static void add(struct octo_loadctx *lc, int is_error, const char *mark_path, const char *where,
                const char *fmt, va_list ap)
{
    struct octo_buf b = OCTO_BUF_INIT;
    int line = lc->key_line ? octo_yaml_key_line(lc->marks, mark_path != NULL ? mark_path : "")
                            : octo_yaml_line(lc->marks, mark_path != NULL ? mark_path : "");

    if (line > 0) {
        octo_buf_printf(&b, "%s:%d: ", lc->display, line);
    } else {
        octo_buf_printf(&b, "%s: ", lc->display);
    }
    if (where != NULL && where[0] != '\0') {
        octo_buf_printf(&b, "%s: ", where);
    }
    octo_buf_vprintf(&b, fmt, ap);
    octo_redact_buf(&b);
    if (is_error) {
        if (lc->nerrors == 0) {
            snprintf(lc->first_error, sizeof(lc->first_error), "%s", octo_buf_cstr(&b));
        }
        lc->nerrors++;
        if (lc->diags != NULL && lc->diags->errors != NULL) {
            json_array_append_new(lc->diags->errors, json_string(octo_buf_cstr(&b)));
        }
    } else if (lc->diags != NULL && lc->diags->warnings != NULL) {
        json_array_append_new(lc->diags->warnings, json_string(octo_buf_cstr(&b)));
    }
    octo_buf_free(&b);
}

void octo_diag_error(struct octo_loadctx *lc, const char *mark_path, const char *where,
                     const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    add(lc, 1, mark_path, where, fmt, ap);
    va_end(ap);
}

void octo_diag_warn(struct octo_loadctx *lc, const char *mark_path, const char *where,
                    const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    add(lc, 0, mark_path, where, fmt, ap);
    va_end(ap);
}

static size_t min3(size_t a, size_t b, size_t c)
{
    size_t m = a < b ? a : b;

    return m < c ? m : c;
}

/* Optimal string alignment distance: insertions, deletions,
 * substitutions and transpositions of neighbours ("tpye" -> "type" is 1). */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a);
    size_t lb = strlen(b);
    unsigned short d[65][65]; /* 8 KiB, not 33: validation runs on any thread */
    size_t i;
    size_t j;

    if (la > 64 || lb > 64) {
        return 1000;
    }
    for (i = 0; i <= la; i++) {
        d[i][0] = (unsigned short)i;
    }
    for (j = 0; j <= lb; j++) {
        d[0][j] = (unsigned short)j;
    }
    for (i = 1; i <= la; i++) {
        for (j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] != b[j - 1];

            d[i][j] =
                (unsigned short)min3(d[i - 1][j] + 1u, d[i][j - 1] + 1u, d[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < d[i][j]) {
                d[i][j] = (unsigned short)(d[i - 2][j - 2] + 1);
            }
        }
    }
    return d[la][lb];
}

const char *octo_did_you_mean(const char *key, const char *const *candidates)
{
    const char *best = NULL;
    size_t best_d = 1000;
    /* one edit for short names, two for longer ones: more suggests
     * unrelated names ("api_token" for "no_token") */
    size_t limit = strlen(key) <= 5 ? 1 : 2;

    for (; candidates != NULL && *candidates != NULL; candidates++) {
        size_t d = distance(key, *candidates);

        if (d < best_d) {
            best_d = d;
            best = *candidates;
        }
    }
    return best_d <= limit ? best : NULL;
}

const char *octo_suggest(const char *word, const char *const *candidates)
{
    return octo_did_you_mean(word, candidates);
}

void octo_diag_unknown_key(struct octo_loadctx *lc, const char *mark_path, const char *where,
                           const char *key, const char *const *candidates)
{
    const char *hint = octo_did_you_mean(key, candidates);
    char suffix[160];

    if (hint != NULL) {
        snprintf(suffix, sizeof(suffix), " (did you mean \"%s\"?)", hint);
    } else {
        suffix[0] = '\0';
    }
    lc->key_line = 1; /* on the key's own line */
    if (lc->flags & OCTO_FLOW_STRICT) {
        octo_diag_error(lc, mark_path, where, "unknown key \"%s\"%s", key, suffix);
    } else {
        octo_diag_warn(lc, mark_path, where, "unknown key \"%s\" is ignored%s", key, suffix);
    }
    lc->key_line = 0;
}

void octo_diags_init(struct octo_diags *d)
{
    d->errors = json_array();
    d->warnings = json_array();
}

void octo_diags_free(struct octo_diags *d)
{
    json_decref(d->errors);
    json_decref(d->warnings);
    d->errors = NULL;
    d->warnings = NULL;
}

int octo_yaml_line_of(struct octo_loadctx *lc, const char *mark_path)
{
    return octo_yaml_line(lc->marks, mark_path);
}
