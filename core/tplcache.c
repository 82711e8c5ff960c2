/* tplcache.c - template files under TEMPLATES_PATH, compiled once and
 * cached by mtime; the template environment flows and plugins use.
 *
 * include/import/extends and the jinja step resolve names through
 * octo_tplcache_get: the name is confined to TEMPLATES_PATH, the file is
 * compiled on first use and recompiled when its mtime, size or inode
 * change. Handles are reference counted, so a template replaced while
 * being rendered stays alive until that render ends. Thread-safe.
 */
#include "tplcache.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "errors.h"
#include "file_cache.h"
#include "flow_diag.h"
#include "paths.h"
#include "xalloc.h"

static void *tpl_ref(void *t)
{
    return octo_tpl_ref(t);
}

static void tpl_unref(void *t)
{
    octo_tpl_unref(t);
}

static struct octo_file_cache g_cache = OCTO_FILE_CACHE_INIT(tpl_ref, tpl_unref);

static int loader(void *ud, const char *name, struct octo_tpl **out, octo_error *err)
{
    (void)ud;
    return octo_tplcache_get(name, out, err);
}

static const struct octo_tpl_env g_env = {
    .load = loader, .max_output = 16u << 20, .max_depth = 100};

const struct octo_tpl_env *octo_flow_tpl_env(void)
{
    return &g_env;
}

int octo_tplcache_get(const char *rel, struct octo_tpl **out, octo_error *err)
{
    char abs[PATH_MAX];
    struct stat st;
    struct octo_buf src = OCTO_BUF_INIT;
    struct octo_file_id id;
    struct octo_tpl *tpl = NULL;
    int rc;

    *out = NULL;
    rc = octo_path_resolve(OCTO_ROOT_TEMPLATES, rel, 0, abs, sizeof(abs), err);
    if (rc != OCTO_OK) {
        return rc;
    }
    if (stat(abs, &st) != 0 || !S_ISREG(st.st_mode)) {
        return octo_error_set(err, OCTO_ENOENT, NULL, "template %s not found", rel);
    }
    id = octo_file_id_of(&st);
    *out = octo_file_cache_get(&g_cache, abs, &id);
    if (*out != NULL) {
        return OCTO_OK;
    }
    if (octo_buf_read_file(&src, abs) != 0) {
        octo_buf_free(&src);
        return octo_error_set(err, OCTO_EIO, NULL, "template %s cannot be read: %s", rel,
                              strerror(errno));
    }
    rc = octo_tpl_compile(octo_buf_cstr(&src), src.len, rel, &g_env, &tpl, err);
    octo_buf_free(&src);
    if (rc != OCTO_OK) {
        return rc;
    }
    octo_file_cache_put(&g_cache, abs, &id, tpl);
    *out = tpl;
    return OCTO_OK;
}

void octo_tplcache_clear(void)
{
    octo_file_cache_clear(&g_cache);
}
