/* render_cmd.c - `octoflow render`: a template rendered to stdout. The
 * template is found as the jinja step finds it: under TEMPLATES_PATH (or
 * DATA_PATH/templates, or ./data/templates) first, then as a file path;
 * include/import/extends resolve under TEMPLATES_PATH. Nothing is
 * created (no directory, no log). */
#include <errno.h>
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
    rc = octo_buf_read_file(&src, abs);
    if (rc != 0) {
        octo_buf_free(&src);
        return rc == -1 ? octo_error_set(err, OCTO_ENOENT, NULL, "template %s not found", name)
                        : octo_error_set(err, OCTO_EIO, NULL, "template %s cannot be read: %s",
                                         name, strerror(errno));
    }
    rc = octo_tpl_compile(octo_buf_cstr(&src), src.len, name, &g_render_env, out, err);
    octo_buf_free(&src);
    return rc;
}

/* The whole file (new, free()), or NULL with errno set. */
static char *read_all(const char *path, size_t *len)
{
    struct octo_buf b = OCTO_BUF_INIT;

    if (octo_buf_read_file(&b, path) != 0) {
        int e = errno;

        octo_buf_free(&b);
        errno = e;
        return NULL;
    }
    return octo_buf_steal(&b, len);
}

static void set_tpl_dir(void)
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
}

/* The context of --data (new), or NULL after a message. */
static json_t *load_context(const char *data_file)
{
    json_error_t je;
    size_t dlen = 0;
    char *text;
    json_t *ctx;

    if (data_file[0] == '@') {
        data_file++;
    }
    text = read_all(data_file, &dlen);
    if (text == NULL) {
        fprintf(stderr, "octoflow render: --data %s: %s\n", data_file, strerror(errno));
        return NULL;
    }
    ctx = octo_tpl_json_loads(text, dlen, JSON_ALLOW_NUL, &je);
    free(text);
    if (ctx == NULL) {
        fprintf(stderr, "octoflow render: --data %s:%d: %s\n", data_file, je.line, je.text);
        return NULL;
    }
    if (!json_is_object(ctx)) {
        fprintf(stderr, "octoflow render: --data %s: the context must be a JSON object\n",
                data_file);
        json_decref(ctx);
        return NULL;
    }
    return ctx;
}

int octo_render_template(const char *name, const char *data_file)
{
    char abs[PATH_MAX];
    struct octo_buf out = OCTO_BUF_INIT;
    struct octo_tpl *tpl = NULL;
    json_t *ctx = NULL;
    octo_error err;
    char *src = NULL;
    size_t len = 0;
    struct stat st;
    int rc;

    set_tpl_dir();
    memset(&err, 0, sizeof(err));
    /* under TEMPLATES_PATH first, as the jinja step resolves `template` */
    if (g_tpl_dir[0] != '\0' && name[0] != '/' &&
        octo_path_resolve_in(g_tpl_dir, "TEMPLATES_PATH", name, abs, sizeof(abs), &err) ==
            OCTO_OK &&
        stat(abs, &st) == 0 && S_ISREG(st.st_mode)) {
        src = read_all(abs, &len);
    }
    if (src == NULL) {
        src = read_all(name, &len);
    }
    if (src == NULL) {
        fprintf(stderr,
                "octoflow render: template %s not found (neither under TEMPLATES_PATH "
                "nor as a file)\n",
                name);
        return 1;
    }
    if (data_file != NULL && (ctx = load_context(data_file)) == NULL) {
        free(src);
        return 1;
    }
    memset(&err, 0, sizeof(err));
    rc = octo_tpl_compile(src, len, name, &g_render_env, &tpl, &err);
    free(src);
    if (rc == OCTO_OK) {
        rc = octo_tpl_render(tpl, ctx, &out, &err);
        octo_tpl_unref(tpl);
    }
    json_decref(ctx);
    if (rc != OCTO_OK) {
        fprintf(stderr, "octoflow render: %s\n", err.msg);
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
