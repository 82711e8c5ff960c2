/* buf.c - growable byte buffer (see buf.h). */
#include "buf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

void octo_buf_init(struct octo_buf *b)
{
    memset(b, 0, sizeof(*b));
}

int octo_buf_reserve(struct octo_buf *b, size_t n)
{
    size_t need;
    size_t cap;
    char *p;

    if (b->oom || b->over) {
        return -1;
    }
    need = b->len + n + 1;
    if (need < b->len) { /* a size that wraps around: no allocation can hold it */
        b->oom = 1;
        return -1;
    }
    if (b->limit != 0 && b->len + n > b->limit) {
        b->over = 1;
        return -1;
    }
    if (need <= b->cap) {
        return 0;
    }
    cap = b->cap != 0 ? b->cap : 64;
    while (cap < need) {
        cap *= 2;
    }
    p = octo_xrealloc(b->data, cap);
    b->data = p;
    b->cap = cap;
    return 0;
}

void octo_buf_append(struct octo_buf *b, const char *s, size_t n)
{
    if (octo_buf_reserve(b, n) != 0) {
        return;
    }
    if (n != 0) {
        memcpy(b->data + b->len, s, n);
    }
    b->len += n;
    b->data[b->len] = '\0';
}

void octo_buf_puts(struct octo_buf *b, const char *s)
{
    octo_buf_append(b, s, strlen(s));
}

void octo_buf_putc(struct octo_buf *b, char c)
{
    if (octo_buf_reserve(b, 1) != 0) {
        return;
    }
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}

void octo_buf_vprintf(struct octo_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    int n;

    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0 || octo_buf_reserve(b, (size_t)n) != 0) {
        return;
    }
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void octo_buf_printf(struct octo_buf *b, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    octo_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

const char *octo_buf_cstr(struct octo_buf *b)
{
    if (b->data == NULL) {
        return "";
    }
    return b->data;
}

char *octo_buf_steal(struct octo_buf *b, size_t *len)
{
    char *p;

    if (b->oom || b->over) {
        octo_buf_free(b);
        return NULL;
    }
    if (b->data == NULL) {
        p = octo_xmalloc(1);
        p[0] = '\0';
    } else {
        p = b->data;
    }
    if (len != NULL) {
        *len = b->len;
    }
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return p;
}

void octo_buf_reset(struct octo_buf *b)
{
    b->len = 0;
    b->oom = 0;
    b->over = 0;
    if (b->data != NULL) {
        b->data[0] = '\0';
    }
}

void octo_buf_free(struct octo_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->oom = 0;
    b->over = 0;
}

int octo_buf_failed(const struct octo_buf *b)
{
    return b->oom || b->over;
}

void octo_utf8_trim_tail(char *s)
{
    size_t n = strlen(s);
    size_t i;
    size_t len;
    unsigned char lead;

    if (n == 0) {
        return;
    }
    i = n - 1;
    while (i > 0 && n - i < 4 && ((unsigned char)s[i] & 0xC0) == 0x80) {
        i--;
    }
    lead = (unsigned char)s[i];
    len = lead < 0x80 ? 1 : (lead & 0xE0) == 0xC0 ? 2 : (lead & 0xF0) == 0xE0 ? 3 : 4;
    if (i + len > n) {
        s[i] = '\0'; /* a character cut by the buffer's end */
    }
}

int octo_buf_read_file(struct octo_buf *b, const char *path)
{
    FILE *fp = fopen(path, "rb");
    char chunk[8192];
    size_t n;
    int e = 0;

    if (fp == NULL) {
        return -1;
    }
    errno = 0;
    while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
        octo_buf_append(b, chunk, n);
    }
    if (ferror(fp)) {
        e = errno != 0 ? errno : EIO;
    } else if (octo_buf_failed(b)) {
        e = b->over ? EFBIG : ENOMEM;
    }
    fclose(fp);
    if (e != 0) {
        errno = e;
        return -2;
    }
    return 0;
}
