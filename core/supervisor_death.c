/* supervisor_death.c - why a worker dies and what its job is told: the
 * watchdogs that kill it (hard deadline, cancel grace, memory), its
 * stderr, and the death report turned into the job's error, in the order
 * supervisor.c's DESIGN gives. Apart from the poll loop because the
 * failure messages are what users read and tests pin down: one file
 * says every way a run can end without its worker's result.
 */
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "errors.h"
#include "job.h"
#include "log.h"
#include "step_row.h"
#include "supervisor_int.h"
#include "wire.h"
#include "worker.h"

void octo_sup_kill_worker(struct wproc *w, int why)
{
    if (w->pid > 0 && !w->killed) {
        w->killed = why;
        kill(w->pid, SIGKILL);
        pthread_mutex_lock(&octo_sup.mu);
        octo_sup.killed++;
        pthread_mutex_unlock(&octo_sup.mu);
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
int octo_sup_timers(void)
{
    const struct octo_config *c = octo_config();
    double now = octo_sup_mono();
    double next = now + 1.0;
    int i;

    for (i = 0; i < octo_sup.target; i++) {
        struct wproc *w = &octo_sup.w[i];

        if (w->state != W_BUSY || w->killed) {
            continue;
        }
        if (w->hard_deadline > 0) {
            if (now >= w->hard_deadline) {
                octo_sup_kill_worker(w, K_TIMEOUT);
                continue;
            }
            next = fmin(next, w->hard_deadline);
        }
        if (w->kill_at > 0) {
            if (now >= w->kill_at) {
                octo_sup_kill_worker(w, octo_sup.stop ? K_SHUTDOWN : K_CANCEL);
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
                    octo_sup_kill_worker(w, K_MEMORY);
                    continue;
                }
            }
            next = fmin(next, w->next_rss);
        }
    }
    if (octo_sup.next_spawn > now) {
        next = fmin(next, octo_sup.next_spawn);
    }
    if (octo_sup.zygote_restart_at > now) {
        next = fmin(next, octo_sup.zygote_restart_at);
    }
    return (int)ceil((next - now) * 1000.0) + 1;
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

void octo_sup_read_stderr(struct wproc *w, int final)
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

void octo_sup_release(struct wproc *w)
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

void octo_sup_on_death(struct wproc *w)
{
    octo_sup_drain_socket(w);
    octo_sup_read_stderr(w, 1);
    {
        char why[160];

        snprintf(why, sizeof(why), "%s%s",
                 WIFSIGNALED(w->status) ? signame(WTERMSIG(w->status)) : "exit",
                 w->ntail > 0 ? "" : "");
        octo_sup_checks_of_dead(w->pid, why);
    }
    if (w->job != NULL) {
        char msg[OCTO_ERROR_MSG_LEN];
        char step[160];
        int status = death_message(w, msg, sizeof(msg), step, sizeof(step));

        if (!w->killed || w->killed == K_MEMORY || w->killed == K_STUCK) {
            pthread_mutex_lock(&octo_sup.mu);
            octo_sup.crashes++;
            pthread_mutex_unlock(&octo_sup.mu);
        }
        octo_log(OCTO_LOG_ERROR, "[job %.8s] %s (worker %ld)", w->job->id, msg, (long)w->pid);
        crash_row(w);
        octo_job_finish(w->job, status, msg, step, NULL, 0);
        octo_job_unref(w->job);
        w->job = NULL;
    } else if (w->state == W_STARTING) {
        octo_sup.start_failures++;
        octo_log(OCTO_LOG_ERROR, "worker %ld died while starting (%s %d)%s%s", (long)w->pid,
                 WIFSIGNALED(w->status) ? "signal" : "status",
                 WIFSIGNALED(w->status) ? WTERMSIG(w->status) : WEXITSTATUS(w->status),
                 w->ntail > 0 ? ": " : "", w->ntail > 0 ? w->tail[(w->ntail - 1) % 3] : "");
        octo_sup.next_spawn =
            octo_sup_mono() + (octo_sup.start_failures > 3 ? 5.0 : 0.2 * octo_sup.start_failures);
    }
    octo_sup_release(w);
}
