/* locks.c - per-flow mutual exclusion (see locks.h). */
#include "locks.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "errors.h"
#include "timefmt.h"

struct held {
    char *abs;
    char *file;
    int fd; /* our lock file, kept open while held (see unlink_if_ours) */
};

/* Fix (test_locks.c, test_release_leaves_foreign_file): unlink the lock
 * file only when it is still the one this process created. After the
 * file was deleted (API, by hand) another process may have taken the
 * lock with a file of its own, which our release must not remove. The
 * file is compared with the descriptor we keep open: an open inode
 * cannot be reused, so equal device and inode mean "ours". Closes fd. */
static void unlink_if_ours(const char *path, struct held *h)
{
    struct stat mine;
    struct stat now;

    if (h->fd >= 0 && fstat(h->fd, &mine) == 0 && lstat(path, &now) == 0 &&
        mine.st_dev == now.st_dev && mine.st_ino == now.st_ino) {
        unlink(path);
    }
    if (h->fd >= 0) {
        close(h->fd);
        h->fd = -1;
    }
}

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static struct held *g_held;
static size_t g_n;
static size_t g_cap;

static void lock_file_path(const char *file_name, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s.lock", octo_config()->lock_path, file_name);
}

int octo_lock_acquire(const char *abs_path, const char *file_name, octo_error *err)
{
    char path[PATH_MAX];
    char stamp[32];
    size_t i;
    int fd;

    pthread_mutex_lock(&g_mu);
    for (i = 0; i < g_n; i++) {
        if (strcmp(g_held[i].abs, abs_path) == 0) {
            pthread_mutex_unlock(&g_mu);
            return octo_error_set(err, OCTO_EACCES, NULL, "Flow %s is already running.",
                                  file_name);
        }
    }
    if (g_n == g_cap) {
        size_t cap = g_cap ? g_cap * 2 : 16;
        struct held *h = realloc(g_held, cap * sizeof(*h));

        if (h == NULL) {
            pthread_mutex_unlock(&g_mu);
            return octo_error_set(err, OCTO_ENOMEM, NULL, "out of memory");
        }
        g_held = h;
        g_cap = cap;
    }
    lock_file_path(file_name, path, sizeof(path));
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        int e = errno;

        pthread_mutex_unlock(&g_mu);
        if (e == EEXIST) {
            return octo_error_set(err, OCTO_EACCES, NULL, "Flow %s is already running.",
                                  file_name);
        }
        return octo_error_set(err, OCTO_EIO, NULL, "cannot create the lock of %s: %s",
                              file_name, strerror(e));
    }
    octo_timestamp_compact(time(NULL), stamp, sizeof(stamp));
    if (write(fd, stamp, strlen(stamp)) < 0) {
        /* the lock holds without its timestamp */
    }
    g_held[g_n].fd = fd; /* kept open while held: see unlink_if_ours */
    g_held[g_n].abs = strdup(abs_path);
    g_held[g_n].file = strdup(file_name);
    g_n++;
    pthread_mutex_unlock(&g_mu);
    return OCTO_OK;
}

void octo_lock_release(const char *abs_path, const char *file_name)
{
    char path[PATH_MAX];
    size_t i;

    pthread_mutex_lock(&g_mu);
    for (i = 0; i < g_n; i++) {
        if (strcmp(g_held[i].abs, abs_path) == 0) {
            lock_file_path(file_name, path, sizeof(path));
            unlink_if_ours(path, &g_held[i]);
            free(g_held[i].abs);
            free(g_held[i].file);
            g_held[i] = g_held[g_n - 1];
            g_n--;
            break;
        }
    }
    pthread_mutex_unlock(&g_mu);
}

int octo_lock_held(const char *abs_path)
{
    size_t i;
    int held = 0;

    pthread_mutex_lock(&g_mu);
    for (i = 0; i < g_n; i++) {
        if (strcmp(g_held[i].abs, abs_path) == 0) {
            held = 1;
        }
    }
    pthread_mutex_unlock(&g_mu);
    return held;
}

void octo_locks_release_all_owned(void)
{
    char path[PATH_MAX];
    size_t i;

    pthread_mutex_lock(&g_mu);
    for (i = 0; i < g_n; i++) {
        if (octo_config() != NULL) {
            lock_file_path(g_held[i].file, path, sizeof(path));
            unlink_if_ours(path, &g_held[i]);
        } else if (g_held[i].fd >= 0) {
            close(g_held[i].fd);
        }
        free(g_held[i].abs);
        free(g_held[i].file);
    }
    free(g_held);
    g_held = NULL;
    g_n = 0;
    g_cap = 0;
    pthread_mutex_unlock(&g_mu);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s);
    size_t b = strlen(suffix);

    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Walk dir recursively; for each *.lock call fn. */
static void walk(const char *dir, const char *rel, void (*fn)(const char *abs, const char *rel,
                                                             void *arg),
                 void *arg, int depth)
{
    DIR *d;
    struct dirent *de;

    if (depth > 8 || (d = opendir(dir)) == NULL) {
        return;
    }
    while ((de = readdir(d)) != NULL) {
        char abs[PATH_MAX];
        char r[PATH_MAX];
        struct stat st;

        if (de->d_name[0] == '.') {
            continue;
        }
        snprintf(abs, sizeof(abs), "%s/%s", dir, de->d_name);
        snprintf(r, sizeof(r), "%s%s%s", rel, rel[0] ? "/" : "", de->d_name);
        if (lstat(abs, &st) != 0) {
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            walk(abs, r, fn, arg, depth + 1);
        } else if (S_ISREG(st.st_mode) && ends_with(de->d_name, ".lock")) {
            fn(abs, r, arg);
        }
    }
    closedir(d);
}

static void remove_one(const char *abs, const char *rel, void *arg)
{
    (void)rel;
    if (unlink(abs) == 0) {
        (*(int *)arg)++;
    }
}

int octo_locks_clear_files(void)
{
    int n = 0;

    walk(octo_config()->lock_path, "", remove_one, &n, 0);
    return n;
}

int octo_locks_remove_file(const char *name, char *removed, size_t cap)
{
    static const char *const suffixes[] = {".lock", ".yml.lock", ".yaml.lock", NULL};
    char path[PATH_MAX];
    size_t i;

    if (name[0] == '\0' || strchr(name, '/') != NULL || strcmp(name, "..") == 0 ||
        strcmp(name, ".") == 0) {
        return OCTO_ENOENT;
    }
    for (i = 0; suffixes[i] != NULL; i++) {
        if (ends_with(name, ".lock") && i > 0) {
            break;
        }
        snprintf(path, sizeof(path), "%s/%s%s", octo_config()->lock_path, name,
                 ends_with(name, ".lock") ? "" : suffixes[i]);
        if (unlink(path) == 0) {
            if (removed != NULL) {
                const char *base = strrchr(path, '/');

                snprintf(removed, cap, "%s", base + 1);
            }
            return OCTO_OK;
        }
    }
    return OCTO_ENOENT;
}

static void list_one(const char *abs, const char *rel, void *arg)
{
    char buf[64];
    FILE *fp = fopen(abs, "r");
    size_t n = 0;
    json_t *e;

    if (fp != NULL) {
        n = fread(buf, 1, sizeof(buf) - 1, fp);
        fclose(fp);
    }
    buf[n] = '\0';
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' ' || buf[n - 1] == '\r')) {
        buf[--n] = '\0';
    }
    (void)rel;
    e = json_object();
    json_object_set_new(e, "filename", json_string(strrchr(abs, '/') + 1));
    json_object_set_new(e, "timestamp", json_string(buf));
    json_array_append_new((json_t *)arg, e);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(json_string_value(json_object_get(*(json_t *const *)a, "filename")),
                  json_string_value(json_object_get(*(json_t *const *)b, "filename")));
}

json_t *octo_locks_list(void)
{
    json_t *a = json_array();
    json_t **items;
    size_t n;
    size_t i;
    json_t *sorted;

    walk(octo_config()->lock_path, "", list_one, a, 0);
    n = json_array_size(a);
    items = malloc((n + 1) * sizeof(*items));
    if (items == NULL) {
        return a;
    }
    for (i = 0; i < n; i++) {
        items[i] = json_array_get(a, i);
    }
    qsort(items, n, sizeof(*items), by_name);
    sorted = json_array();
    for (i = 0; i < n; i++) {
        json_array_append(sorted, items[i]);
    }
    free(items);
    json_decref(a);
    return sorted;
}
