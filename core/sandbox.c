/* sandbox.c - what a worker process may touch (see worker.h).
 *
 * Layers, each applied when the kernel allows and reported otherwise:
 *  1. Limits: RLIMIT_AS (WORKER_MAX_MEMORY_MB) so a memory bomb fails
 *     its own allocation instead of inviting the OOM killer; a per-job
 *     RLIMIT_CPU soft limit (WORKER_MAX_CPU_SECONDS); fewer malloc arenas
 *     so the address-space limit measures data, not reservations.
 *  2. The environment: variables that hold credentials (API_TOKEN,
 *     *TOKEN*, *SECRET*, *PASSWORD*...) are removed and their text
 *     overwritten; the worker keeps what it needs in its configuration.
 *  3. Protected files read-only: in a private user+mount namespace the
 *     secrets and config files, the flows, templates, locks and logs
 *     directories and the job store are bind-mounted read-only over
 *     themselves, then every capability is dropped (so the worker cannot
 *     undo the mounts). Landlock alone cannot do this: its rules grant
 *     whole hierarchies, and these usually live inside DATA_PATH, which
 *     must stay writable.
 *  4. Landlock: reads limited to the system's libraries, certificates
 *     and name-service files, the plugins and Octoflow's directories;
 *     writes to DATA_PATH only. /etc/shadow, /proc (the environment of
 *     any process), home directories: unreachable. Plus no_new_privs.
 * ASan and TSan reserve terabytes of address space: under them RLIMIT_AS
 * is left off and the supervisor's RSS watchdog does that job.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/landlock.h>
#include <malloc.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "sanitizer.h"
#include "worker.h"

#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif

extern char **environ;

static int credential_name(const char *name, size_t len)
{
    static const char *const words[] = {"TOKEN",   "SECRET",  "PASSWORD", "PASSWD", "CREDENTIAL",
                                        "PRIVATE", "API_KEY", "APIKEY",   NULL};
    char up[256];
    size_t i;

    if (len >= sizeof(up)) {
        len = sizeof(up) - 1;
    }
    for (i = 0; i < len; i++) {
        up[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32 : name[i]);
    }
    up[len] = '\0';
    for (i = 0; words[i] != NULL; i++) {
        if (strstr(up, words[i]) != NULL) {
            return 1;
        }
    }
    return 0;
}

static void scrub_environment(void)
{
    char **e;
    char names[64][256];
    int n = 0;
    int i;

    for (e = environ; e != NULL && *e != NULL; e++) {
        char *eq = strchr(*e, '=');

        if (eq == NULL || !credential_name(*e, (size_t)(eq - *e))) {
            continue;
        }
        if (n < 64 && (size_t)(eq - *e) < sizeof(names[0])) {
            memcpy(names[n], *e, (size_t)(eq - *e));
            names[n][eq - *e] = '\0';
            n++;
        }
        /* the strings may be the ones the kernel placed at exec: wipe the
         * value in place, so no copy of it is left in this process */
        memset(eq + 1, 0, strlen(eq + 1));
    }
    for (i = 0; i < n; i++) {
        unsetenv(names[i]);
    }
}

static void limits(const struct octo_config *c)
{
    mallopt(M_ARENA_MAX, 4);
    if (c->worker_max_memory_mb > 0 && !OCTO_ASAN && !OCTO_TSAN) {
        struct rlimit rl;

        rl.rlim_cur = rl.rlim_max = (rlim_t)c->worker_max_memory_mb << 20;
        if (setrlimit(RLIMIT_AS, &rl) != 0) {
            octo_log(OCTO_LOG_WARN, "worker: RLIMIT_AS not set: %s", strerror(errno));
        }
    }
}

void octo_sandbox_job_cpu(void)
{
    const struct octo_config *c = octo_config();
    struct rusage ru;
    struct rlimit rl;

    if (c == NULL || c->worker_max_cpu_seconds <= 0 || getrusage(RUSAGE_SELF, &ru) != 0) {
        return;
    }
    /* a worker runs many jobs: the soft limit moves with each one */
    if (getrlimit(RLIMIT_CPU, &rl) != 0) {
        return;
    }
    rl.rlim_cur = (rlim_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + 1 + c->worker_max_cpu_seconds);
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_cur > rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
    }
    setrlimit(RLIMIT_CPU, &rl);
}

static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0) {
        return -1;
    }
    n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

static unsigned long locked_flags(const char *path)
{
    struct statvfs sv;
    unsigned long f = 0;

    if (statvfs(path, &sv) != 0) {
        return 0;
    }
    if (sv.f_flag & ST_NOSUID) {
        f |= MS_NOSUID;
    }
    if (sv.f_flag & ST_NODEV) {
        f |= MS_NODEV;
    }
    if (sv.f_flag & ST_NOEXEC) {
        f |= MS_NOEXEC;
    }
    if (sv.f_flag & ST_NOATIME) {
        f |= MS_NOATIME;
    }
    if (sv.f_flag & ST_NODIRATIME) {
        f |= MS_NODIRATIME;
    }
    if (sv.f_flag & ST_RELATIME) {
        f |= MS_RELATIME;
    }
    return f;
}

static int bind_readonly(const char *path)
{
    struct stat st;

    if (stat(path, &st) != 0) {
        return 0; /* nothing there to protect */
    }
    if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) != 0 ||
        mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | locked_flags(path), NULL) != 0) {
        return -1;
    }
    return 0;
}

static void drop_capabilities(void)
{
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    int cap;

    for (cap = 0; cap <= 63; cap++) {
        prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
    }
    memset(d, 0, sizeof(d));
    syscall(SYS_capset, &h, d);
}

/* Layer 3. Returns 0 when every protected path is read-only. */
static int protect_paths(const struct octo_config *c)
{
    char map[64];
    char wal[4200];
    uid_t uid = getuid();
    gid_t gid = getgid();
    const char *paths[12];
    int n = 0;
    int i;
    int bad = 0;

    if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
        return -1;
    }
    write_file("/proc/self/setgroups", "deny");
    snprintf(map, sizeof(map), "%u %u 1", (unsigned)uid, (unsigned)uid);
    if (write_file("/proc/self/uid_map", map) != 0) {
        drop_capabilities();
        return -1;
    }
    snprintf(map, sizeof(map), "%u %u 1", (unsigned)gid, (unsigned)gid);
    write_file("/proc/self/gid_map", map);
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
        drop_capabilities();
        return -1;
    }
    paths[n++] = c->secrets_path;
    paths[n++] = c->config_file;
    paths[n++] = c->flows_path;
    paths[n++] = c->templates_path;
    paths[n++] = c->lock_path;
    paths[n++] = c->log_path;
    paths[n++] = c->jobs_db;
    for (i = 0; i < n; i++) {
        if (bind_readonly(paths[i]) != 0) {
            octo_log(OCTO_LOG_WARN, "worker sandbox: cannot make %s read-only: %s", paths[i],
                     strerror(errno));
            bad = 1;
        }
    }
    snprintf(wal, sizeof(wal), "%s-wal", c->jobs_db);
    bad |= bind_readonly(wal) != 0;
    snprintf(wal, sizeof(wal), "%s-shm", c->jobs_db);
    bad |= bind_readonly(wal) != 0;
    drop_capabilities();
    return bad ? -1 : 0;
}

static void ll_add(int ruleset, const char *path, __u64 access, __u64 handled)
{
    struct landlock_path_beneath_attr pb;
    struct stat st;
    int fd;

    if (path == NULL || path[0] == '\0') {
        return;
    }
    fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0) {
        return;
    }
    if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode)) {
        /* a file: only file rights apply */
        access &= LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |
                  LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE;
    }
    pb.allowed_access = access & handled;
    pb.parent_fd = fd;
    syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
    close(fd);
}

/* Layer 4. Returns the Landlock ABI used, 0 when unavailable. */
static int landlock(const struct octo_config *c)
{
    static const char *const system_read[] = {"/usr",
                                              "/lib",
                                              "/lib64",
                                              "/lib32",
                                              "/bin",
                                              "/etc/ssl",
                                              "/etc/ca-certificates",
                                              "/etc/pki",
                                              "/etc/hosts",
                                              "/etc/resolv.conf",
                                              "/etc/nsswitch.conf",
                                              "/etc/host.conf",
                                              "/etc/gai.conf",
                                              "/etc/localtime",
                                              "/etc/services",
                                              "/etc/protocols",
                                              "/etc/ld.so.cache",
                                              "/etc/ld.so.conf",
                                              "/etc/ld.so.conf.d",
                                              "/dev/urandom",
                                              "/dev/random",
                                              NULL};
    const __u64 read = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
    const __u64 exec = read | LANDLOCK_ACCESS_FS_EXECUTE;
    __u64 write = LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |
                  LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_DIR |
                  LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SYM;
    struct landlock_ruleset_attr attr;
    __u64 handled;
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
    int rs;
    size_t i;
    char dir[4200];
    const char *p;

    if (abi < 1) {
        return 0;
    }
    handled = exec | write | LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_SOCK |
              LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK;
    if (abi >= 2) {
        handled |= LANDLOCK_ACCESS_FS_REFER;
        write |= LANDLOCK_ACCESS_FS_REFER;
    }
    if (abi >= 3) {
        handled |= LANDLOCK_ACCESS_FS_TRUNCATE;
        write |= LANDLOCK_ACCESS_FS_TRUNCATE;
    }
    memset(&attr, 0, sizeof(attr));
    attr.handled_access_fs = handled;
    rs = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
    if (rs < 0) {
        return 0;
    }
    for (i = 0; system_read[i] != NULL; i++) {
        ll_add(rs, system_read[i], exec, handled);
    }
    ll_add(rs, "/dev/null", read | LANDLOCK_ACCESS_FS_WRITE_FILE, handled);
    /* plugins: PLUGINS_PATH entries and the usual places (already loaded,
     * but a plugin may dlopen a helper beside itself) */
    for (p = c->plugins_path; *p != '\0';) {
        size_t len = strcspn(p, ":");

        snprintf(dir, sizeof(dir), "%.*s", (int)len, p);
        ll_add(rs, dir, exec, handled);
        p += len + (p[len] == ':');
    }
    {
        ssize_t n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
        char *slash;

        dir[n > 0 ? n : 0] = '\0';
        slash = strrchr(dir, '/');
        if (slash != NULL) {
            snprintf(slash, sizeof(dir) - (size_t)(slash - dir), "/plugins");
            ll_add(rs, dir, exec, handled);
        }
    }
    ll_add(rs, c->flows_path, read, handled);
    ll_add(rs, c->templates_path, read, handled);
    ll_add(rs, c->secrets_path, read, handled);
    ll_add(rs, c->ca_file, read, handled);
    ll_add(rs, getenv("VAULT_CACERT"), read, handled);
    ll_add(rs, c->data_path, read | write, handled);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        syscall(SYS_landlock_restrict_self, rs, 0) != 0) {
        close(rs);
        return 0;
    }
    close(rs);
    return (int)abi;
}

void octo_sandbox_apply(int *landlock_abi, int *protected_ro)
{
    const struct octo_config *c = octo_config();
    int ll;
    int prot;

    *landlock_abi = 0;
    *protected_ro = 0;
    if (c == NULL) {
        return;
    }
    limits(c);
    scrub_environment();
    if (!c->worker_sandbox) {
        return;
    }
    prot = protect_paths(c);
    ll = landlock(c);
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    *landlock_abi = ll;
    *protected_ro = prot == 0;
    octo_log(OCTO_LOG_DEBUG, "worker %ld sandbox: landlock %s, protected files %s", (long)getpid(),
             ll > 0 ? "on" : "unavailable", prot == 0 ? "read-only" : "not isolated");
    if (prot != 0 || ll == 0) {
        /* say it once per worker at WARNING: an operator should know */
        octo_log(OCTO_LOG_WARN,
                 "worker %ld: sandbox incomplete (landlock %s, read-only protected files %s): "
                 "plugins are confined by Octoflow's path checks only where the kernel "
                 "refused",
                 (long)getpid(), ll > 0 ? "on" : "unavailable", prot == 0 ? "yes" : "no");
    }
}
