/* redact_decode.c - one layer of text decoding with a position map (see
 * redact_decode.h).
 *
 * The pass reads left to right; at each position it tries the encodings
 * in a fixed order (backslash escape, %XX, HTML entity, '', line fold)
 * and otherwise copies the byte. Decoding never grows the text by more
 * than half (\L, three bytes of UTF-8 from two characters, is the worst),
 * so the output is sized once per call.
 */
#include "redact_decode.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static int hexval(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* The value of n hex digits at s (len bytes available), or -1. */
static long hexn(const char *s, size_t len, size_t n)
{
    long v = 0;
    size_t i;

    if (len < n) {
        return -1;
    }
    for (i = 0; i < n; i++) {
        int h = hexval((unsigned char)s[i]);

        if (h < 0) {
            return -1;
        }
        v = v * 16 + h;
    }
    return v;
}

/* UTF-8 of code point cp into o (4 bytes available); 0 when cp is not a
 * scalar value. */
static size_t put_utf8(char *o, unsigned long cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp >= 0xD800 && cp <= 0xDFFF) {
        return 0;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    if (cp <= 0x10FFFF) {
        o[0] = (char)(0xF0 | (cp >> 18));
        o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[3] = (char)(0x80 | (cp & 0x3F));
        return 4;
    }
    return 0;
}

/* Length of the valid UTF-8 sequence b[0..n) starts, or 0 (overlong
 * forms, surrogates and values above U+10FFFF are not valid). */
static size_t utf8_valid(const unsigned char *b, size_t n)
{
    size_t need;
    size_t k;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;

    if (b[0] >= 0xC2 && b[0] <= 0xDF) {
        need = 2;
    } else if (b[0] >= 0xE0 && b[0] <= 0xEF) {
        need = 3;
        lo = b[0] == 0xE0 ? 0xA0 : 0x80;
        hi = b[0] == 0xED ? 0x9F : 0xBF;
    } else if (b[0] >= 0xF0 && b[0] <= 0xF4) {
        need = 4;
        lo = b[0] == 0xF0 ? 0x90 : 0x80;
        hi = b[0] == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 0;
    }
    if (n < need || b[1] < lo || b[1] > hi) {
        return 0;
    }
    for (k = 2; k < need; k++) {
        if (b[k] < 0x80 || b[k] > 0xBF) {
            return 0;
        }
    }
    return need;
}

/* Length of a YAML escaped line break at s ("\\" + line break +
 * indentation), or 0. */
static size_t escaped_break(const char *s, size_t len)
{
    size_t i;

    if (len < 2 || s[0] != '\\') {
        return 0;
    }
    if (s[1] == '\n') {
        i = 2;
    } else if (len > 2 && s[1] == '\r' && s[2] == '\n') {
        i = 3;
    } else {
        return 0;
    }
    while (i < len && (s[i] == ' ' || s[i] == '\t')) {
        i++;
    }
    return i;
}

/* \xHH at s (s[0] == '\\', s[1] == 'x'): a run of \xHH escapes forming
 * valid UTF-8 gives its bytes, otherwise one code point U+00HH. A YAML
 * escaped line break inside the run (the dump folded a long value between
 * two escapes) belongs to it. Returns the characters consumed (0: not an
 * escape) and fills o/no. */
static size_t dec_hex_byte(const char *s, size_t len, char *o, size_t *no)
{
    unsigned char b[4];
    size_t end[4];
    size_t n = 0;
    size_t at = 0;
    long v = hexn(s + 2, len - 2, 2);
    size_t need;

    if (v < 0) {
        return 0;
    }
    if (v < 0x80) {
        o[0] = (char)v;
        *no = 1;
        return 4;
    }
    while (n < 4 && at + 4 <= len && s[at] == '\\' && s[at + 1] == 'x') {
        long w = hexn(s + at + 2, len - at - 2, 2);

        if (w < 0) {
            break;
        }
        b[n] = (unsigned char)w;
        at += 4;
        end[n++] = at;
        at += escaped_break(s + at, len - at);
    }
    need = utf8_valid(b, n);
    if (need > 0) {
        memcpy(o, b, need);
        *no = need;
        return end[need - 1];
    }
    *no = put_utf8(o, (unsigned long)v);
    return 4;
}

/* A backslash escape at s (s[0] == '\\', len >= 2). */
static size_t dec_backslash(const char *s, size_t len, char *o, size_t *no)
{
    static const char simple_from[] = "\\\"'/ \tntrbfvae";
    static const char simple_to[] = "\\\"'/ \t\n\t\r\b\f\v\a\x1b";
    const char *hit = s[1] != '\0' ? strchr(simple_from, s[1]) : NULL;
    long cp;

    if (hit != NULL) {
        o[0] = simple_to[hit - simple_from];
        *no = 1;
        return 2;
    }
    switch (s[1]) {
    case 'x':
        return dec_hex_byte(s, len, o, no);
    case 'u':
        cp = hexn(s + 2, len - 2, 4);
        if (cp >= 0xD800 && cp <= 0xDBFF && len >= 12 && s[6] == '\\' && s[7] == 'u') {
            long lo = hexn(s + 8, len - 8, 4);

            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                *no = put_utf8(o, 0x10000 + (((unsigned long)cp - 0xD800) << 10) +
                                      ((unsigned long)lo - 0xDC00));
                return 12;
            }
        }
        *no = cp >= 0 ? put_utf8(o, (unsigned long)cp) : 0;
        return *no > 0 ? 6 : 0;
    case 'U':
        cp = hexn(s + 2, len - 2, 8);
        *no = cp >= 0 ? put_utf8(o, (unsigned long)cp) : 0;
        return *no > 0 ? 10 : 0;
    case 'N':
        *no = put_utf8(o, 0x85);
        return 2;
    case '_':
        *no = put_utf8(o, 0xA0);
        return 2;
    case 'L':
        *no = put_utf8(o, 0x2028);
        return 2;
    case 'P':
        *no = put_utf8(o, 0x2029);
        return 2;
    case '\r':
    case '\n':
        /* YAML escaped line break: the break and the next line's
         * indentation are nothing */
        *no = 0;
        return escaped_break(s, len);
    default:
        return 0;
    }
}

/* &name; or &#N; or &#xH; at s. */
static size_t dec_entity(const char *s, size_t len, char *o, size_t *no)
{
    static const struct {
        const char *name;
        char c;
    } named[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    size_t i;
    unsigned long cp = 0;
    size_t digits = 0;
    int hex;

    for (i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
        size_t n = strlen(named[i].name);

        if (len >= n && memcmp(s, named[i].name, n) == 0) {
            o[0] = named[i].c;
            *no = 1;
            return n;
        }
    }
    if (len < 4 || s[1] != '#') {
        return 0;
    }
    hex = s[2] == 'x' || s[2] == 'X';
    for (i = hex ? 3 : 2; i < len && digits < 7; i++, digits++) {
        int d = hex ? hexval((unsigned char)s[i]) : (s[i] >= '0' && s[i] <= '9' ? s[i] - '0' : -1);

        if (d < 0) {
            break;
        }
        cp = cp * (hex ? 16 : 10) + (unsigned long)d;
    }
    if (digits == 0 || i >= len || s[i] != ';') {
        return 0;
    }
    *no = put_utf8(o, cp);
    return *no > 0 ? i + 1 : 0;
}

/* YAML folding at a line break: k breaks (with the indentation after
 * each) read as one space when k is 1, else as k-1 line breaks. */
static size_t dec_fold(const char *s, size_t len, char *o, size_t *no)
{
    size_t i = 0;
    size_t breaks = 0;

    for (;;) {
        if (i < len && s[i] == '\n') {
            i++;
        } else if (i + 1 < len && s[i] == '\r' && s[i + 1] == '\n') {
            i += 2;
        } else {
            break;
        }
        breaks++;
        while (i < len && (s[i] == ' ' || s[i] == '\t')) {
            i++;
        }
    }
    if (breaks == 1) {
        o[0] = ' ';
        *no = 1;
    } else {
        /* (more than four blank lines read as four: this view is only
         * searched for secrets) */
        size_t k = breaks - 1 > 4 ? 4 : breaks - 1;

        memset(o, '\n', k);
        *no = k;
    }
    return i;
}

/* Bytes that may start an encoding: everything else is copied. */
static const unsigned char SPECIAL[256] = {
    ['\\'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1, ['\n'] = 1, ['\r'] = 1};

unsigned octo__redact_decodable(const char *s, size_t len)
{
    unsigned found = 0;
    size_t i;

    /* the starts decode() acts on, checked as far as cheaply possible:
     * "a&b" or "100%" in a query string or a message is not decodable */
    for (i = 0; i < len && found != (OCTO_RD_BACKSLASH | OCTO_RD_OTHER); i++) {
        while (i < len && !SPECIAL[(unsigned char)s[i]]) {
            i++;
        }
        if (i == len) {
            break;
        }
        switch (s[i]) {
        case '\\':
            found |= OCTO_RD_BACKSLASH;
            break;
        case '\n':
            found |= OCTO_RD_OTHER;
            break;
        case '%':
            if (i + 2 < len && hexval((unsigned char)s[i + 1]) >= 0 &&
                hexval((unsigned char)s[i + 2]) >= 0) {
                found |= OCTO_RD_OTHER;
            }
            break;
        case '&':
            if (i + 3 < len &&
                (s[i + 1] == '#' || s[i + 1] == 'a' || s[i + 1] == 'l' || s[i + 1] == 'g' ||
                 s[i + 1] == 'q') &&
                memchr(s + i + 2, ';', len - i - 2 < 10 ? len - i - 2 : 10) != NULL) {
                found |= OCTO_RD_OTHER;
            }
            break;
        case '\'':
            if (i + 1 < len && s[i + 1] == '\'') {
                found |= OCTO_RD_OTHER;
            }
            break;
        default:
            break;
        }
    }
    return found;
}

/* Out of memory aborts here even though need follows the text: a view
 * that could not be made would leave a secret's encoded form unredacted. */
static void reserve(struct octo_rdview *v, size_t need)
{
    char *d;
    uint32_t *f;

    if (need <= v->cap) {
        return;
    }
    d = octo_xmalloc(need);
    f = octo_xmalloc((need + 1) * sizeof(*f));
    if (v->owned) {
        free(v->data);
        free(v->from);
    }
    v->data = d;
    v->from = f;
    v->cap = need;
    v->owned = 1;
}

int octo__redact_decode(const char *in, const uint32_t *from, size_t len, unsigned what,
                        struct octo_rdview *out)
{
    size_t i = 0;
    size_t o = 0;
    int changed = 0;

    if (len >= UINT32_MAX / 2) { /* offsets in from[] are 32-bit */
        return -1;
    }
    reserve(out, len + len / 2 + 8);
    while (i < len) {
        char buf[4];
        size_t nb = 0;
        size_t used = 0;
        char c = in[i];
        size_t k;
        uint32_t src = from != NULL ? from[i] : (uint32_t)i;

        if (!SPECIAL[(unsigned char)c]) {
            out->data[o] = c;
            out->from[o++] = src;
            i++;
            continue;
        }
        if (c == '\\') {
            if ((what & OCTO_RD_BACKSLASH) && i + 1 < len) {
                used = dec_backslash(in + i, len - i, buf, &nb);
            }
        } else if (!(what & OCTO_RD_OTHER)) {
            /* copied below */
        } else if (c == '%' && i + 2 < len) {
            long v = hexn(in + i + 1, len - i - 1, 2);

            if (v >= 0) {
                buf[0] = (char)v;
                nb = 1;
                used = 3;
            }
        } else if (c == '&') {
            used = dec_entity(in + i, len - i, buf, &nb);
        } else if (c == '\'' && i + 1 < len && in[i + 1] == '\'') {
            buf[0] = '\'';
            nb = 1;
            used = 2;
        } else if (c == '\n' || (c == '\r' && i + 1 < len && in[i + 1] == '\n')) {
            used = dec_fold(in + i, len - i, buf, &nb);
        }
        if (used == 0) {
            buf[0] = c;
            nb = 1;
            used = 1;
        } else {
            changed = 1;
        }
        for (k = 0; k < nb; k++) {
            out->data[o] = buf[k];
            out->from[o++] = src;
        }
        i += used;
    }
    out->from[o] = from != NULL ? from[len] : (uint32_t)len;
    out->len = o;
    return changed;
}

size_t octo__redact_view_end(const struct octo_rdview *v, size_t i, size_t n)
{
    size_t j = i + n;

    while (j < v->len && v->from[j] == v->from[j - 1]) {
        j++; /* the rest of the escape the last byte came from */
    }
    return v->from[j];
}

void octo__redact_view_free(struct octo_rdview *v)
{
    if (v->owned) {
        free(v->data);
        free(v->from);
    }
    memset(v, 0, sizeof(*v));
}

char *octo__redact_utf8_fold(const char *s)
{
    size_t len = strlen(s);
    char *out = octo_xmalloc(len + 1);
    unsigned char run[64];
    size_t o = 0;
    size_t i = 0;
    int changed = 0;

    while (i < len) {
        const unsigned char *u = (const unsigned char *)s + i;
        size_t n = 0;
        size_t r = 0;

        /* a run of U+0080..U+00FF (C2 80..C3 BF in UTF-8), as bytes */
        while (n < sizeof(run) && i + 1 < len && (u[0] == 0xC2 || u[0] == 0xC3) && u[1] >= 0x80 &&
               u[1] <= 0xBF) {
            run[n++] = (unsigned char)(((u[0] & 0x03) << 6) | (u[1] & 0x3F));
            i += 2;
            u += 2;
        }
        if (n == 0) {
            out[o++] = s[i++];
            continue;
        }
        while (r < n) {
            size_t v = utf8_valid(run + r, n - r);

            if (v > 0) {
                memcpy(out + o, run + r, v);
                o += v;
                r += v;
                changed = 1;
            } else {
                o += put_utf8(out + o, run[r]);
                r++;
            }
        }
    }
    out[o] = '\0';
    if (!changed) {
        free(out);
        return NULL;
    }
    return out;
}

char *octo__redact_latin1_mojibake(const char *s)
{
    size_t len = strlen(s);
    char *out;
    size_t o = 0;
    size_t i;
    int ascii = 1;

    for (i = 0; i < len; i++) {
        ascii &= (unsigned char)s[i] < 0x80;
    }
    if (ascii) {
        return NULL;
    }
    out = octo_xmalloc(2 * len + 1);
    for (i = 0; i < len; i++) {
        o += put_utf8(out + o, (unsigned char)s[i]);
    }
    out[o] = '\0';
    return out;
}
