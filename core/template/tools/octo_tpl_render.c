/* octo_tpl_render - render a template file with a JSON context (the same
 * contract as `octoflow render`), for tests and the conformance runner.
 * usage: octo_tpl_render [--templates DIR] [--autoescape] [--data FILE] TEMPLATE_FILE
 * Without --templates there is no loader (include/import/extends fail as in
 * a default Jinja2 Environment); with it names load from DIR (names with
 * ".." or a leading "/" are refused). --autoescape renders as
 * Environment(autoescape=True) (the differential tests use it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template.h"

struct dir_loader {
    char dir[4096];
    struct octo_tpl_env env;
};

static int load_file(void *ud, const char *name, struct octo_tpl **out, octo_error *err)
{
    struct dir_loader *dl = ud;
    char path[8192];
    FILE *f;
    char *data;
    long n;
    int rc;
    if (name[0] == '/' || strstr(name, "..") != NULL) {
        snprintf(err->msg, sizeof(err->msg), "%s", name);
        return OCTO_ENOENT;
    }
    snprintf(path, sizeof(path), "%s/%s", dl->dir, name);
    f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err->msg, sizeof(err->msg), "%s", name);
        err->code = OCTO_ENOENT;
        return OCTO_ENOENT;
    }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    data = malloc(n > 0 ? (size_t)n : 1);
    if (data == NULL || (n > 0 && fread(data, 1, (size_t)n, f) != (size_t)n)) {
        free(data);
        fclose(f);
        snprintf(err->msg, sizeof(err->msg), "cannot read %s", name);
        return OCTO_EIO;
    }
    fclose(f);
    rc = octo_tpl_compile(data, n > 0 ? (size_t)n : 0, name, &dl->env, out, err);
    free(data);
    return rc;
}

int main(int argc, char **argv)
{
    static struct dir_loader dl;
    char **args = calloc((size_t)argc + 1, sizeof(char *));
    int n = 0;
    int i;
    const char *dir = NULL;
    int autoescape = 0;
    if (args == NULL) {
        return 1;
    }
    /* --templates DIR: enable include/import/extends from DIR (by default
     * there is no loader, as in a default Jinja2 Environment) */
    for (i = 0; i < argc; i++) {
        if (i > 0 && strcmp(argv[i], "--templates") == 0 && i + 1 < argc) {
            dir = argv[++i];
            continue;
        }
        if (i > 0 && strcmp(argv[i], "--autoescape") == 0) {
            autoescape = 1;
            continue;
        }
        args[n++] = argv[i];
    }
    dl.env.autoescape = autoescape;
    if (dir == NULL) {
        i = octo_tpl_render_cli(n, args, autoescape ? &dl.env : NULL);
        free(args);
        return i;
    }
    snprintf(dl.dir, sizeof(dl.dir), "%s", dir);
    dl.env.load = load_file;
    dl.env.ud = &dl;
    i = octo_tpl_render_cli(n, args, &dl.env);
    free(args);
    return i;
}
