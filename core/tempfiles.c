/* tempfiles.c - remove the temporary files of dead writers (see
 * tempfiles.h).
 *
 * The walk uses directory file descriptors (openat, fstatat with
 * AT_SYMLINK_NOFOLLOW, unlinkat), so a symbolic link, even one swapped in
 * during the walk, never leads it out of root. A writer is alive when
 * kill(pid, 0) finds it (EPERM counts as alive: another user's process);
 * a live pid whose process started after the file's last modification
 * belongs to someone else (the pid was reused), read from /proc.
 */
#include "tempfiles.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "errors.h"
#include "log.h"

#define MAX_DEPTH 32

int octo_tempfile_parse(const char *name, pid_t *pid)
{
    const char *mark;
    const char *p;
    long v = 0;
    size_t i;

    /* ".<target>" + MARK + digits + "." + 6 characters */
    if (name[0] != '.' || (mark = strstr(name + 1, OCTO_TEMPFILE_MARK)) == NULL ||
        mark == name + 1) {
        return 0;
    }
    /* the last occurrence: a target may itself contain the marker */
    for (p = strstr(mark + 1, OCTO_TEMPFILE_MARK); p != NULL;
         p = strstr(p + 1, OCTO_TEMPFILE_MARK)) {
        mark = p;
    }
    p = mark + strlen(OCTO_TEMPFILE_MARK);
    if (*p < '1' || *p > '9') {
        return 0;
    }
    while (*p >= '0' && *p <= '9') {
        v = v * 10 + (*p - '0');
        if (v > 4194304) { /* PID_MAX_LIMIT */
            return 0;
        }
        p++;
    }
    if (*p != '.') {
        return 0;
    }
    for (i = 1; i <= 6; i++) {
        char c = p[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
            return 0;
        }
    }
    if (p[7] != '\0') {
        return 0;
    }
    *pid = (pid_t)v;
    return 1;
}

/* When the process pid started (seconds since the epoch), or -1. */
static double process_start(pid_t pid)
{
    char path[64];
    char buf[1024];
    FILE *fp;
    size_t n;
    const char *p;
    unsigned long long ticks = 0;
    double btime = -1;
    int field;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    fp = fopen(path, "re");
    if (fp == NULL) {
        return -1;
    }
    n = fread(buf, 1, sizeof(buf) - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    /* the command name may hold spaces and parentheses: fields count from
     * the last ')' (field 2 ends there; starttime is field 22) */
    p = strrchr(buf, ')');
    if (p == NULL) {
        return -1;
    }
    for (field = 2; field < 21 && p != NULL; field++) {
        p = strchr(p + 1, ' ');
    }
    if (p == NULL || sscanf(p + 1, "%llu", &ticks) != 1) {
        return -1;
    }
    fp = fopen("/proc/stat", "re");
    if (fp == NULL) {
        return -1;
    }
    while (fgets(buf, sizeof(buf), fp) != NULL) {
        if (strncmp(buf, "btime ", 6) == 0) {
            btime = atof(buf + 6);
            break;
        }
    }
    fclose(fp);
    if (btime < 0) {
        return -1;
    }
    return btime + (double)ticks / (double)sysconf(_SC_CLK_TCK);
}

/* Non-zero when the writer of a file last modified at mtime may still
 * be writing it. */
static int writer_alive(pid_t pid, const struct timespec *mtime)
{
    double started;

    if (kill(pid, 0) != 0 && errno == ESRCH) {
        return 0;
    }
    if (pid == getpid()) {
        return 1;
    }
    started = process_start(pid);
    /* started after the file was last written: not its writer (1 s of
     * slack for the clock tick resolution of starttime) */
    return !(started > 0 && started > (double)mtime->tv_sec + 1.0);
}

static int walk(int dfd, const char *rel, int depth, size_t *removed)
{
    DIR *d = fdopendir(dfd);
    struct dirent *de;

    if (d == NULL) {
        close(dfd);
        return -1;
    }
    while ((de = readdir(d)) != NULL) {
        struct stat st;
        pid_t pid;

        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
            continue;
        }
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            continue;
        }
        if (S_ISDIR(st.st_mode) && depth < MAX_DEPTH) {
            int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            char subrel[4096];

            if (sub >= 0) {
                snprintf(subrel, sizeof(subrel), "%s%s%s", rel, rel[0] != '\0' ? "/" : "",
                         de->d_name);
                walk(sub, subrel, depth + 1, removed);
            }
            continue;
        }
        if (!S_ISREG(st.st_mode) || !octo_tempfile_parse(de->d_name, &pid) ||
            writer_alive(pid, &st.st_mtim)) {
            continue;
        }
        if (unlinkat(dirfd(d), de->d_name, 0) == 0) {
            (*removed)++;
            octo_log(OCTO_LOG_INFO,
                     "removed %s%s%s, the temporary file of a writer that died "
                     "(pid %d)",
                     rel, rel[0] != '\0' ? "/" : "", de->d_name, (int)pid);
        } else {
            octo_log(OCTO_LOG_WARN, "cannot remove the stale temporary file %s%s%s: %s", rel,
                     rel[0] != '\0' ? "/" : "", de->d_name, strerror(errno));
        }
    }
    closedir(d);
    return 0;
}

int octo_tempfiles_clean(const char *root, size_t *removed, octo_error *err)
{
    size_t n = 0;
    int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (removed != NULL) {
        *removed = 0;
    }
    if (fd < 0 || walk(fd, "", 0, &n) != 0) {
        return octo_error_set(err, OCTO_EIO, NULL, "cannot read %s for stale temporary files: %s",
                              root, strerror(errno));
    }
    if (removed != NULL) {
        *removed = n;
    }
    return OCTO_OK;
}
