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
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "errors.h"
#include "flow_diag.h"
#include "paths.h"
#include "xalloc.h"

struct entry {
    char *abs;
    struct timespec mtime;
    off_t size;
    ino_t ino;
    struct octo_tpl *tpl;
};

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static struct entry *g_entries;
static size_t g_n;
static size_t g_cap;

static int loader(void *ud, const char *name, struct octo_tpl **out, octo_error *err)
{
    (void)ud;
    return octo_tplcache_get(name, out, err);
}

static const struct octo_tpl_env g_env = {.load = loader, .max_output = 16u << 20, .max_depth = 100};

const struct octo_tpl_env *octo_flow_tpl_env(void)
{
    return &g_env;
}

static int read_file(const char *path, struct octo_buf *b)
{
    FILE *fp = fopen(path, "rb");
    char chunk[8192];
    size_t n;

    if (fp == NULL) {
        return -1;
    }
    while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
        octo_buf_append(b, chunk, n);
    }
    n = (size_t)ferror(fp);
    fclose(fp);
    return (n != 0 || octo_buf_failed(b)) ? -1 : 0;
}

int octo_tplcache_get(const char *rel, struct octo_tpl **out, octo_error *err)
{
    char abs[PATH_MAX];
    struct stat st;
    struct octo_buf src = OCTO_BUF_INIT;
    struct octo_tpl *tpl = NULL;
    size_t i;
    int rc;

    *out = NULL;
    rc = octo_path_resolve(OCTO_ROOT_TEMPLATES, rel, 0, abs, sizeof(abs), err);
    if (rc != OCTO_OK) {
        return rc;
    }
    if (stat(abs, &st) != 0 || !S_ISREG(st.st_mode)) {
        return octo_error_set(err, OCTO_ENOENT, NULL, "template %s not found", rel);
    }
    pthread_mutex_lock(&g_mu);
    for (i = 0; i < g_n; i++) {
        struct entry *e = &g_entries[i];

        if (strcmp(e->abs, abs) == 0 && e->mtime.tv_sec == st.st_mtim.tv_sec &&
            e->mtime.tv_nsec == st.st_mtim.tv_nsec && e->size == st.st_size &&
            e->ino == st.st_ino) {
            *out = octo_tpl_ref(e->tpl);
            pthread_mutex_unlock(&g_mu);
            return OCTO_OK;
        }
    }
    pthread_mutex_unlock(&g_mu);
    if (read_file(abs, &src) != 0) {
        octo_buf_free(&src);
        return octo_error_set(err, OCTO_EIO, NULL, "template %s cannot be read: %s", rel,
                              strerror(errno));
    }
    rc = octo_tpl_compile(octo_buf_cstr(&src), src.len, rel, &g_env, &tpl, err);
    octo_buf_free(&src);
    if (rc != OCTO_OK) {
        return rc;
    }
    pthread_mutex_lock(&g_mu);
    for (i = 0; i < g_n; i++) {
        if (strcmp(g_entries[i].abs, abs) == 0) {
            break;
        }
    }
    if (i == g_n && g_n == g_cap) {
        size_t cap = g_cap ? g_cap * 2 : 16;

        g_entries = octo_xrealloc(g_entries, cap * sizeof(*g_entries));
        g_cap = cap;
    }
    if (i < g_n) {
        octo_tpl_unref(g_entries[i].tpl);
    } else {
        g_entries[i].abs = octo_xstrdup(abs);
        g_n++;
    }
    g_entries[i].mtime = st.st_mtim;
    g_entries[i].size = st.st_size;
    g_entries[i].ino = st.st_ino;
    g_entries[i].tpl = octo_tpl_ref(tpl);
    pthread_mutex_unlock(&g_mu);
    *out = tpl;
    return OCTO_OK;
}

void octo_tplcache_clear(void)
{
    size_t i;

    pthread_mutex_lock(&g_mu);
    for (i = 0; i < g_n; i++) {
        free(g_entries[i].abs);
        octo_tpl_unref(g_entries[i].tpl);
    }
    free(g_entries);
    g_entries = NULL;
    g_n = 0;
    g_cap = 0;
    pthread_mutex_unlock(&g_mu);
}
