/* tbuf.h - the octo_buf appends of the template engine with the common
 * case inline (room left, under the limit, no earlier failure); same
 * semantics as octo_buf_append / octo_buf_putc / octo_buf_puts. */
#ifndef OCTO_TPL_TBUF_H
#define OCTO_TPL_TBUF_H

#include <stdint.h>
#include <string.h>

#include "buf.h"

/* memcpy for the short pieces templates are made of, without a call */
static inline void tpl_tbuf_copy(char *d, const char *s, size_t n)
{
    if (n <= 16) {
        if (n >= 8) {
            uint64_t x;
            uint64_t y;
            memcpy(&x, s, 8);
            memcpy(&y, s + n - 8, 8);
            memcpy(d, &x, 8);
            memcpy(d + n - 8, &y, 8);
        } else if (n >= 4) {
            uint32_t x;
            uint32_t y;
            memcpy(&x, s, 4);
            memcpy(&y, s + n - 4, 4);
            memcpy(d, &x, 4);
            memcpy(d + n - 4, &y, 4);
        } else if (n) {
            d[0] = s[0];
            d[n / 2] = s[n / 2];
            d[n - 1] = s[n - 1];
        }
        return;
    }
    memcpy(d, s, n);
}

static inline void tpl_tbuf_append(struct octo_buf *b, const char *s, size_t n)
{
    if (!(b->oom | b->over) && b->cap - b->len > n && (b->limit == 0 || b->len + n <= b->limit)) {
        tpl_tbuf_copy(b->data + b->len, s, n);
        b->len += n;
        b->data[b->len] = '\0';
        return;
    }
    octo_buf_append(b, s, n);
}
static inline void tpl_tbuf_putc(struct octo_buf *b, char c)
{
    if (!(b->oom | b->over) && b->cap - b->len > 1 && (b->limit == 0 || b->len < b->limit)) {
        b->data[b->len++] = c;
        b->data[b->len] = '\0';
        return;
    }
    octo_buf_putc(b, c);
}
static inline void tpl_tbuf_puts(struct octo_buf *b, const char *s)
{
    tpl_tbuf_append(b, s, strlen(s));
}

#endif
