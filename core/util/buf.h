/* buf.h - growable byte buffer used by every emitter in the core.
 *
 * A struct octo_buf is owned by whoever declared it; octo_buf_free releases
 * its storage. data is always NUL-terminated once anything was appended
 * (and after octo_buf_cstr), so it can be handed out as a C string.
 * Running out of heap aborts (xalloc.h). What fails softly is a size
 * that wraps size_t (oom) and the caller's cap (limit, then over): both
 * are sticky - every later append is a no-op - so emitters check
 * octo_buf_failed once at the end.
 * Not thread-safe: one buffer, one thread.
 */
#ifndef OCTO_BUF_H
#define OCTO_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct octo_buf {
    char *data;
    size_t len;
    size_t cap;
    int oom;      /* a size wrapped size_t: content is incomplete */
    size_t limit; /* 0: none; else appends past it set oom and over */
    int over;     /* the limit was hit */
};

#define OCTO_BUF_INIT                                                                              \
    {                                                                                              \
        NULL, 0, 0, 0, 0, 0                                                                        \
    }

void octo_buf_init(struct octo_buf *b);
/* Make room for n more bytes. Returns 0, or -1 (and sets oom/over). */
int octo_buf_reserve(struct octo_buf *b, size_t n);
void octo_buf_append(struct octo_buf *b, const char *s, size_t n);
void octo_buf_puts(struct octo_buf *b, const char *s);
void octo_buf_putc(struct octo_buf *b, char c);
void octo_buf_printf(struct octo_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void octo_buf_vprintf(struct octo_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* A NUL-terminated view of the content ("" when empty); owned by b. */
const char *octo_buf_cstr(struct octo_buf *b);
/* Hand the storage over: returns a malloc'd NUL-terminated string (new,
 * free()), or NULL when failed; b is reset to empty. */
char *octo_buf_steal(struct octo_buf *b, size_t *len);
void octo_buf_reset(struct octo_buf *b); /* len = 0, keeps storage */
void octo_buf_free(struct octo_buf *b);
/* Non-zero when the buffer is unusable (oom or over the limit). */
int octo_buf_failed(const struct octo_buf *b);
/* Append the whole file at path (binary, any size up to b's limit).
 * Returns 0; -1 when it cannot be opened; -2 when reading it failed
 * (ENOMEM / EFBIG when the buffer did), b then holding part of it.
 * errno is set on failure. */
int octo_buf_read_file(struct octo_buf *b, const char *path);

/* Cut a UTF-8 character left incomplete at the end of s (a message
 * truncated by its buffer), so the text stays valid UTF-8. */
void octo_utf8_trim_tail(char *s);

#endif
