/* tpl_bench.c - time octo_tpl_render on template files: compile once,
 * render in a loop for about a second each.
 * usage: octo_tpl_bench CONTEXT.json TEMPLATE...
 * prints "name seconds_per_render bytes" lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "template.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *d;
    long n;
    if (f == NULL) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    d = malloc((size_t)n + 1);
    if (d == NULL || fread(d, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(d);
        return NULL;
    }
    fclose(f);
    d[n] = '\0';
    *len = (size_t)n;
    return d;
}

int main(int argc, char **argv)
{
    size_t clen;
    char *ctext;
    json_t *ctx;
    json_error_t je;
    int i;
    if (argc < 3) {
        fprintf(stderr, "usage: %s CONTEXT.json TEMPLATE...\n", argv[0]);
        return 2;
    }
    ctext = slurp(argv[1], &clen);
    ctx = ctext ? json_loadb(ctext, clen, 0, &je) : NULL;
    free(ctext);
    if (ctx == NULL) {
        fprintf(stderr, "cannot load %s\n", argv[1]);
        return 1;
    }
    for (i = 2; i < argc; i++) {
        size_t len;
        char *src = slurp(argv[i], &len);
        struct octo_tpl *t = NULL;
        octo_error err;
        struct octo_buf out = OCTO_BUF_INIT;
        const char *base = strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i];
        double t0;
        double dt;
        long n = 0;
        size_t bytes;
        memset(&err, 0, sizeof(err));
        if (src == NULL || octo_tpl_compile(src, len, base, NULL, &t, &err) != OCTO_OK ||
            octo_tpl_render(t, ctx, &out, &err) != OCTO_OK) {
            fprintf(stderr, "%s: %s\n", argv[i], err.msg);
            return 1;
        }
        bytes = out.len;
        t0 = now();
        for (;;) {
            octo_buf_reset(&out);
            octo_tpl_render(t, ctx, &out, &err);
            n++;
            dt = now() - t0;
            if (dt > 1.0 && n >= 5) {
                break;
            }
        }
        printf("%s %.9f %zu\n", base, dt / (double)n, bytes);
        octo_buf_free(&out);
        octo_tpl_unref(t);
        free(src);
    }
    json_decref(ctx);
    return 0;
}
