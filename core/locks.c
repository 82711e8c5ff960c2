/* locks.c - per-flow locks held by the kernel (see locks.h).
 *
 * Taking a lock: open (create) the file, F_OFD_SETLK a write lock, then
 * check that the path still names the inode we locked. The check closes
 * the one race of lock files that are removed on release: A holds the
 * lock; B opens the file; A unlinks it and unlocks; B's lock now
 * succeeds on an inode nobody can see while C creates a new file and
 * locks that - two runs. B notices the path moved and starts over.
 */
#include "locks.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "errors.h"
#include "timefmt.h"
#include "xalloc.h"

struct octo_lock {
    int fd;
    char path[PATH_MAX];
};

/* Bumped by every acquire/release of this process: the listing cache
 * below is dropped when it moves. */
static atomic_ulong g_generation;

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s);
    size_t b = strlen(suffix);

    return a >= b && strcmp(s + a - b, suffix) == 0;
}

void octo_lock_name(const char *flow, char *out, size_t cap)
{
    const struct octo_config *c = octo_config();
    size_t n = c != NULL ? strlen(c->flows_path) : 0;

    if (flow[0] != '/') {
        snprintf(out, cap, "%s", flow);
    } else if (n > 0 && strncmp(flow, c->flows_path, n) == 0 && flow[n] == '/') {
        snprintf(out, cap, "%s", flow + n + 1);
    } else {
        const char *base = strrchr(flow, '/');

        snprintf(out, cap, "%s", base != NULL ? base + 1 : flow);
    }
}

/* A name is a relative path without "." or ".." components. */
static int safe_name(const char *name)
{
    const char *p = name;

    if (name[0] == '\0' || name[0] == '/') {
        return 0;
    }
    while (*p != '\0') {
        size_t n = strcspn(p, "/");

        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) {
            return 0;
        }
        p += n;
        if (*p == '/') {
            p++;
        }
    }
    return 1;
}

static int lock_path(const char *name, char *out, size_t cap)
{
    if (!safe_name(name)) {
        return -1;
    }
    if ((size_t)snprintf(out, cap, "%s/%s.lock", octo_config()->lock_path, name) >= cap) {
        return -1;
    }
    return 0;
}

/* The holder's details from a lock file's content (new object). */
static json_t *read_holder(int fd, const char *path)
{
    char buf[512];
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    json_t *h = json_object();
    char *line2;
    char *p;

    if (n < 0) {
        n = 0;
    }
    buf[n] = '\0';
    line2 = strchr(buf, '\n');
    if (line2 != NULL) {
        *line2++ = '\0';
    }
    for (p = buf + strlen(buf); p > buf && (p[-1] == ' ' || p[-1] == '\r'); p--) {
        p[-1] = '\0';
    }
    json_object_set_new(h, "filename", json_string(strrchr(path, '/') + 1));
    json_object_set_new(h, "timestamp", json_string(buf));
    json_object_set_new(h, "pid", json_null());
    json_object_set_new(h, "host", json_null());
    json_object_set_new(h, "job_id", json_null());
    while (line2 != NULL && *line2 != '\0') {
        char *end = line2 + strcspn(line2, " \n");
        char save = *end;
        char *eq;

        *end = '\0';
        eq = strchr(line2, '=');
        if (eq != NULL) {
            *eq = '\0';
            if (strcmp(line2, "pid") == 0) {
                json_object_set_new(h, "pid", json_integer(atol(eq + 1)));
            } else if (strcmp(line2, "host") == 0) {
                json_object_set_new(h, "host", json_string(eq + 1));
            } else if (strcmp(line2, "job") == 0 && eq[1] != '\0') {
                json_object_set_new(h, "job_id", json_string(eq + 1));
            }
        }
        if (save == '\0') {
            break;
        }
        line2 = end + 1;
    }
    return h;
}

/* Is the file at fd locked by someone (another open file description)? */
static int is_held(int fd)
{
    struct flock fl;

    memset(&fl, 0, sizeof(fl));
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    if (fcntl(fd, F_OFD_GETLK, &fl) != 0) {
        return 0;
    }
    return fl.l_type != F_UNLCK;
}

static void make_parent(const char *path)
{
    char dir[PATH_MAX];
    char *slash;

    snprintf(dir, sizeof(dir), "%s", path);
    slash = strrchr(dir, '/');
    if (slash != NULL) {
        *slash = '\0';
        octo_mkdirs(dir, 0755);
    }
}

int octo_lock_acquire(const char *name, const char *job_id, struct octo_lock **out, octo_error *err)
{
    char path[PATH_MAX];
    int attempt;

    *out = NULL;
    if (lock_path(name, path, sizeof(path)) != 0) {
        return octo_error_set(err, OCTO_EINVAL, NULL, "invalid lock name %s", name);
    }
    make_parent(path);
    for (attempt = 0; attempt < 8; attempt++) {
        struct flock fl;
        struct stat mine;
        struct stat now;
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);

        if (fd < 0) {
            return octo_error_set(err, OCTO_EIO, NULL, "cannot open the lock of %s: %s", name,
                                  strerror(errno));
        }
        memset(&fl, 0, sizeof(fl));
        fl.l_type = F_WRLCK;
        fl.l_whence = SEEK_SET;
        if (fcntl(fd, F_OFD_SETLK, &fl) != 0) {
            int e = errno;
            json_t *h;

            if (e != EAGAIN && e != EACCES) {
                close(fd);
                return octo_error_set(err, OCTO_EIO, NULL, "cannot lock %s: %s", name, strerror(e));
            }
            h = read_holder(fd, path);
            close(fd);
            if (json_is_integer(json_object_get(h, "pid"))) {
                octo_error_set(err, OCTO_EACCES, NULL,
                               "Flow %s is already running (process %lld on %s, since %s).", name,
                               (long long)json_integer_value(json_object_get(h, "pid")),
                               json_string_value(json_object_get(h, "host")) != NULL
                                   ? json_string_value(json_object_get(h, "host"))
                                   : "?",
                               json_string_value(json_object_get(h, "timestamp")));
            } else {
                octo_error_set(err, OCTO_EACCES, NULL, "Flow %s is already running.", name);
            }
            json_decref(h);
            return OCTO_EACCES;
        }
        if (fstat(fd, &mine) == 0 && stat(path, &now) == 0 && mine.st_dev == now.st_dev &&
            mine.st_ino == now.st_ino) {
            struct octo_lock *l = octo_xcalloc(1, sizeof(*l));
            char stamp[32];
            char text[512];
            int len;

            octo_timestamp_compact(time(NULL), stamp, sizeof(stamp));
            len = snprintf(text, sizeof(text), "%s\npid=%ld host=%s job=%s\n", stamp,
                           (long)getpid(), octo_config()->node_name, job_id != NULL ? job_id : "");
            /* Written first, then cut to its length: never truncated to
             * zero, which makes ext4 flush the file to disk when it is
             * closed (auto_da_alloc), a disk write per run for a file
             * that is deleted when the run ends. */
            if (pwrite(fd, text, (size_t)len, 0) != len ||
                (mine.st_size > len && ftruncate(fd, len) != 0)) {
                /* the lock holds without its description */
            }
            l->fd = fd;
            snprintf(l->path, sizeof(l->path), "%s", path);
            atomic_fetch_add(&g_generation, 1);
            *out = l;
            return OCTO_OK;
        }
        close(fd); /* the file was replaced under us: take the new one */
    }
    return octo_error_set(err, OCTO_EIO, NULL, "cannot lock %s: the lock file keeps changing",
                          name);
}

void octo_lock_release(struct octo_lock *l)
{
    struct stat mine;
    struct stat now;

    if (l == NULL) {
        return;
    }
    /* Unlink while still holding the lock, and only our own inode (a
     * file put there by hand after ours was deleted is not ours). */
    if (fstat(l->fd, &mine) == 0 && stat(l->path, &now) == 0 && mine.st_dev == now.st_dev &&
        mine.st_ino == now.st_ino) {
        unlink(l->path);
    }
    close(l->fd);
    atomic_fetch_add(&g_generation, 1);
    free(l);
}

typedef void (*visit_fn)(const char *abs, void *arg);

static void walk(const char *dir, visit_fn fn, void *arg, int depth)
{
    DIR *d;
    struct dirent *de;

    if (depth > 8 || (d = opendir(dir)) == NULL) {
        return;
    }
    while ((de = readdir(d)) != NULL) {
        char abs[PATH_MAX];
        struct stat st;

        if (de->d_name[0] == '.') {
            continue;
        }
        if ((size_t)snprintf(abs, sizeof(abs), "%s/%s", dir, de->d_name) >= sizeof(abs) ||
            lstat(abs, &st) != 0) {
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            walk(abs, fn, arg, depth + 1);
        } else if (S_ISREG(st.st_mode) && ends_with(de->d_name, ".lock")) {
            fn(abs, arg);
        }
    }
    closedir(d);
}

static void list_one(const char *abs, void *arg)
{
    int fd = open(abs, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

    if (fd < 0) {
        return;
    }
    if (is_held(fd)) {
        json_array_append_new((json_t *)arg, read_holder(fd, abs));
    }
    close(fd);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(json_string_value(json_object_get(*(json_t *const *)a, "filename")),
                  json_string_value(json_object_get(*(json_t *const *)b, "filename")));
}

static json_t *sorted(json_t *a)
{
    size_t n = json_array_size(a);
    json_t **items = octo_xcalloc(n + 1, sizeof(*items));
    json_t *out = json_array();
    size_t i;

    for (i = 0; i < n; i++) {
        items[i] = json_array_get(a, i);
    }
    qsort(items, n, sizeof(*items), by_name);
    for (i = 0; i < n; i++) {
        json_array_append(out, items[i]);
    }
    free(items);
    json_decref(a);
    return out;
}

/* The listing costs a directory walk and a lock probe per file: it is
 * cached for a short while, and dropped at once when this process takes
 * or releases a lock. A run of another process that ends (or dies) shows
 * within LIST_TTL. */
#define LIST_TTL 0.5

static pthread_mutex_t g_list_mu = PTHREAD_MUTEX_INITIALIZER;
static json_t *g_list;
static unsigned long g_list_gen;
static struct timespec g_list_at;

json_t *octo_locks_list(void)
{
    struct timespec now;
    unsigned long gen = atomic_load(&g_generation);
    json_t *a;

    clock_gettime(CLOCK_MONOTONIC, &now);
    pthread_mutex_lock(&g_list_mu);
    if (g_list != NULL && g_list_gen == gen &&
        (double)(now.tv_sec - g_list_at.tv_sec) + (double)(now.tv_nsec - g_list_at.tv_nsec) / 1e9 <
            LIST_TTL) {
        a = json_incref(g_list);
        pthread_mutex_unlock(&g_list_mu);
        return a;
    }
    pthread_mutex_unlock(&g_list_mu);
    a = json_array();
    walk(octo_config()->lock_path, list_one, a, 0);
    a = sorted(a);
    pthread_mutex_lock(&g_list_mu);
    json_decref(g_list);
    g_list = json_incref(a);
    g_list_gen = gen;
    g_list_at = now;
    pthread_mutex_unlock(&g_list_mu);
    return a;
}

static void drop_list_cache(void)
{
    atomic_fetch_add(&g_generation, 1);
}

/* Remove the file at abs unless its lock is held. 1 removed, 0 not
 * there, -1 held (*holder new when holder != NULL). */
static int remove_unheld(const char *abs, json_t **holder)
{
    struct flock fl;
    int fd = open(abs, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    int rc = 0;

    if (fd < 0) {
        return 0;
    }
    /* Take the lock ourselves for the removal: a launch that opens the
     * file meanwhile then finds the path gone and starts over. */
    memset(&fl, 0, sizeof(fl));
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    if (fcntl(fd, F_OFD_SETLK, &fl) != 0) {
        if (holder != NULL) {
            *holder = read_holder(fd, abs);
        }
        rc = -1;
    } else if (unlink(abs) == 0) {
        rc = 1;
    }
    close(fd);
    return rc;
}

int octo_lock_remove(const char *name, char *removed, size_t cap, json_t **holder)
{
    static const char *const suffixes[] = {".lock", ".yml.lock", ".yaml.lock", NULL};
    char path[PATH_MAX];
    size_t i;

    if (holder != NULL) {
        *holder = NULL;
    }
    if (name[0] == '\0' || strchr(name, '/') != NULL || strcmp(name, "..") == 0 ||
        strcmp(name, ".") == 0) {
        return OCTO_ENOENT;
    }
    for (i = 0; suffixes[i] != NULL; i++) {
        int rc;

        if (ends_with(name, ".lock") && i > 0) {
            break;
        }
        snprintf(path, sizeof(path), "%s/%s%s", octo_config()->lock_path, name,
                 ends_with(name, ".lock") ? "" : suffixes[i]);
        rc = remove_unheld(path, holder);
        if (rc != 0) {
            drop_list_cache();
            if (rc < 0) {
                return OCTO_EACCES;
            }
            if (removed != NULL) {
                snprintf(removed, cap, "%s", strrchr(path, '/') + 1);
            }
            return OCTO_OK;
        }
    }
    return OCTO_ENOENT;
}

struct stale_ctx {
    json_t *held;
    int removed;
};

static void stale_one(const char *abs, void *arg)
{
    struct stale_ctx *s = arg;
    json_t *h = NULL;
    int rc = remove_unheld(abs, &h);

    if (rc > 0) {
        s->removed++;
    } else if (rc < 0 && s->held != NULL && h != NULL) {
        json_array_append(s->held, h);
    }
    json_decref(h);
}

int octo_locks_remove_stale(json_t *held)
{
    struct stale_ctx s = {held, 0};

    walk(octo_config()->lock_path, stale_one, &s, 0);
    drop_list_cache();
    return s.removed;
}
