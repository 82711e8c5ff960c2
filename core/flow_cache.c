/* flow_cache.c - compiled flows cached by path and file identity.
 *
 * A flow is compiled once and reused while its file keeps the same mtime,
 * size and inode; an edited file is recompiled on the next use, and runs
 * still holding the old version finish with it (reference counting).
 * Loading happens outside the cache lock, so a slow compile never blocks
 * other flows. Failed loads are not cached.
 */
#include "flow.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "errors.h"
#include "paths.h"
#include "xalloc.h"

struct entry {
    char *abs;
    struct octo_flow *flow;
};

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned g_flags; /* set once at start-up: OCTO_FLOW_SHALLOW in the service */

void octo_flow_cache_set_flags(unsigned flags)
{
    g_flags = flags;
}
static struct entry *g_entries;
static size_t g_n;
static size_t g_cap;

static int same_file(const struct octo_flow *f, const struct stat *st)
{
    return f->mtime.tv_sec == st->st_mtim.tv_sec && f->mtime.tv_nsec == st->st_mtim.tv_nsec &&
           f->size == st->st_size && f->ino == st->st_ino;
}

static void store(const char *abs, struct octo_flow *f)
{
    size_t i;

    pthread_mutex_lock(&g_mu);
    for (i = 0; i < g_n; i++) {
        if (strcmp(g_entries[i].abs, abs) == 0) {
            octo_flow_unref(g_entries[i].flow);
            g_entries[i].flow = octo_flow_ref(f);
            pthread_mutex_unlock(&g_mu);
            return;
        }
    }
    if (g_n == g_cap) {
        size_t cap = g_cap ? g_cap * 2 : 16;

        g_entries = octo_xrealloc(g_entries, cap * sizeof(*g_entries));
        g_cap = cap;
    }
    g_entries[g_n].abs = octo_xstrdup(abs);
    g_entries[g_n].flow = octo_flow_ref(f);
    g_n++;
    pthread_mutex_unlock(&g_mu);
}

int octo_flow_get(const char *rel, struct octo_flow **out, struct octo_diags *diags,
                  octo_error *err)
{
    char abs[PATH_MAX];
    struct stat st;
    struct octo_flow *f = NULL;
    size_t i;
    int rc;

    *out = NULL;
    rc = octo_path_resolve(OCTO_ROOT_FLOWS, rel, 0, abs, sizeof(abs), err);
    if (rc != OCTO_OK) {
        return rc;
    }
    if (stat(abs, &st) != 0 || !S_ISREG(st.st_mode)) {
        return octo_error_set(err, OCTO_ENOENT, NULL, "flow %s not found", rel);
    }
    pthread_mutex_lock(&g_mu);
    for (i = 0; i < g_n; i++) {
        if (strcmp(g_entries[i].abs, abs) == 0 && same_file(g_entries[i].flow, &st)) {
            f = octo_flow_ref(g_entries[i].flow);
            break;
        }
    }
    pthread_mutex_unlock(&g_mu);
    if (f != NULL) {
        if (diags != NULL && diags->warnings != NULL) {
            json_array_extend(diags->warnings, f->warnings);
        }
        *out = f;
        return OCTO_OK;
    }
    {
        /* name the flow by its canonical path under FLOWS_PATH, whatever
         * spelling ("./a.yml", "sub/../a.yml") loaded it first */
        char canon[PATH_MAX];

        octo_path_relative(octo_config()->flows_path, abs, canon, sizeof(canon));
        rc = octo_flow_load(abs, canon, g_flags, &f, diags, err);
    }
    if (rc != OCTO_OK) {
        return rc;
    }
    store(abs, f);
    *out = f;
    return OCTO_OK;
}

void octo_flow_cache_clear(void)
{
    size_t i;

    pthread_mutex_lock(&g_mu);
    for (i = 0; i < g_n; i++) {
        free(g_entries[i].abs);
        octo_flow_unref(g_entries[i].flow);
    }
    free(g_entries);
    g_entries = NULL;
    g_n = 0;
    g_cap = 0;
    pthread_mutex_unlock(&g_mu);
}

int octo_flow_open_arg(const char *arg, unsigned flags, struct octo_flow **out,
                       struct octo_diags *diags, octo_error *err)
{
    char abs[PATH_MAX];
    struct stat st;
    octo_error perr;

    *out = NULL;
    memset(&perr, 0, sizeof(perr));
    if (arg[0] != '/' && octo_config() != NULL &&
        octo_path_resolve(OCTO_ROOT_FLOWS, arg, 0, abs, sizeof(abs), &perr) == OCTO_OK &&
        stat(abs, &st) == 0 && S_ISREG(st.st_mode)) {
        if (flags == 0) {
            return octo_flow_get(arg, out, diags, err);
        }
        return octo_flow_load(abs, arg, flags | g_flags, out, diags, err);
    }
    if (stat(arg, &st) != 0 || !S_ISREG(st.st_mode)) {
        return octo_error_set(err, OCTO_ENOENT, NULL,
                              "flow %s not found (neither under FLOWS_PATH nor as a file)", arg);
    }
    if (realpath(arg, abs) == NULL) {
        return octo_error_set(err, OCTO_EIO, NULL, "flow %s: %s", arg, strerror(errno));
    }
    return octo_flow_load(abs, arg, flags | g_flags, out, diags, err);
}
