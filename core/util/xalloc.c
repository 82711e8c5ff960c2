/* xalloc.c - allocation that cannot fail (see xalloc.h). */
#include "xalloc.h"

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
        octo_oom(n * size);
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
