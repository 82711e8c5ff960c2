/* file.c - the file step: read, write or append JSON, YAML or text files.
 *
 *   type: file
 *   file:
 *     path: output/result_{{ __timestamp__ }}.yml   # templated, under DATA_PATH
 *     mode: write          # read (default), write, append
 *     type: yaml           # yaml (default, as the original), json, text
 *     data_key: "."        # what to write ("." = the whole flow data)
 *     sync: true           # false: no fsync (scratch files; see below)
 *
 * Paths are confined to DATA_PATH by the core (absolute paths, "..",
 * escaping symlinks refused; secrets.yml and config.yml never reachable;
 * flows, templates, locks and logs never written). Parent directories are
 * created. Writes and appends are atomic, also when the process is
 * killed: a temporary file in the same directory (the old content, then
 * the serialised document, no separator, as the original appended),
 * fsync, rename, under a lock on the directory (see replace()); a failed
 * serialisation leaves the old file untouched. With sync: false the
 * two fsyncs are skipped: the replace stays atomic for every reader and
 * for a killed process, but a power loss may leave the old content or an
 * empty file (the fsyncs are most of what a small write costs: ~1 ms on
 * an SSD, much more on a busy disk; docs/performance.md). Output is byte-compatible
 * with the original: YAML as PyYAML's yaml.dump(default_flow_style=False),
 * JSON as json.dump (", " and ": " separators, ASCII escapes).
 * A write returns {} (as the original); a read returns the parsed value.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <octoflow/octo_step.h>

enum mode { MODE_READ, MODE_WRITE, MODE_APPEND };
enum ftype { TYPE_YAML, TYPE_JSON, TYPE_TEXT };

struct file_step {
    enum mode mode;
    enum ftype type;
    int sync;
};

static int file_prepare(const octo_host *h, json_t *options, void **inst, octo_error *err)
{
    const char *mode = json_string_value(json_object_get(options, "mode"));
    const char *type = json_string_value(json_object_get(options, "type"));
    const char *dk = json_string_value(json_object_get(options, "data_key"));
    struct file_step *s;

    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return h->error_set(err, OCTO_ENOMEM, NULL, "out of memory");
    }
    s->mode = strcmp(mode, "write") == 0    ? MODE_WRITE
              : strcmp(mode, "append") == 0 ? MODE_APPEND
                                            : MODE_READ;
    s->sync = !json_is_false(json_object_get(options, "sync"));
    s->type = strcmp(type, "json") == 0   ? TYPE_JSON
              : strcmp(type, "text") == 0 ? TYPE_TEXT
                                          : TYPE_YAML;
    if (s->mode != MODE_READ && (dk == NULL || dk[0] == '\0')) {
        free(s);
        return h->error_set(err, OCTO_EINVAL, "data_key",
                            "is required to %s: the key of the flow data to write (\".\" for all)",
                            mode);
    }
    *inst = s;
    return OCTO_OK;
}

static int read_all(const octo_host *h, const char *abs, const char *rel, char **text, size_t *len,
                    octo_error *err)
{
    FILE *fp = fopen(abs, "rb");
    char *buf = NULL;
    size_t cap = 0;
    size_t n = 0;
    size_t got;

    *text = NULL;
    if (fp == NULL) {
        int e = errno;

        return h->error_set(err, e == ENOENT ? OCTO_ENOENT : OCTO_EIO, "path", "cannot read %s: %s",
                            rel, strerror(e));
    }
    for (;;) {
        if (n + 8192 + 1 > cap) {
            char *nb;

            cap = cap ? cap * 2 : 16384;
            nb = realloc(buf, cap);
            if (nb == NULL) {
                free(buf);
                fclose(fp);
                return h->error_set(err, OCTO_ENOMEM, NULL, "out of memory reading %s", rel);
            }
            buf = nb;
        }
        got = fread(buf + n, 1, 8192, fp);
        n += got;
        if (got < 8192) {
            break;
        }
    }
    if (ferror(fp)) {
        free(buf);
        fclose(fp);
        return h->error_set(err, OCTO_EIO, "path", "cannot read %s", rel);
    }
    fclose(fp);
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return OCTO_OK;
}

static int do_read(const octo_host *h, const struct file_step *s, const char *abs, const char *rel,
                   json_t **out, octo_error *err)
{
    char *text = NULL;
    size_t len = 0;
    json_error_t je;
    int rc = read_all(h, abs, rel, &text, &len, err);

    if (rc != OCTO_OK) {
        return rc;
    }
    switch (s->type) {
    case TYPE_TEXT:
        *out = json_stringn(text, len);
        if (*out == NULL) {
            rc = h->error_set(err, OCTO_EIO, "path", "%s is not UTF-8 text", rel);
        }
        break;
    case TYPE_JSON:
        *out = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
        if (*out == NULL) {
            *out = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL,
                              &je);
        }
        if (*out == NULL) {
            rc = h->error_set(err, OCTO_EIO, "path", "%s:%d:%d: invalid JSON: %s", rel, je.line,
                              je.column, je.text);
        }
        break;
    default:
        rc = h->yaml_load(text, len, rel, out, err);
        break;
    }
    free(text);
    return rc;
}

static int serialise(const octo_host *h, const struct file_step *s, json_t *value, char **text,
                     octo_error *err)
{
    switch (s->type) {
    case TYPE_JSON:
        return h->json_dump(value, 0, text, err);
    case TYPE_TEXT:
        return h->value_text(value, text, err);
    default:
        return h->yaml_dump(value, 0, text, err);
    }
}

/* mkdir -p of the parent directory of abs. */
static int make_parents(const octo_host *h, const char *abs, const char *rel, octo_error *err)
{
    char tmp[PATH_MAX];
    char *p;

    snprintf(tmp, sizeof(tmp), "%s", abs);
    p = strrchr(tmp, '/');
    if (p == NULL || p == tmp) {
        return OCTO_OK;
    }
    *p = '\0';
    for (p = tmp + 1; *p != '\0'; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0755) != 0 && errno != EEXIST) {
                return h->error_set(err, OCTO_EIO, "path", "cannot create the directory of %s: %s",
                                    rel, strerror(errno));
            }
            *p = '/';
        }
    }
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST) {
        return h->error_set(err, OCTO_EIO, "path", "cannot create the directory of %s: %s", rel,
                            strerror(errno));
    }
    return OCTO_OK;
}

static int write_fully(int fd, const char *text, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, text, len);

        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        text += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Serialise writers of one directory: every write and append holds an
 * exclusive flock on the target's directory while it builds and renames
 * its temporary file (the kernel drops the lock when a writer dies). A
 * lock on the target itself would not do: the rename replaces its inode.
 * Returns the locked directory's fd, or -1 with errno set. */
static int lock_dir(const char *abs)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(abs, '/');
    int fd;

    snprintf(dir, sizeof(dir), "%.*s", slash == abs ? 1 : (int)(slash - abs), abs);
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    while (flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            int e = errno;

            close(fd);
            errno = e;
            return -1;
        }
    }
    return fd;
}

/* A temporary file next to abs, named as core/tempfiles.h expects
 * (".<name>.octo-tmp.<pid>.XXXXXX") so that the service can remove it
 * when this process dies before the rename. */
static int make_temp(const char *abs, char *tmp, size_t cap)
{
    const char *slash = strrchr(abs, '/');

    snprintf(tmp, cap, "%.*s/.%s.octo-tmp.%d.XXXXXX", (int)(slash - abs), abs, slash + 1,
             (int)getpid());
    return mkstemp(tmp);
}

/* Copy the content of the file at abs (if any) to fd; 0 or -1 (errno). */
static int copy_old(const char *abs, int fd)
{
    int in = open(abs, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    char buf[65536];

    if (in < 0) {
        return errno == ENOENT ? 0 : -1;
    }
    /* in the kernel when it can (copy_file_range shares extents on file
     * systems that can); a plain copy otherwise */
    for (;;) {
        ssize_t n = copy_file_range(in, NULL, fd, NULL, 1 << 30, 0);

        if (n == 0) {
            close(in);
            return 0;
        }
        if (n < 0) {
            break;
        }
    }
    if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP) {
        close(in);
        return -1;
    }
    for (;;) {
        ssize_t n = read(in, buf, sizeof(buf));

        if (n == 0) {
            break;
        }
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            close(in);
            return -1;
        }
        if (write_fully(fd, buf, (size_t)n) != 0) {
            close(in);
            return -1;
        }
    }
    close(in);
    return 0;
}

/* Write (append: the old content, then text) into a temporary file and
 * rename it over abs, under the directory lock.
 * Why a copy for append, rather than O_APPEND: a write() killed by
 * SIGKILL midway stops where it is (the kernel checks for fatal signals
 * between pages), leaving a partial record at the end of the file that no
 * one is left to truncate; and a rollback by the next writer still lets
 * readers see the partial record meanwhile. With the copy and rename the
 * target is at every moment either the old content or old + new; a killed
 * writer leaves only its temporary file, which octo_tempfiles_clean
 * removes. The directory lock makes concurrent appenders (threads or
 * processes) take turns, so none loses another's record. The cost: an
 * append copies the file (in the kernel where possible). */
static int replace(const octo_host *h, const char *abs, const char *rel, const char *text,
                   int append, int sync, octo_error *err)
{
    char tmp[PATH_MAX];
    const char *verb = append ? "append to" : "write";
    struct stat st;
    mode_t mode = 0644;
    int dfd = lock_dir(abs);
    int fd = -1;
    int e = 0;

    if (dfd < 0) {
        return h->error_set(err, OCTO_EIO, "path", "cannot %s %s: %s", verb, rel, strerror(errno));
    }
    if (stat(abs, &st) == 0) {
        mode = st.st_mode & 07777;
    }
    fd = make_temp(abs, tmp, sizeof(tmp));
    if (fd < 0) {
        e = errno;
        tmp[0] = '\0';
        goto out;
    }
    if ((append && copy_old(abs, fd) != 0) || write_fully(fd, text, strlen(text)) != 0 ||
        fchmod(fd, mode) != 0 || (sync && fsync(fd) != 0)) {
        e = errno;
        goto out;
    }
    if (close(fd) != 0) {
        fd = -1;
        e = errno;
        goto out;
    }
    fd = -1;
    if (rename(tmp, abs) != 0) {
        e = errno;
        goto out;
    }
    tmp[0] = '\0';
    if (sync) {
        fsync(dfd); /* the rename itself, for a power loss */
    }
out:
    if (fd >= 0) {
        close(fd);
    }
    if (tmp[0] != '\0') {
        unlink(tmp);
    }
    close(dfd); /* releases the lock */
    if (e != 0) {
        return h->error_set(err, OCTO_EIO, "path", "cannot %s %s: %s", verb, rel, strerror(e));
    }
    return OCTO_OK;
}

static int file_run(const octo_host *h, octo_ctx *ctx, void *inst, const octo_run_args *args,
                    json_t **out, octo_error *err)
{
    const struct file_step *s = inst;
    const char *rel = json_string_value(json_object_get(args->options, "path"));
    const char *dk = json_string_value(json_object_get(args->options, "data_key"));
    char *abs = NULL;
    char *text = NULL;
    int rc;

    *out = NULL;
    rc =
        h->path_resolve(OCTO_ROOT_DATA, rel, s->mode == MODE_READ ? 0 : OCTO_PATH_WRITE, &abs, err);
    if (rc != OCTO_OK) {
        snprintf(err->field, sizeof(err->field), "path");
        return rc;
    }
    if (s->mode == MODE_READ) {
        h->log(ctx, OCTO_LOG_INFO, "-> read %s", rel);
        rc = do_read(h, s, abs, rel, out, err);
        goto done;
    }
    if (args->input == NULL) {
        rc = h->error_set(err, OCTO_EINVAL, "data_key", "data_key \"%s\" is not in the flow data",
                          dk != NULL ? dk : "");
        goto done;
    }
    rc = serialise(h, s, args->input, &text, err);
    if (rc != OCTO_OK) {
        goto done;
    }
    rc = make_parents(h, abs, rel, err);
    if (rc != OCTO_OK) {
        goto done;
    }
    h->log(ctx, OCTO_LOG_INFO, "-> %s %s", s->mode == MODE_WRITE ? "write" : "append", rel);
    rc = replace(h, abs, rel, text, s->mode == MODE_APPEND, s->sync, err);
    if (rc == OCTO_OK) {
        *out = json_object();
    }
done:
    h->free(text);
    h->free(abs);
    return rc;
}

static void file_destroy(const octo_host *h, void *inst)
{
    (void)h;
    free(inst);
}

static const char *const file_modes[] = {"read", "write", "append", NULL};
static const char *const file_types[] = {"yaml", "json", "text", NULL};

static const octo_option file_options[] = {
    {.name = "path",
     .type = OCTO_OPT_STRING,
     .flags = OCTO_OPT_REQUIRED | OCTO_OPT_TEMPLATE | OCTO_OPT_PATH_DATA,
     .summary = "file path relative to DATA_PATH (templated)"},
    {.name = "mode",
     .type = OCTO_OPT_ENUM,
     .flags = OCTO_OPT_NOCASE,
     .def = "\"read\"",
     .values = file_modes,
     .summary = "read, write (atomic replace) or append"},
    {.name = "type",
     .type = OCTO_OPT_ENUM,
     .flags = OCTO_OPT_NOCASE,
     .def = "\"yaml\"",
     .values = file_types,
     .summary = "file format: yaml, json or text"},
    {.name = "data_key",
     .type = OCTO_OPT_STRING,
     .flags = OCTO_OPT_DATA_KEY,
     .summary = "key of the flow data to write (\".\" = the whole flow data); required to write"},
    {.name = "sync",
     .type = OCTO_OPT_BOOL,
     .def = "true",
     .summary = "false: skip the fsyncs of a write or append (atomic still, not durable on "
                "power loss)"},
    {.name = NULL},
};

static const octo_step_type file_step_type = {
    .struct_size = sizeof(octo_step_type),
    .name = "file",
    .summary = "Read, write or append a JSON, YAML or text file under DATA_PATH",
    .doc = "Reads a file and returns its parsed content, or writes (atomically) or appends the "
           "value at `data_key`. Paths are confined to DATA_PATH.",
    .options = file_options,
    .option_size = sizeof(octo_option),
    .prepare = file_prepare,
    .run = file_run,
    .destroy = file_destroy,
};

static const octo_step_type *const file_steps[] = {&file_step_type, NULL};
OCTO_PLUGIN_DESCRIPTOR(file_plugin, "octo-step-file", "1.0.0", file_steps);
OCTO_PLUGIN_DEFINE_ENTRY(file_plugin)
