/* xalloc.c - allocation that cannot fail (see xalloc.h). */
#include "xalloc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void octo_oom(size_t n)
{
    char line[96];
    int len = snprintf(line, sizeof(line), "octoflow: out of memory (allocating %zu bytes)\n", n);

    /* write(2), not stdio: stdio may itself need memory */
    if (len > 0 && write(2, line, (size_t)len) < 0) {
        /* nothing left to report it with */
    }
    abort();
}

/* A request for 0 bytes gets 1: malloc(0) may return NULL, which would
 * read as a failure here. */
void *octo_xmalloc(size_t n)
{
    void *p = malloc(n != 0 ? n : 1);

    if (p == NULL) {
        octo_oom(n);
    }
    return p;
}

void *octo_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n != 0 ? n : 1, size != 0 ? size : 1);

    if (p == NULL) {
        /* calloc refuses a product that overflows: say so, not the wrapped value */
        octo_oom(size != 0 && n > SIZE_MAX / size ? SIZE_MAX : n * size);
    }
    return p;
}

void *octo_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n != 0 ? n : 1);

    if (q == NULL) {
        octo_oom(n);
    }
    return q;
}

char *octo_xstrdup(const char *s)
{
    return octo_xstrndup(s, strlen(s));
}

char *octo_xstrndup(const char *s, size_t n)
{
    char *p = strndup(s, n);

    if (p == NULL) {
        octo_oom(n + 1);
    }
    return p;
}

char *octo_xasprintf(const char *fmt, ...)
{
    va_list ap;
    int n;
    char *p;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) { /* EOVERFLOW: a text past INT_MAX bytes cannot be held either */
        octo_oom(SIZE_MAX);
    }
    p = octo_xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}
