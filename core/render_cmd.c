/* render_cmd.c - `octoflow render`: the template engine's command line,
 * with include/import/extends resolved under TEMPLATES_PATH (or
 * DATA_PATH/templates, or ./data/templates when it exists). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <octoflow/core.h>

#include "buf.h"
#include "errors.h"
#include "paths.h"
#include "template/template.h"

/* Loader for `render`: names under TEMPLATES_PATH (or DATA_PATH/templates,
 * or ./data/templates when it exists), compiled on each use. */
static char g_tpl_dir[PATH_MAX];

static int render_load(void *ud, const char *name, struct octo_tpl **out, octo_error *err);
static const struct octo_tpl_env g_render_env = {.load = render_load};

static int render_load(void *ud, const char *name, struct octo_tpl **out, octo_error *err)
{
    char abs[PATH_MAX];
    struct octo_buf src = OCTO_BUF_INIT;
    FILE *fp;
    char chunk[8192];
    size_t n;
    int rc;

    (void)ud;
    *out = NULL;
    if (g_tpl_dir[0] == '\0') {
        return octo_error_set(err, OCTO_ENOENT, NULL, "template %s not found (no TEMPLATES_PATH)",
                              name);
    }
    rc = octo_path_resolve_in(g_tpl_dir, "TEMPLATES_PATH", name, abs, sizeof(abs), err);
    if (rc != OCTO_OK) {
        return rc;
    }
    fp = fopen(abs, "rb");
    if (fp == NULL) {
        return octo_error_set(err, OCTO_ENOENT, NULL, "template %s not found", name);
    }
    while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
        octo_buf_append(&src, chunk, n);
    }
    fclose(fp);
    rc = octo_tpl_compile(octo_buf_cstr(&src), src.len, name, &g_render_env, out, err);
    octo_buf_free(&src);
    return rc;
}

int octo_render_main(int argc, char **argv)
{
    const char *t = getenv("TEMPLATES_PATH");
    const char *d = getenv("DATA_PATH");
    struct stat st;

    if (t != NULL && t[0] != '\0') {
        snprintf(g_tpl_dir, sizeof(g_tpl_dir), "%s", t);
    } else {
        snprintf(g_tpl_dir, sizeof(g_tpl_dir), "%s/templates",
                 d != NULL && d[0] != '\0' ? d : "data");
    }
    if (stat(g_tpl_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        g_tpl_dir[0] = '\0';
    }
    return octo_tpl_render_cli(argc, argv, &g_render_env);
}
