/* render_cli.c - the `render` command: render a template file with a JSON
 * context file to stdout (see octo_tpl_render_cli in template.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template.h"

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *data = NULL;
    size_t cap = 0;
    size_t n = 0;
    if (f == NULL) {
        return NULL;
    }
    for (;;) {
        size_t r;
        if (n + 65536 + 1 > cap) {
            char *nd;
            cap = (n + 65536 + 1) * 2;
            nd = realloc(data, cap);
            if (nd == NULL) {
                free(data);
                fclose(f);
                return NULL;
            }
            data = nd;
        }
        r = fread(data + n, 1, cap - n - 1, f);
        n += r;
        if (r == 0) {
            break;
        }
    }
    if (ferror(f)) {
        free(data);
        fclose(f);
        return NULL;
    }
    fclose(f);
    data[n] = '\0';
    *len = n;
    return data;
}

static int usage(const char *prog)
{
    fprintf(stderr, "usage: %s [--data FILE|--data @FILE] TEMPLATE_FILE\n", prog);
    return 2;
}

int octo_tpl_render_cli(int argc, char **argv, const struct octo_tpl_env *env)
{
    const char *data_path = NULL;
    const char *tpl_path = NULL;
    const char *prog = argc > 0 ? argv[0] : "render";
    json_t *ctx = NULL;
    char *src;
    size_t len = 0;
    struct octo_tpl *tpl = NULL;
    struct octo_buf out = OCTO_BUF_INIT;
    octo_error err;
    int i;
    int rc;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
            data_path = argv[++i];
        } else if (strncmp(argv[i], "--data=", 7) == 0) {
            data_path = argv[i] + 7;
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(prog);
            return 0;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return usage(prog);
        } else if (tpl_path == NULL) {
            tpl_path = argv[i];
        } else {
            return usage(prog);
        }
    }
    if (tpl_path == NULL) {
        return usage(prog);
    }
    if (data_path != NULL) {
        json_error_t je;
        size_t dlen = 0;
        char *text;
        if (data_path[0] == '@') {
            data_path++;
        }
        text = read_file(data_path, &dlen);
        if (text == NULL) {
            fprintf(stderr, "%s: cannot read %s\n", prog, data_path);
            return 1;
        }
        ctx = octo_tpl_json_loads(text, dlen, JSON_ALLOW_NUL, &je);
        free(text);
        if (ctx == NULL) {
            fprintf(stderr, "%s: %s:%d: %s\n", prog, data_path, je.line, je.text);
            return 1;
        }
        if (!json_is_object(ctx)) {
            fprintf(stderr, "%s: %s: the context must be a JSON object\n", prog, data_path);
            json_decref(ctx);
            return 1;
        }
    }
    src = read_file(tpl_path, &len);
    if (src == NULL) {
        fprintf(stderr, "%s: cannot read %s\n", prog, tpl_path);
        json_decref(ctx);
        return 1;
    }
    memset(&err, 0, sizeof(err));
    rc = octo_tpl_compile(src, len, tpl_path, env, &tpl, &err);
    free(src);
    if (rc == OCTO_OK) {
        rc = octo_tpl_render(tpl, ctx, &out, &err);
        octo_tpl_unref(tpl);
    }
    json_decref(ctx);
    if (rc != OCTO_OK) {
        fprintf(stderr, "%s\n", err.msg);
        octo_buf_free(&out);
        return 1;
    }
    if (out.len && fwrite(out.data, 1, out.len, stdout) != out.len) {
        octo_buf_free(&out);
        return 1;
    }
    octo_buf_free(&out);
    return fflush(stdout) == 0 ? 0 : 1;
}
