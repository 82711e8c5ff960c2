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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "errors.h"
#include "file_cache.h"
#include "paths.h"
#include "xalloc.h"

static void *flow_ref(void *f)
{
    return octo_flow_ref(f);
}

static void flow_unref(void *f)
{
    octo_flow_unref(f);
}

static struct octo_file_cache g_cache = OCTO_FILE_CACHE_INIT(flow_ref, flow_unref);
static unsigned g_flags; /* set once at start-up: OCTO_FLOW_SHALLOW in the service */

void octo_flow_cache_set_flags(unsigned flags)
{
    g_flags = flags;
}

int octo_flow_get(const char *rel, struct octo_flow **out, struct octo_diags *diags,
                  octo_error *err)
{
    char abs[PATH_MAX];
    struct stat st;
    struct octo_file_id id;
    struct octo_flow *f = NULL;
    int rc;

    *out = NULL;
    rc = octo_path_resolve(OCTO_ROOT_FLOWS, rel, 0, abs, sizeof(abs), err);
    if (rc != OCTO_OK) {
        return rc;
    }
    if (stat(abs, &st) != 0 || !S_ISREG(st.st_mode)) {
        return octo_error_set(err, OCTO_ENOENT, NULL, "flow %s not found", rel);
    }
    id = octo_file_id_of(&st);
    f = octo_file_cache_get(&g_cache, abs, &id);
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
    /* cached under the identity of what was read, not of the stat above */
    id.mtime = f->mtime;
    id.size = f->size;
    id.ino = f->ino;
    octo_file_cache_put(&g_cache, abs, &id, f);
    *out = f;
    return OCTO_OK;
}

void octo_flow_cache_clear(void)
{
    octo_file_cache_clear(&g_cache);
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
