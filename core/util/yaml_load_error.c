/* yaml_load_error.c - the YAML loader's error messages.
 *
 * Why a file of its own: a message names origin:line:column and, for the
 * project's own files, quotes the source line with a caret under the
 * column; cutting that line to valid UTF-8 and keeping the caret aligned
 * is a job apart from building values (yaml_load_build.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "pyfmt.h"
#include "yaml_load_int.h"

/* "\n    <the source line>\n    <caret under col>" ("" when the line is
 * not in the text). Long lines are cut around the column; tabs are kept
 * in the caret line so it lines up. */
static void quote_line(const struct loader *l, int line, int col, char *out, size_t cap)
{
    const char *p = l->text;
    const char *end = l->text != NULL ? l->text + l->len : NULL;
    const char *eol;
    size_t n;
    size_t start = 0;
    size_t c = col > 0 ? (size_t)col - 1 : 0;
    size_t i;
    size_t w;

    out[0] = '\0';
    /* only for the project's own files (loaded with marks: flows,
     * config.yml): a data file's line may hold anything, secrets too */
    if (p == NULL || l->marks == NULL) {
        return;
    }
    for (i = 1; i < (size_t)line && p < end; i++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));

        if (nl == NULL) {
            return;
        }
        p = nl + 1;
    }
    if (p >= end) {
        return;
    }
    eol = memchr(p, '\n', (size_t)(end - p));
    n = eol != NULL ? (size_t)(eol - p) : (size_t)(end - p);
    if (n > 0 && p[n - 1] == '\r') {
        n--;
    }
    if (c > n) {
        c = n;
    }
    if (c > 80) { /* keep the caret on screen */
        start = c - 60;
    }
    if (n - start > 120) {
        n = start + 120;
    }
    w = (size_t)snprintf(out, cap, "\n    ");
    /* the line as valid UTF-8 text (messages become JSON strings): a byte
     * that is not part of a whole UTF-8 character, or a control
     * character, is shown as '?' */
    for (i = start; i < n && w + 8 < cap;) {
        unsigned cp = 0;
        size_t len = octo_utf8_decode((const unsigned char *)p + i, n - i, &cp);

        if (len == 0 || cp == 0x7F || (cp < 0x20 && cp != '\t')) {
            out[w++] = '?';
            i++;
            continue;
        }
        memcpy(out + w, p + i, len);
        w += len;
        i += len;
    }
    w += (size_t)snprintf(out + w, cap - w, "\n    ");
    for (i = start; i < c && w + 2 < cap; i++) {
        out[w++] = p[i] == '\t' ? '\t' : ' ';
    }
    if (w + 2 < cap) {
        out[w++] = '^';
        out[w] = '\0';
    }
}

int octo__yaml_fail(struct loader *l, int line, int col, const char *fmt, ...)
{
    char msg[OCTO_ERROR_MSG_LEN];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    l->err->code = OCTO_EINVAL;
    if (line > 0) {
        char quote[300];

        quote_line(l, line, col, quote, sizeof(quote));
        if (snprintf(l->err->msg, sizeof(l->err->msg), "%s:%d:%d: %s%s", l->origin, line, col, msg,
                     quote) >= (int)sizeof(l->err->msg)) {
            octo_utf8_trim_tail(l->err->msg);
        }
    } else {
        snprintf(l->err->msg, sizeof(l->err->msg), "%s: %s", l->origin, msg);
    }
    return OCTO_EINVAL;
}
