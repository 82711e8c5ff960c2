/* supervisor.c - worker processes, from the service's side (see
 * supervisor.h and worker.h).
 *
 * DESIGN
 * ------
 * Everything about workers is owned by one thread (sup_main) and never
 * locked: other threads only append commands (submit, cancel, stop)
 * under S.mu and poke an eventfd. The thread polls the zygote's socket,
 * every worker's socket and stderr pipe, and the eventfd; its poll
 * timeout is the nearest deadline it must act on (a hard deadline, the
 * end of a kill grace, the next memory check, a spawn backoff).
 *
 * A worker's death is known from the zygote (Z_DIED with the wait
 * status). Before the job is failed the worker's socket is drained: a
 * worker that sent its result and then died (or was recycled) finished
 * its job. The failure message is built from why it died, in order of
 * what we know best: we killed it (timeout, cancel, memory, shutdown),
 * it ran out of memory (its stderr says so), it was killed by a signal
 * in a step (the status page), it exited.
 *
 * PROTOCOL (frames: wire.h)
 * --------
 *   service                        zygote                  worker
 *   Z_SPAWN  ------------------->  fork()
 *            <-------------------  Z_SPAWNED {pid} + socket, stderr, page
 *            <-------------------------------------------  W_READY
 *   W_JOB {id, flow, input, deadline} ------------------>  runs it
 *            <-------------------------------------------  W_STEP, W_LOG...
 *            <-------------------------------------------  W_RESULT
 *   W_CANCEL {id} -------------------------------------->  cancels the run
 *   W_EXIT (an idle worker) ---------------------------->  exits
 *            <-------------------  Z_DIED {pid, status}
 * and W_CHECK / W_CHECKED, a flow's full check (flow_check.c), answered
 * by the worker's control thread even while it runs a job.
 *
 * Why the pieces are there:
 * - The deadline travels as an absolute CLOCK_MONOTONIC instant (one
 *   clock for every process of the machine): time a job waited in the
 *   queue here counts against its timeout, as it does for a job run in
 *   the service's threads.
 * - The worker cancels its run at the deadline itself; hard_deadline is
 *   that instant plus KILL_GRACE, for a worker that cannot stop (a jq
 *   program is not interruptible, a plugin may ignore its ctx): SIGKILL.
 *   W_CANCEL gets the same grace (kill_at).
 * - A worker killed by a signal sends nothing more, so it writes the step
 *   it is in to its status page (shared memory, a seqlock: worker.h)
 *   before each step; the job's error then names the step that crashed.
 * - Its stderr is a pipe read here: the out-of-memory line (xalloc.c, the
 *   worker's crash handler) and a plugin's last words reach the job's
 *   error and the log, not a terminal nobody reads.
 * - Busy workers' resident memory is read every RSS_CHECK_EVERY and a
 *   worker over WORKER_MAX_MEMORY_MB is killed: the address-space limit
 *   (sandbox.c) is the first line, but ASan's reservations force it off
 *   in sanitizer builds.
 * - A worker is recycled (W_EXIT) after WORKER_MAX_JOBS jobs, which
 *   bounds what a leak in a plugin can grow to; an idle worker that ran a
 *   flow recently is picked for it (RECENT_FLOWS): its flow cache holds
 *   the compiled flow, jq programs included.
 */
#include "supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "errors.h"
#include "job.h"
#include "log.h"
#include "sanitizer.h"
#include "step_row.h"
#include "wire.h"
#include "worker.h"
#include "xalloc.h"

#define MAX_WORKERS     256
#define RSS_CHECK_EVERY 0.25 /* seconds, busy workers */
#define RECENT_FLOWS    8

enum { W_DEAD = 0, W_STARTING, W_IDLE, W_BUSY, W_EXITING };
enum { K_NONE = 0, K_TIMEOUT, K_CANCEL, K_MEMORY, K_SHUTDOWN, K_STUCK };

extern char **environ;

struct wproc {
    int state;
    pid_t pid;
    int sock;
    int errfd;
    struct octo_worker_page *page;
    struct octo_job *job;
    double hard_deadline; /* monotonic seconds; 0: none */
    double kill_at;       /* end of a cancel/shutdown grace; 0: none */
    int killed;           /* K_*: why we sent SIGKILL */
    long rss_mb;          /* at the kill, for the message */
    double next_rss;
    struct octo_wire_in in;
    char tail[3][256]; /* the last stderr lines */
    int ntail;
    char partial[512];
    size_t npartial;
    long jobs_done;
    unsigned long long recent[RECENT_FLOWS];
    int nrecent;
    int exited;
    int status;
};

/* A flow check asked by another thread (octo_supervisor_check). */
struct check {
    long id;
    char *flow;
    int sent_to; /* worker index, -1 while not sent */
    pid_t pid;
    int done;
    int ok;
    int abandoned; /* the asker gave up: whoever finishes it frees it */
    char msg[OCTO_ERROR_MSG_LEN];
    json_t *errors;
    json_t *warnings;
    struct check *next;
};

struct cmd {
    int cancel;           /* 0: submit */
    struct octo_job *job; /* a reference */
    struct cmd *next;
};

static struct {
    pthread_mutex_t mu;
    struct cmd *cmds;
    struct cmd *cmds_tail;
    int stop;
    int running;
    pthread_t thread;
    int wake;
    char exe[4096];
    int target;
    /* the thread's own */
    int zctl;
    pid_t zpid;
    struct octo_wire_in zin;
    int pending_spawns;
    double next_spawn;  /* backoff after failures */
    int start_failures; /* workers that died before READY, in a row */
    double zygote_restart_at;
    struct octo_job **queue;
    size_t nqueue;
    size_t capqueue;
    struct wproc *w; /* target slots, allocated at start (untouched
                        static slots cost 395 KiB of dirty memory) */
    /* stats, read by other threads under mu */
    long spawned;
    long crashes;
    long killed;
    int n_idle;
    int n_busy;
    int n_starting;
    int landlock;
    int protected_ro;
    /* flow checks: under mu */
    struct check *checks;
    long next_check_id;
    pthread_cond_t check_cv;
} S = {
    .mu = PTHREAD_MUTEX_INITIALIZER, .check_cv = PTHREAD_COND_INITIALIZER, .zctl = -1, .wake = -1};

static unsigned long long fnv(const char *s);

static void check_free(struct check *c)
{
    free(c->flow);
    json_decref(c->errors);
    json_decref(c->warnings);
    free(c);
}

/* Finish a check (caller holds S.mu). Frees it when its asker is gone. */
static void check_done_locked(struct check *c)
{
    struct check **p;

    c->done = 1;
    if (c->abandoned) {
        for (p = &S.checks; *p != NULL; p = &(*p)->next) {
            if (*p == c) {
                *p = c->next;
                break;
            }
        }
        check_free(c);
    }
    pthread_cond_broadcast(&S.check_cv);
}

static void remember_flow(struct wproc *w, const char *flow)
{
    w->recent[w->nrecent % RECENT_FLOWS] = fnv(flow);
    w->nrecent++;
}

static void on_checked(struct wproc *w, const char *data, size_t len)
{
    json_t *m = json_loadb(data, len, 0, NULL);
    long id = (long)json_integer_value(json_object_get(m, "id"));
    struct check *c;

    pthread_mutex_lock(&S.mu);
    for (c = S.checks; c != NULL; c = c->next) {
        if (c->id == id && !c->done && c->pid == w->pid) {
            const char *msg = json_string_value(json_object_get(m, "message"));

            c->ok = json_is_true(json_object_get(m, "ok"));
            remember_flow(w, c->flow); /* it has the flow compiled now */
            snprintf(c->msg, sizeof(c->msg), "%s", msg != NULL ? msg : "");
            c->errors = json_incref(json_object_get(m, "errors"));
            c->warnings = json_incref(json_object_get(m, "warnings"));
            check_done_locked(c);
            break;
        }
    }
    pthread_mutex_unlock(&S.mu);
    json_decref(m);
}

/* A worker died: its pending checks fail with why. */
static void checks_of_dead(pid_t pid, const char *why)
{
    struct check *c;
    struct check *next;

    pthread_mutex_lock(&S.mu);
    for (c = S.checks; c != NULL; c = next) {
        next = c->next;
        if (!c->done && c->sent_to >= 0 && c->pid == pid) {
            c->ok = 0;
            snprintf(c->msg, sizeof(c->msg),
                     "checking the flow crashed the worker that loaded it "
                     "(%s): a plugin's prepare() or libjq's compiler failed on it",
                     why);
            check_done_locked(c);
        }
    }
    pthread_mutex_unlock(&S.mu);
}

static double mono(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned long long fnv(const char *s)
{
    unsigned long long h = 1469598103934665603ULL;

    for (; *s != '\0'; s++) {
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    }
    return h;
}

static void poke(void)
{
    uint64_t one = 1;

    if (write(S.wake, &one, sizeof(one)) < 0) {
        /* the counter is already non-zero: the thread wakes anyway */
    }
}

static int start_zygote(void)
{
    int sv[2];
    posix_spawn_file_actions_t fa;
    char *argv[3];
    pid_t pid;
    int rc;

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        return -1;
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, sv[1], 3);
    argv[0] = (char *)"octoflow";
    argv[1] = (char *)"__zygote";
    argv[2] = NULL;
#if OCTO_ASAN
    {
        /* A worker whose plugin calls exit() mid-run has live allocations
         * by design: LeakSanitizer's check at exit would report them and
         * change the exit status the service reports. Workers end with
         * _exit() otherwise, so no check is lost. */
        size_t n = 0;
        size_t i;
        size_t k = 0;
        char **env;
        char opt[1024];
        const char *old = getenv("ASAN_OPTIONS");

        while (environ[n] != NULL) {
            n++;
        }
        env = octo_xcalloc(n + 2, sizeof(*env));
        for (i = 0; i < n; i++) {
            if (strncmp(environ[i], "ASAN_OPTIONS=", 13) != 0) {
                env[k++] = environ[i];
            }
        }
        snprintf(opt, sizeof(opt), "ASAN_OPTIONS=%s%sleak_check_at_exit=0", old != NULL ? old : "",
                 old != NULL && old[0] != '\0' ? ":" : "");
        env[k] = opt;
        rc = posix_spawn(&pid, S.exe, &fa, NULL, argv, env);
        free(env);
    }
#else
    rc = posix_spawn(&pid, S.exe, &fa, NULL, argv, environ);
#endif
    posix_spawn_file_actions_destroy(&fa);
    close(sv[1]);
    if (rc != 0) {
        close(sv[0]);
        octo_log(OCTO_LOG_ERROR, "cannot start the worker zygote %s: %s", S.exe, strerror(rc));
        return -1;
    }
    S.zctl = sv[0];
    S.zpid = pid;
    S.pending_spawns = 0;
    memset(&S.zin, 0, sizeof(S.zin));
    return 0;
}

static void stats_update(void)
{
    int i;
    int idle = 0;
    int busy = 0;
    int starting = 0;

    for (i = 0; i < S.target; i++) {
        idle += S.w[i].state == W_IDLE;
        busy += S.w[i].state == W_BUSY;
        starting += S.w[i].state == W_STARTING;
    }
    pthread_mutex_lock(&S.mu);
    S.n_idle = idle;
    S.n_busy = busy;
    S.n_starting = starting + S.pending_spawns;
    pthread_mutex_unlock(&S.mu);
}

static struct wproc *slot_free(void)
{
    int i;

    for (i = 0; i < S.target; i++) {
        if (S.w[i].state == W_DEAD && S.w[i].pid == 0) {
            return &S.w[i];
        }
    }
    return NULL;
}

static struct wproc *by_pid(pid_t pid)
{
    int i;

    for (i = 0; i < S.target; i++) {
        if (S.w[i].pid == pid) {
            return &S.w[i];
        }
    }
    return NULL;
}

static void kill_worker(struct wproc *w, int why)
{
    if (w->pid > 0 && !w->killed) {
        w->killed = why;
        kill(w->pid, SIGKILL);
        pthread_mutex_lock(&S.mu);
        S.killed++;
        pthread_mutex_unlock(&S.mu);
    }
}

static const char *signame(int sig)
{
    switch (sig) {
    case SIGSEGV:
        return "SIGSEGV";
    case SIGABRT:
        return "SIGABRT";
    case SIGBUS:
        return "SIGBUS";
    case SIGFPE:
        return "SIGFPE";
    case SIGILL:
        return "SIGILL";
    case SIGKILL:
        return "SIGKILL";
    case SIGTERM:
        return "SIGTERM";
    case SIGXCPU:
        return "SIGXCPU";
    case SIGXFSZ:
        return "SIGXFSZ";
    case SIGSYS:
        return "SIGSYS";
    default:
        return "a signal";
    }
}

static int tail_says_oom(const struct wproc *w)
{
    int i;

    for (i = 0; i < w->ntail && i < 3; i++) {
        if (strstr(w->tail[i], "out of memory") != NULL ||
            strstr(w->tail[i], "cannot allocate memory") != NULL ||
            strstr(w->tail[i], "std::bad_alloc") != NULL) {
            return 1;
        }
    }
    return 0;
}

/* The message of a job whose worker died under it, and its status. */
static int death_message(struct wproc *w, char *msg, size_t cap, char *step, size_t scap)
{
    const struct octo_config *c = octo_config();
    struct octo_worker_page pg;
    char where[400] = "";
    char last[300] = "";
    int sig = WIFSIGNALED(w->status) ? WTERMSIG(w->status) : 0;
    double timeout = w->job != NULL ? w->job->timeout : 0;

    memset(&pg, 0, sizeof(pg));
    step[0] = '\0';
    if (w->page != NULL) {
        octo_worker_page_read(w->page, &pg);
    }
    if (pg.step[0] != '\0') {
        snprintf(where, sizeof(where), " in step '%s' (%s)", pg.step, pg.type);
        snprintf(step, scap, "%s", pg.step);
    } else {
        snprintf(where, sizeof(where), " before its first step");
    }
    if (w->ntail > 0) {
        snprintf(last, sizeof(last), ": %s", w->tail[(w->ntail - 1) % 3]);
    }
    switch (w->killed) {
    case K_TIMEOUT:
        snprintf(msg, cap,
                 "the run timed out after %g seconds; it did not stop%s and its worker was "
                 "killed after KILL_GRACE_SECONDS=%d",
                 timeout, where, c->kill_grace);
        return OCTO_RUN_TIMEOUT;
    case K_CANCEL:
        snprintf(msg, cap,
                 "the run was cancelled; it did not stop%s and its worker was killed after "
                 "KILL_GRACE_SECONDS=%d",
                 where, c->kill_grace);
        return OCTO_RUN_CANCELLED;
    case K_SHUTDOWN:
        snprintf(msg, cap, "the service shut down while the run was%s; its worker was killed",
                 where);
        return OCTO_RUN_CANCELLED;
    case K_MEMORY:
        snprintf(msg, cap,
                 "out of memory: the worker used %ld MiB%s, more than WORKER_MAX_MEMORY_MB=%d",
                 w->rss_mb, where, c->worker_max_memory_mb);
        return OCTO_RUN_FAILED;
    case K_STUCK:
        snprintf(msg, cap, "the worker stopped answering%s and was killed", where);
        return OCTO_RUN_FAILED;
    default:
        break;
    }
    if (sig == SIGXCPU) {
        snprintf(msg, cap, "CPU time limit (WORKER_MAX_CPU_SECONDS=%d) exceeded%s",
                 c->worker_max_cpu_seconds, where);
    } else if (tail_says_oom(w)) {
        snprintf(msg, cap, "out of memory (WORKER_MAX_MEMORY_MB=%d): worker crashed: %s%s%s",
                 c->worker_max_memory_mb, sig != 0 ? signame(sig) : "exit", where, last);
    } else if (sig != 0) {
        snprintf(msg, cap, "worker crashed: %s%s%s", signame(sig), where, last);
    } else {
        snprintf(msg, cap, "worker exited with status %d%s%s", WEXITSTATUS(w->status), where, last);
    }
    return OCTO_RUN_FAILED;
}

static void read_stderr(struct wproc *w, int final)
{
    char buf[4096];
    ssize_t n;

    while (w->errfd >= 0 && (n = read(w->errfd, buf, sizeof(buf))) > 0) {
        ssize_t i;

        for (i = 0; i < n; i++) {
            if (buf[i] == '\n' || w->npartial == sizeof(w->partial) - 1) {
                w->partial[w->npartial] = '\0';
                if (w->npartial > 0) {
                    octo_log(OCTO_LOG_WARN, "worker %ld: %s", (long)w->pid, w->partial);
                    snprintf(w->tail[w->ntail % 3], sizeof(w->tail[0]), "%s", w->partial);
                    w->ntail++;
                }
                w->npartial = 0;
            } else {
                w->partial[w->npartial++] = buf[i];
            }
        }
    }
    if (final && w->npartial > 0) {
        w->partial[w->npartial] = '\0';
        octo_log(OCTO_LOG_WARN, "worker %ld: %s", (long)w->pid, w->partial);
        snprintf(w->tail[w->ntail % 3], sizeof(w->tail[0]), "%s", w->partial);
        w->ntail++;
        w->npartial = 0;
    }
}

static int knows_flow(const struct wproc *w, unsigned long long h)
{
    int i;

    for (i = 0; i < RECENT_FLOWS && i < w->nrecent; i++) {
        if (w->recent[i] == h) {
            return 1;
        }
    }
    return 0;
}

static void send_exit(struct wproc *w)
{
    if (octo_wire_send(w->sock, W_EXIT, "", 0) != 0) {
        kill_worker(w, K_STUCK);
    }
    w->state = W_EXITING;
}

static void on_result(struct wproc *w, const char *data, size_t len)
{
    const struct octo_config *c = octo_config();
    json_t *m = json_loadb(data, len, JSON_DECODE_ANY, NULL);
    struct octo_job *j = w->job;

    if (m == NULL) { /* an integer beyond 64 bits: keep the rest exact */
        m = json_loadb(data, len, JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, NULL);
    }

    if (j == NULL) {
        json_decref(m);
        return;
    }
    if (m == NULL) { /* a huge integer, or a worker gone mad: fail the job */
        octo_job_finish(j, OCTO_RUN_FAILED, "the worker's result could not be read", NULL, NULL, 0);
    } else {
        json_t *data_v = json_object_get(m, "data");

        octo_job_finish(j, (int)json_integer_value(json_object_get(m, "status")),
                        json_string_value(json_object_get(m, "message")),
                        json_string_value(json_object_get(m, "step")),
                        data_v != NULL ? json_incref(data_v) : NULL,
                        (long)json_integer_value(json_object_get(m, "steps_dropped")));
        json_decref(m);
    }
    octo_job_unref(j);
    w->job = NULL;
    w->hard_deadline = 0;
    w->kill_at = 0;
    w->jobs_done++;
    w->state = W_IDLE;
    if (c->worker_max_jobs > 0 && w->jobs_done >= c->worker_max_jobs) {
        send_exit(w); /* recycle: bounds what a leak in a plugin can grow to */
    }
}

static void on_frames(struct wproc *w)
{
    int type;
    const char *data;
    size_t len;
    int rc;

    while ((rc = octo_wire_next(&w->in, &type, &data, &len)) == 1) {
        switch (type) {
        case W_READY: {
            json_t *m = json_loadb(data, len, 0, NULL);

            if (w->state == W_STARTING) {
                w->state = W_IDLE;
            }
            S.start_failures = 0;
            pthread_mutex_lock(&S.mu);
            S.landlock = (int)json_integer_value(json_object_get(m, "landlock"));
            S.protected_ro = json_is_true(json_object_get(m, "protected"));
            pthread_mutex_unlock(&S.mu);
            json_decref(m);
            break;
        }
        case W_STEP:
            if (w->job != NULL) {
                struct octo_step_row *row = octo_step_row_decode(data, len);

                if (row != NULL) {
                    octo_job_step(w->job, row);
                }
            }
            break;
        case W_LOG:
            if (len > 1) {
                octo_log_write_raw(data[0], data + 1, len - 1);
            }
            break;
        case W_RESULT:
            on_result(w, data, len);
            break;
        case W_CHECKED:
            on_checked(w, data, len);
            break;
        default:
            break;
        }
    }
    if (rc < 0) {
        octo_log(OCTO_LOG_ERROR, "worker %ld sent a malformed frame: killed", (long)w->pid);
        kill_worker(w, K_STUCK);
    }
}

static void drain_socket(struct wproc *w)
{
    long n;

    if (w->sock < 0) {
        return;
    }
    while ((n = octo_wire_fill(w->sock, &w->in)) > 0) {
        on_frames(w);
    }
    on_frames(w);
}

static void release(struct wproc *w)
{
    if (w->sock >= 0) {
        close(w->sock);
    }
    if (w->errfd >= 0) {
        close(w->errfd);
    }
    if (w->page != NULL) {
        munmap(w->page, sizeof(*w->page));
    }
    octo_wire_in_free(&w->in);
    memset(w, 0, sizeof(*w));
    w->sock = -1;
    w->errfd = -1;
    w->state = W_DEAD;
}

/* The step a dead worker was running, as its timeline row: its start
 * event may have died in the worker's buffer, the status page did not. */
static void crash_row(struct wproc *w)
{
    struct octo_worker_page pg;
    struct octo_step_event ev;

    if (w->page == NULL) {
        return;
    }
    octo_worker_page_read(w->page, &pg);
    if (pg.step[0] == '\0' || pg.seq <= 0) {
        return;
    }
    memset(&ev, 0, sizeof(ev));
    ev.seq = pg.seq;
    ev.depth = pg.depth;
    ev.name = pg.step;
    ev.type = pg.type;
    ev.flow = pg.flow;
    ev.started = octo_now();
    ev.attempt = 1;
    /* a row the job already has keeps its start time; this one only
     * fills the gap, then finishing the job marks it aborted with the
     * job's message (the crash) */
    octo_job_step_if_new(w->job, octo_step_row_from_event(&ev, 0));
}

static void on_death(struct wproc *w)
{
    drain_socket(w);
    read_stderr(w, 1);
    {
        char why[160];

        snprintf(why, sizeof(why), "%s%s",
                 WIFSIGNALED(w->status) ? signame(WTERMSIG(w->status)) : "exit",
                 w->ntail > 0 ? "" : "");
        checks_of_dead(w->pid, why);
    }
    if (w->job != NULL) {
        char msg[OCTO_ERROR_MSG_LEN];
        char step[160];
        int status = death_message(w, msg, sizeof(msg), step, sizeof(step));

        if (!w->killed || w->killed == K_MEMORY || w->killed == K_STUCK) {
            pthread_mutex_lock(&S.mu);
            S.crashes++;
            pthread_mutex_unlock(&S.mu);
        }
        octo_log(OCTO_LOG_ERROR, "[job %.8s] %s (worker %ld)", w->job->id, msg, (long)w->pid);
        crash_row(w);
        octo_job_finish(w->job, status, msg, step, NULL, 0);
        octo_job_unref(w->job);
        w->job = NULL;
    } else if (w->state == W_STARTING) {
        S.start_failures++;
        octo_log(OCTO_LOG_ERROR, "worker %ld died while starting (%s %d)%s%s", (long)w->pid,
                 WIFSIGNALED(w->status) ? "signal" : "status",
                 WIFSIGNALED(w->status) ? WTERMSIG(w->status) : WEXITSTATUS(w->status),
                 w->ntail > 0 ? ": " : "", w->ntail > 0 ? w->tail[(w->ntail - 1) % 3] : "");
        S.next_spawn = mono() + (S.start_failures > 3 ? 5.0 : 0.2 * S.start_failures);
    }
    release(w);
}

static void on_zygote(void)
{
    int type;
    const char *data;
    size_t len;
    long n = octo_wire_fill(S.zctl, &S.zin);

    if (n == 0 || n == -2) {
        int i;

        octo_log(OCTO_LOG_ERROR, "the worker zygote exited: its workers are gone too; "
                                 "starting a new one");
        close(S.zctl);
        S.zctl = -1;
        waitpid(S.zpid, NULL, 0);
        octo_wire_in_free(&S.zin);
        for (i = 0; i < S.target; i++) {
            if (S.w[i].pid > 0) {
                S.w[i].status = SIGKILL; /* as "killed by a signal" */
                on_death(&S.w[i]);
            }
        }
        S.zygote_restart_at = mono() + 1.0;
        return;
    }
    while (octo_wire_next(&S.zin, &type, &data, &len) == 1) {
        json_t *m = json_loadb(data, len, 0, NULL);
        pid_t pid = (pid_t)json_integer_value(json_object_get(m, "pid"));

        if (type == Z_SPAWNED) {
            struct wproc *w = slot_free();
            int sock = octo_wire_take_fd(&S.zin);
            int errfd = octo_wire_take_fd(&S.zin);
            int pfd = octo_wire_take_fd(&S.zin);
            void *page = pfd >= 0 ? mmap(NULL, sizeof(struct octo_worker_page), PROT_READ,
                                         MAP_SHARED, pfd, 0)
                                  : MAP_FAILED;

            if (pfd >= 0) {
                close(pfd);
            }
            S.pending_spawns--;
            if (w == NULL || sock < 0 || errfd < 0) {
                if (sock >= 0) {
                    close(sock);
                }
                if (errfd >= 0) {
                    close(errfd);
                }
                if (page != MAP_FAILED) {
                    munmap(page, sizeof(struct octo_worker_page));
                }
                kill(pid, SIGKILL);
            } else {
                struct timeval tv = {5, 0};

                octo_wire_in_free(&w->in); /* released slots hold none: cheap insurance */
                memset(w, 0, sizeof(*w));
                w->state = W_STARTING;
                w->pid = pid;
                w->sock = sock;
                w->errfd = errfd;
                w->page = page != MAP_FAILED ? page : NULL;
                fcntl(errfd, F_SETFL, O_NONBLOCK);
                /* a worker that stops reading cannot block this thread */
                setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
                pthread_mutex_lock(&S.mu);
                S.spawned++;
                pthread_mutex_unlock(&S.mu);
            }
        } else if (type == Z_DIED) {
            struct wproc *w = by_pid(pid);

            if (w != NULL) {
                w->exited = 1;
                w->status = (int)json_integer_value(json_object_get(m, "status"));
                on_death(w);
            }
        }
        json_decref(m);
    }
}

/* Keep S.target workers alive, spawned ahead of demand: a launch then
 * finds a worker waiting instead of paying for a fork and its start. A
 * zygote that died is restarted at most every 5 s (one that cannot start
 * - a plugin crashing at load - must not spin this thread). */
static void spawn_more(void)
{
    int live = 0;
    int i;

    if (S.zctl < 0) {
        if (S.zygote_restart_at > 0 && mono() >= S.zygote_restart_at && !S.stop) {
            S.zygote_restart_at = 0;
            if (start_zygote() != 0) {
                S.zygote_restart_at = mono() + 5.0;
            }
        }
        return;
    }
    if (mono() < S.next_spawn) {
        return;
    }
    for (i = 0; i < S.target; i++) {
        live += S.w[i].state != W_DEAD || S.w[i].pid != 0;
    }
    while (live + S.pending_spawns < S.target) {
        if (octo_wire_send(S.zctl, Z_SPAWN, "", 0) != 0) {
            break;
        }
        S.pending_spawns++;
    }
}

static void finish_queued(struct octo_job *j, const char *why)
{
    octo_job_finish(j, OCTO_RUN_CANCELLED, why, NULL, NULL, 0);
    octo_job_unref(j);
}

/* Send the checks nobody has taken yet: to an idle worker when there is
 * one (a crash then costs no job), else to any ready one. */
static void send_checks(void)
{
    struct check *c;
    int i;

    pthread_mutex_lock(&S.mu);
    for (c = S.checks; c != NULL; c = c->next) {
        struct wproc *pick = NULL;
        char *text;
        json_t *m;

        if (c->sent_to >= 0 || c->done) {
            continue;
        }
        for (i = 0; i < S.target; i++) {
            if (S.w[i].state == W_IDLE) {
                pick = &S.w[i];
                break;
            }
            if (S.w[i].state == W_BUSY && pick == NULL) {
                pick = &S.w[i];
            }
        }
        if (pick == NULL) {
            break; /* no worker ready yet: next round */
        }
        m = json_pack("{s:I, s:s}", "id", (json_int_t)c->id, "flow", c->flow);
        text = json_dumps(m, JSON_COMPACT);
        json_decref(m);
        if (text != NULL && octo_wire_send(pick->sock, W_CHECK, text, strlen(text)) == 0) {
            c->sent_to = (int)(pick - S.w);
            c->pid = pick->pid;
            octo_log(OCTO_LOG_DEBUG, "flow %s: checked by worker %ld", c->flow, (long)pick->pid);
        }
        free(text);
    }
    pthread_mutex_unlock(&S.mu);
}

static int any_ready(void)
{
    int i;

    for (i = 0; i < S.target; i++) {
        if (S.w[i].state == W_IDLE || S.w[i].state == W_BUSY) {
            return 1;
        }
    }
    return 0;
}

static void dispatch(void)
{
    const struct octo_config *c = octo_config();

    /* workers that die before they are ready, again and again (a plugin
     * crashing at load, a sandbox the kernel refuses): fail what waits
     * instead of letting it wait forever */
    if (S.start_failures >= 5 && !any_ready()) {
        while (S.nqueue > 0) {
            struct octo_job *j = S.queue[--S.nqueue];

            octo_job_finish(j, OCTO_RUN_FAILED,
                            "no worker process could start (see the service log)", NULL, NULL, 0);
            octo_job_unref(j);
        }
        return;
    }
    while (S.nqueue > 0) {
        struct octo_job *j = S.queue[0];
        unsigned long long h = fnv(j->flow_path);
        struct wproc *pick = NULL;
        json_t *msg;
        char *text;
        int i;
        int cancelled;

        pthread_mutex_lock(&j->mu);
        cancelled = j->cancel_requested;
        pthread_mutex_unlock(&j->mu);
        if (cancelled) {
            memmove(S.queue, S.queue + 1, (S.nqueue - 1) * sizeof(*S.queue));
            S.nqueue--;
            finish_queued(j, "the job was cancelled before it started");
            continue;
        }
        for (i = 0; i < S.target; i++) {
            if (S.w[i].state == W_IDLE) {
                if (pick == NULL || knows_flow(&S.w[i], h)) {
                    pick = &S.w[i];
                }
                if (knows_flow(&S.w[i], h)) {
                    break;
                }
            }
        }
        if (pick == NULL) {
            return;
        }
        memmove(S.queue, S.queue + 1, (S.nqueue - 1) * sizeof(*S.queue));
        S.nqueue--;
        msg = json_pack("{s:s, s:s, s:O, s:I, s:I, s:f, s:s}", "id", j->id, "flow", j->flow_path,
                        "input", j->input, "deadline_sec", (json_int_t)j->cancel.deadline.tv_sec,
                        "deadline_nsec", (json_int_t)j->cancel.deadline.tv_nsec, "timeout",
                        j->timeout, "source", j->source);
        text = json_dumps(msg, JSON_COMPACT | JSON_ENCODE_ANY);
        json_decref(msg);
        if (text == NULL || octo_wire_send(pick->sock, W_JOB, text, strlen(text)) != 0) {
            free(text);
            kill_worker(pick, K_STUCK);
            pick->state = W_EXITING;
            /* back to the front of the queue for another worker */
            memmove(S.queue + 1, S.queue, S.nqueue * sizeof(*S.queue));
            S.queue[0] = j;
            S.nqueue++;
            continue;
        }
        free(text);
        pick->job = j; /* the queue's reference */
        pick->state = W_BUSY;
        pick->killed = K_NONE;
        pick->next_rss = mono() + RSS_CHECK_EVERY;
        pick->hard_deadline = j->cancel.deadline.tv_sec != 0
                                  ? (double)j->cancel.deadline.tv_sec +
                                        (double)j->cancel.deadline.tv_nsec / 1e9 +
                                        (double)c->kill_grace
                                  : 0;
        remember_flow(pick, j->flow_path);
        octo_log(OCTO_LOG_DEBUG, "[job %.8s] to worker %ld%s", j->id, (long)pick->pid,
                 knows_flow(pick, h) && pick->jobs_done > 0 ? " (warm)" : "");
        octo_job_started(j, (int)pick->pid);
    }
}

static void do_cancel(struct octo_job *j)
{
    const struct octo_config *c = octo_config();
    size_t k;
    int i;

    for (k = 0; k < S.nqueue; k++) {
        if (S.queue[k] == j) {
            memmove(S.queue + k, S.queue + k + 1, (S.nqueue - k - 1) * sizeof(*S.queue));
            S.nqueue--;
            finish_queued(j, "the job was cancelled before it started");
            return;
        }
    }
    for (i = 0; i < S.target; i++) {
        struct wproc *w = &S.w[i];

        if (w->job == j && w->state == W_BUSY) {
            char m[64];

            snprintf(m, sizeof(m), "{\"id\": \"%s\"}", j->id);
            if (octo_wire_send(w->sock, W_CANCEL, m, strlen(m)) != 0) {
                kill_worker(w, K_CANCEL);
            } else if (w->kill_at == 0) {
                w->kill_at = mono() + (double)c->kill_grace;
                w->killed = K_NONE;
            }
            return;
        }
    }
}

static void take_commands(void)
{
    struct cmd *list;
    uint64_t v;

    if (read(S.wake, &v, sizeof(v)) < 0) {
        /* nothing pending */
    }
    pthread_mutex_lock(&S.mu);
    list = S.cmds;
    S.cmds = S.cmds_tail = NULL;
    pthread_mutex_unlock(&S.mu);
    while (list != NULL) {
        struct cmd *c = list;

        list = c->next;
        if (c->cancel) {
            do_cancel(c->job);
            octo_job_unref(c->job);
        } else {
            if (S.nqueue == S.capqueue) {
                S.capqueue = S.capqueue ? S.capqueue * 2 : 64;
                S.queue = octo_xrealloc(S.queue, S.capqueue * sizeof(*S.queue));
            }
            S.queue[S.nqueue++] = c->job;
        }
        free(c);
    }
}

static long rss_mb(pid_t pid)
{
    char path[64];
    FILE *fp;
    long size = 0;
    long res = 0;

    snprintf(path, sizeof(path), "/proc/%ld/statm", (long)pid);
    fp = fopen(path, "re");
    if (fp == NULL) {
        return 0;
    }
    if (fscanf(fp, "%ld %ld", &size, &res) != 2) {
        res = 0;
    }
    fclose(fp);
    return res * (sysconf(_SC_PAGESIZE) / 1024) / 1024;
}

/* Deadlines and watchdogs; returns the poll timeout in ms. */
static int timers(void)
{
    const struct octo_config *c = octo_config();
    double now = mono();
    double next = now + 1.0;
    int i;

    for (i = 0; i < S.target; i++) {
        struct wproc *w = &S.w[i];

        if (w->state != W_BUSY || w->killed) {
            continue;
        }
        if (w->hard_deadline > 0) {
            if (now >= w->hard_deadline) {
                kill_worker(w, K_TIMEOUT);
                continue;
            }
            next = fmin(next, w->hard_deadline);
        }
        if (w->kill_at > 0) {
            if (now >= w->kill_at) {
                kill_worker(w, S.stop ? K_SHUTDOWN : K_CANCEL);
                continue;
            }
            next = fmin(next, w->kill_at);
        }
        if (c->worker_max_memory_mb > 0) {
            if (now >= w->next_rss) {
                long mb = rss_mb(w->pid);

                w->next_rss = now + RSS_CHECK_EVERY;
                if (mb > c->worker_max_memory_mb) {
                    w->rss_mb = mb;
                    kill_worker(w, K_MEMORY);
                    continue;
                }
            }
            next = fmin(next, w->next_rss);
        }
    }
    if (S.next_spawn > now) {
        next = fmin(next, S.next_spawn);
    }
    if (S.zygote_restart_at > now) {
        next = fmin(next, S.zygote_restart_at);
    }
    return (int)ceil((next - now) * 1000.0) + 1;
}

static int all_dead(void)
{
    int i;

    for (i = 0; i < S.target; i++) {
        if (S.w[i].pid != 0) {
            return 0;
        }
    }
    return 1;
}

static void *sup_main(void *unused)
{
    struct pollfd pf[2 + 2 * MAX_WORKERS];
    int owner[2 + 2 * MAX_WORKERS];
    double stop_deadline = 0;

    (void)unused;
    for (;;) {
        int n = 0;
        int i;
        int timeout;
        int stopping;

        pthread_mutex_lock(&S.mu);
        stopping = S.stop;
        pthread_mutex_unlock(&S.mu);
        if (stopping && stop_deadline == 0) {
            const struct octo_config *c = octo_config();

            stop_deadline = mono() + (double)c->kill_grace + 2.0;
            for (i = 0; i < S.target; i++) {
                if (S.w[i].state == W_BUSY) {
                    do_cancel(S.w[i].job);
                    if (S.w[i].kill_at == 0) {
                        S.w[i].kill_at = mono() + (double)c->kill_grace;
                    }
                } else if (S.w[i].state == W_IDLE || S.w[i].state == W_STARTING) {
                    send_exit(&S.w[i]);
                }
            }
            while (S.nqueue > 0) {
                struct octo_job *j = S.queue[--S.nqueue];

                finish_queued(j, "the service shut down before the job started");
            }
        }
        if (stopping) {
            if (all_dead() && S.pending_spawns <= 0) {
                break;
            }
            if (mono() > stop_deadline) {
                for (i = 0; i < S.target; i++) {
                    if (S.w[i].pid > 0) {
                        kill_worker(&S.w[i], K_SHUTDOWN);
                    }
                }
                if (mono() > stop_deadline + 3.0) {
                    break; /* the zygote did not report: give up waiting */
                }
            }
        } else {
            spawn_more();
            dispatch(); /* jobs take their warm workers first; checks get what is left */
            send_checks();
        }
        stats_update();
        timeout = timers();
        pf[n].fd = S.wake;
        pf[n].events = POLLIN;
        owner[n++] = -1;
        if (S.zctl >= 0) {
            pf[n].fd = S.zctl;
            pf[n].events = POLLIN;
            owner[n++] = -2;
        }
        for (i = 0; i < S.target; i++) {
            if (S.w[i].pid == 0) {
                continue;
            }
            if (S.w[i].sock >= 0) {
                pf[n].fd = S.w[i].sock;
                pf[n].events = POLLIN;
                owner[n++] = i;
            }
            if (S.w[i].errfd >= 0) {
                pf[n].fd = S.w[i].errfd;
                pf[n].events = POLLIN;
                owner[n++] = MAX_WORKERS + i;
            }
        }
        if (poll(pf, (nfds_t)n, stopping && timeout > 200 ? 200 : timeout) < 0) {
            continue;
        }
        for (i = 0; i < n; i++) {
            if (pf[i].revents == 0) {
                continue;
            }
            if (owner[i] == -1) {
                take_commands();
            } else if (owner[i] == -2) {
                on_zygote();
            } else if (owner[i] >= MAX_WORKERS) {
                read_stderr(&S.w[owner[i] - MAX_WORKERS], 0);
            } else {
                struct wproc *w = &S.w[owner[i]];
                long got;

                /* an earlier entry of this poll (the zygote's death report)
                 * may have released the slot: its socket is gone, and
                 * filling would allocate a buffer a later spawn forgets */
                if (w->sock < 0 || w->sock != pf[i].fd) {
                    continue;
                }
                got = octo_wire_fill(w->sock, &w->in);
                if (got > 0) {
                    on_frames(w);
                } else if (got == 0 || got == -2) {
                    /* end of file: the death report from the zygote
                     * follows; stop polling the socket until then */
                    on_frames(w);
                    close(w->sock);
                    w->sock = -1;
                }
            }
        }
    }
    for (int i = 0; i < S.target; i++) { /* what the loop left: buffers, descriptors */
        if (S.w[i].state != W_DEAD || S.w[i].in.buf != NULL) {
            release(&S.w[i]);
        }
    }
    if (S.zctl >= 0) {
        close(S.zctl);
        S.zctl = -1;
        waitpid(S.zpid, NULL, 0);
    }
    octo_wire_in_free(&S.zin);
    return NULL;
}

int octo_supervisor_start(const char *exe, int nworkers, octo_error *err)
{
    int i;

    if (S.running) {
        return OCTO_OK;
    }
    snprintf(S.exe, sizeof(S.exe), "%s", exe);
    S.target = nworkers < 1 ? 1 : nworkers > MAX_WORKERS ? MAX_WORKERS : nworkers;
    S.w = octo_xcalloc((size_t)S.target, sizeof(*S.w));
    for (i = 0; i < S.target; i++) {
        S.w[i].sock = -1;
        S.w[i].errfd = -1;
    }
    S.wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (S.wake < 0 || start_zygote() != 0) {
        return octo_error_set(err, OCTO_EINTERNAL, NULL, "cannot start the worker processes");
    }
    S.stop = 0;
    if (pthread_create(&S.thread, NULL, sup_main, NULL) != 0) {
        return octo_error_set(err, OCTO_EINTERNAL, NULL, "cannot start the supervisor thread");
    }
    S.running = 1;
    return OCTO_OK;
}

int octo_supervisor_running(void)
{
    return S.running;
}

static void push(int cancel, struct octo_job *j)
{
    struct cmd *c = octo_xcalloc(1, sizeof(*c));

    c->cancel = cancel;
    c->job = octo_job_ref(j);
    pthread_mutex_lock(&S.mu);
    if (S.cmds_tail != NULL) {
        S.cmds_tail->next = c;
    } else {
        S.cmds = c;
    }
    S.cmds_tail = c;
    pthread_mutex_unlock(&S.mu);
    poke();
}

static void on_cancel(struct octo_job *j)
{
    push(1, j);
}

void octo_supervisor_submit(struct octo_job *j)
{
    j->on_cancel = on_cancel;
    push(0, j);
}

void octo_supervisor_stop(void)
{
    if (!S.running) {
        return;
    }
    pthread_mutex_lock(&S.mu);
    S.stop = 1;
    pthread_mutex_unlock(&S.mu);
    poke();
    pthread_join(S.thread, NULL);
    S.running = 0;
    close(S.wake);
    S.wake = -1;
    free(S.queue);
    S.queue = NULL;
    S.nqueue = S.capqueue = 0;
}

int octo_supervisor_check(const char *flow, double timeout, json_t *diags, octo_error *err)
{
    struct check *c = octo_xcalloc(1, sizeof(*c));
    struct timespec until;
    int ok;

    c->flow = octo_xstrdup(flow);
    c->sent_to = -1;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += (time_t)timeout;
    pthread_mutex_lock(&S.mu);
    c->id = ++S.next_check_id;
    c->next = S.checks;
    S.checks = c;
    pthread_mutex_unlock(&S.mu);
    poke();
    pthread_mutex_lock(&S.mu);
    while (!c->done) {
        if (pthread_cond_timedwait(&S.check_cv, &S.mu, &until) != 0) {
            break;
        }
    }
    if (!c->done) {
        c->abandoned = 1; /* the supervisor frees it when the worker answers */
        pthread_mutex_unlock(&S.mu);
        return octo_error_set(err, OCTO_ETIMEDOUT, NULL,
                              "checking flow %s took more than %g seconds (are the workers "
                              "running?)",
                              flow, timeout);
    }
    {
        struct check **p;

        for (p = &S.checks; *p != NULL; p = &(*p)->next) {
            if (*p == c) {
                *p = c->next;
                break;
            }
        }
    }
    pthread_mutex_unlock(&S.mu);
    ok = c->ok;
    if (diags != NULL) {
        json_object_set_new(diags, "errors",
                            c->errors != NULL ? json_incref(c->errors) : json_array());
        json_object_set_new(diags, "warnings",
                            c->warnings != NULL ? json_incref(c->warnings) : json_array());
    }
    if (!ok) {
        octo_error_set(err, OCTO_EINVAL, NULL, "%s", c->msg);
    }
    check_free(c);
    return ok ? OCTO_OK : OCTO_EINVAL;
}

void octo_supervisor_stats(struct octo_supervisor_stats *s)
{
    memset(s, 0, sizeof(*s));
    pthread_mutex_lock(&S.mu);
    s->workers = S.target;
    s->idle = S.n_idle;
    s->busy = S.n_busy;
    s->starting = S.n_starting;
    s->spawned = S.spawned;
    s->crashes = S.crashes;
    s->killed = S.killed;
    s->landlock = S.landlock;
    s->protected_ro = S.protected_ro;
    pthread_mutex_unlock(&S.mu);
}

json_t *octo_supervisor_status(void)
{
    struct octo_supervisor_stats s;

    octo_supervisor_stats(&s);
    return json_pack("{s:s, s:i, s:i, s:i, s:i, s:I, s:I, s:I, s:{s:i, s:b}}", "isolation",
                     "process", "workers", s.workers, "idle", s.idle, "busy", s.busy, "starting",
                     s.starting, "spawned", (json_int_t)s.spawned, "crashes", (json_int_t)s.crashes,
                     "killed", (json_int_t)s.killed, "sandbox", "landlock", s.landlock,
                     "protected_files", s.protected_ro);
}
