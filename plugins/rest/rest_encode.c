/* rest_encode.c - URL query encoding as Python's urlencode, and base64. */
#include "rest.h"

#include <stdlib.h>
#include <string.h>

int rest_append(const char *s, size_t n, char **out, size_t *len, size_t *cap)
{
    if (*len + n + 1 > *cap) {
        size_t nc = *cap ? *cap : 256;
        char *p;

        while (nc < *len + n + 1) {
            nc *= 2;
        }
        p = realloc(*out, nc);
        if (p == NULL) {
            return -1;
        }
        *out = p;
        *cap = nc;
    }
    memcpy(*out + *len, s, n);
    *len += n;
    (*out)[*len] = '\0';
    return 0;
}

/* quote_plus: letters, digits and "_.-~" stay; space becomes "+"; every
 * other byte of the UTF-8 text is %XX (upper-case hex). */
int rest_quote_plus(const char *s, size_t n, char **out, size_t *len, size_t *cap)
{
    static const char HEX[] = "0123456789ABCDEF";
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char enc[3];

        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '_' || c == '.' || c == '-' || c == '~') {
            enc[0] = (char)c;
            if (rest_append(enc, 1, out, len, cap) != 0) {
                return -1;
            }
        } else if (c == ' ') {
            if (rest_append("+", 1, out, len, cap) != 0) {
                return -1;
            }
        } else {
            enc[0] = '%';
            enc[1] = HEX[c >> 4];
            enc[2] = HEX[c & 15];
            if (rest_append(enc, 3, out, len, cap) != 0) {
                return -1;
            }
        }
    }
    return 0;
}

char *rest_base64(const char *s, size_t n)
{
    static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *u = (const unsigned char *)s;
    char *out = malloc((n + 2) / 3 * 4 + 1);
    size_t i;
    size_t o = 0;

    if (out == NULL) {
        return NULL;
    }
    for (i = 0; i + 2 < n; i += 3) {
        out[o++] = B64[u[i] >> 2];
        out[o++] = B64[((u[i] & 3) << 4) | (u[i + 1] >> 4)];
        out[o++] = B64[((u[i + 1] & 15) << 2) | (u[i + 2] >> 6)];
        out[o++] = B64[u[i + 2] & 63];
    }
    if (n - i == 1) {
        out[o++] = B64[u[i] >> 2];
        out[o++] = B64[(u[i] & 3) << 4];
        out[o++] = '=';
        out[o++] = '=';
    } else if (n - i == 2) {
        out[o++] = B64[u[i] >> 2];
        out[o++] = B64[((u[i] & 3) << 4) | (u[i + 1] >> 4)];
        out[o++] = B64[(u[i + 1] & 15) << 2];
        out[o++] = '=';
    }
    out[o] = '\0';
    return out;
}
