/* paths.c - confine paths to their root directory (see paths.h). */
#include "paths.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "errors.h"

const char *octo_root_dir(int root)
{
    const struct octo_config *c = octo_config();

    if (c == NULL) {
        return NULL;
    }
    switch (root) {
    case OCTO_ROOT_DATA:
        return c->data_path;
    case OCTO_ROOT_TEMPLATES:
        return c->templates_path;
    case OCTO_ROOT_FLOWS:
        return c->flows_path;
    default:
        return NULL;
    }
}

const char *octo_root_name(int root)
{
    switch (root) {
    case OCTO_ROOT_DATA:
        return "DATA_PATH";
    case OCTO_ROOT_TEMPLATES:
        return "TEMPLATES_PATH";
    case OCTO_ROOT_FLOWS:
        return "FLOWS_PATH";
    default:
        return "?";
    }
}

/* Non-zero when p equals dir or lies under it (both canonical). */
static int is_under(const char *p, const char *dir)
{
    size_t n = strlen(dir);

    if (n > 1 && dir[n - 1] == '/') {
        n--;
    }
    return strncmp(p, dir, n) == 0 && (p[n] == '\0' || p[n] == '/' || n == 1);
}

void octo_path_relative(const char *root_dir, const char *p, char *out, size_t cap)
{
    size_t n = strlen(root_dir);
    const char *base;

    if (strncmp(p, root_dir, n) == 0 && p[n] == '/') {
        snprintf(out, cap, "%s", p + n + 1);
        return;
    }
    base = strrchr(p, '/');
    snprintf(out, cap, "%s", base != NULL ? base + 1 : p);
}

int octo_path_resolve_in(const char *root_dir, const char *root_name, const char *rel, char *out,
                         size_t cap, octo_error *err)
{
    char joined[PATH_MAX];
    char probe[PATH_MAX];
    char real[PATH_MAX];
    char root_real[PATH_MAX];
    const char *p;
    size_t len = 0;
    struct stat st;

    if (rel == NULL || rel[0] == '\0') {
        return octo_error_set(err, OCTO_EPATH, NULL, "empty path");
    }
    if (rel[0] == '/') {
        return octo_error_set(err, OCTO_EPATH, NULL,
                              "path \"%s\" is absolute: paths are relative to %s", rel, root_name);
    }
    if (realpath(root_dir, root_real) == NULL) {
        return octo_error_set(err, OCTO_EPATH, NULL, "%s does not exist", root_name);
    }
    len = (size_t)snprintf(joined, sizeof(joined), "%s", root_real);
    /* normalise: drop "." and empty components, refuse ".." */
    p = rel;
    while (*p != '\0') {
        const char *slash = strchr(p, '/');
        size_t n = slash != NULL ? (size_t)(slash - p) : strlen(p);

        if (n == 2 && p[0] == '.' && p[1] == '.') {
            return octo_error_set(err, OCTO_EPATH, NULL,
                                  "path \"%s\" contains \"..\": it must stay inside %s", rel,
                                  root_name);
        }
        if (n > 0 && !(n == 1 && p[0] == '.')) {
            if (len + 1 + n >= sizeof(joined)) {
                return octo_error_set(err, OCTO_EPATH, NULL, "path \"%.64s...\" is too long", rel);
            }
            joined[len++] = '/';
            memcpy(joined + len, p, n);
            len += n;
            joined[len] = '\0';
        }
        p += n;
        if (*p == '/') {
            p++;
        }
    }
    if (strcmp(joined, root_real) == 0) {
        return octo_error_set(err, OCTO_EPATH, NULL, "path \"%s\" names %s itself", rel, root_name);
    }
    /* the longest existing prefix must resolve inside the root */
    snprintf(probe, sizeof(probe), "%s", joined);
    for (;;) {
        if (lstat(probe, &st) == 0) {
            break;
        }
        char *cut = strrchr(probe, '/');

        if (cut == NULL || cut == probe) {
            break;
        }
        *cut = '\0';
    }
    if (realpath(probe, real) == NULL || !is_under(real, root_real)) {
        return octo_error_set(err, OCTO_EPATH, NULL,
                              "path \"%s\" leads outside %s (through a symbolic link)", rel,
                              root_name);
    }
    if (lstat(joined, &st) == 0 && S_ISLNK(st.st_mode)) {
        return octo_error_set(err, OCTO_EPATH, NULL, "path \"%s\" is a symbolic link", rel);
    }
    /* canonical form: the resolved existing prefix, then the rest */
    if (strlen(real) + strlen(joined + strlen(probe)) >= cap) {
        return octo_error_set(err, OCTO_EPATH, NULL, "path \"%.64s...\" is too long", rel);
    }
    snprintf(out, cap, "%s%s", real, joined + strlen(probe));
    return OCTO_OK;
}

/* The files no step and no template may read or write, whatever the
 * layout of the roots (a flat TEMPLATES_PATH=DATA_PATH included): the
 * secrets, the configuration, and the job store with the companions
 * SQLite creates next to it. This list is the one place that decides. */
static size_t protected_files(const struct octo_config *c, char out[][PATH_MAX], size_t max)
{
    static const char *const db_suffixes[] = {"", "-wal", "-shm", "-journal"};
    size_t n = 0;
    size_t i;

    snprintf(out[n++], PATH_MAX, "%s", c->secrets_path);
    snprintf(out[n++], PATH_MAX, "%s", c->config_file);
    for (i = 0; i < sizeof(db_suffixes) / sizeof(db_suffixes[0]) && n < max; i++) {
        if (c->jobs_db[0] != '\0') {
            snprintf(out[n++], PATH_MAX, "%s%s", c->jobs_db, db_suffixes[i]);
        }
    }
    return n;
}

/* Non-zero when the canonical path p is one of the protected files: the
 * same name in the same (canonical) directory, or - when both exist - the
 * same file (a hard link). */
static int is_protected(const char *p)
{
    char files[6][PATH_MAX];
    size_t n = protected_files(octo_config(), files, 6);
    const char *base = strrchr(p, '/');
    struct stat ps;
    int p_exists = stat(p, &ps) == 0;
    size_t i;

    base = base != NULL ? base + 1 : p;
    for (i = 0; i < n; i++) {
        const char *fbase = strrchr(files[i], '/');
        struct stat fs;

        fbase = fbase != NULL ? fbase + 1 : files[i];
        if (p_exists && stat(files[i], &fs) == 0 && fs.st_dev == ps.st_dev &&
            fs.st_ino == ps.st_ino) {
            return 1;
        }
        if (strcmp(base, fbase) == 0) {
            char dir[PATH_MAX];
            char rdir[PATH_MAX];

            snprintf(dir, sizeof(dir), "%.*s", (int)(fbase - files[i]), files[i]);
            if (realpath(dir[0] != '\0' ? dir : ".", rdir) == NULL) {
                continue;
            }
            if (strcmp(rdir, "/") == 0 ? base - 1 == p
                                       : (strlen(rdir) == (size_t)(base - 1 - p) &&
                                          strncmp(rdir, p, strlen(rdir)) == 0)) {
                return 1;
            }
        }
    }
    return 0;
}

static int under_dir(const char *p, const char *dir)
{
    char rd[PATH_MAX];

    if (realpath(dir, rd) == NULL) {
        return 0;
    }
    return is_under(p, rd);
}

int octo_path_resolve(int root, const char *rel, unsigned flags, char *out, size_t cap,
                      octo_error *err)
{
    const struct octo_config *c = octo_config();
    const char *dir = octo_root_dir(root);
    int rc;

    if (dir == NULL) {
        return octo_error_set(err, OCTO_EINTERNAL, NULL, "unknown path root %d", root);
    }
    rc = octo_path_resolve_in(dir, octo_root_name(root), rel, out, cap, err);
    if (rc != OCTO_OK) {
        return rc;
    }
    if (is_protected(out)) {
        return octo_error_set(err, OCTO_EPATH, NULL,
                              "path \"%s\" is the secrets, configuration or job store file, "
                              "which steps and templates may not touch",
                              rel);
    }
    if ((flags & OCTO_PATH_WRITE) &&
        (under_dir(out, c->flows_path) || under_dir(out, c->templates_path) ||
         under_dir(out, c->lock_path) || under_dir(out, c->log_path))) {
        return octo_error_set(err, OCTO_EPATH, NULL,
                              "path \"%s\" is inside the flows, templates, locks or logs "
                              "directory, which steps may not write",
                              rel);
    }
    return OCTO_OK;
}
