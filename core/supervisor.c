/* supervisor.c - worker processes, from the service's side (see
 * supervisor.h and worker.h): the supervisor thread's poll loop, the
 * commands other threads send it, dispatch of queued jobs, and the
 * public entry points. The rest of the supervisor is split by what it
 * deals with: supervisor_frames.c (what workers send),
 * supervisor_death.c (kills, watchdogs, failure messages),
 * supervisor_zygote.c (spawning), supervisor_check.c (flow checks); the
 * state they share is in supervisor_int.h.
 *
 * DESIGN
 * ------
 * Everything about workers is owned by one thread (sup_main) and never
 * locked: other threads only append commands (submit, cancel, stop)
 * under octo_sup.mu and poke an eventfd. The thread polls the zygote's
 * socket, every worker's socket and stderr pipe, and the eventfd; its
 * poll timeout is the nearest deadline it must act on (a hard deadline,
 * the end of a kill grace, the next memory check, a spawn backoff).
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
 *   bounds what a leak in a plugin can grow to.
 * - A job goes to an idle worker that has loaded its flow (its flow cache
 *   holds it compiled, jq programs included), and among those, or when
 *   none has, to the one that ran a job last: its memory is still in the
 *   CPU's caches. Sequential launches of 128 flows took ~150 us more when
 *   the first idle slot was picked, moving between 4 processes.
 */
#include "supervisor.h"

#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "errors.h"
#include "job.h"
#include "log.h"
#include "supervisor_int.h"
#include "wire.h"
#include "xalloc.h"

struct octo_sup_state octo_sup = {
    .mu = PTHREAD_MUTEX_INITIALIZER, .check_cv = PTHREAD_COND_INITIALIZER, .zctl = -1, .wake = -1};

double octo_sup_mono(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void octo_sup_poke(void)
{
    uint64_t one = 1;

    if (write(octo_sup.wake, &one, sizeof(one)) < 0) {
        /* the counter is already non-zero: the thread wakes anyway */
    }
}

static void stats_update(void)
{
    int i;
    int idle = 0;
    int busy = 0;
    int starting = 0;

    for (i = 0; i < octo_sup.target; i++) {
        idle += octo_sup.w[i].state == W_IDLE;
        busy += octo_sup.w[i].state == W_BUSY;
        starting += octo_sup.w[i].state == W_STARTING;
    }
    pthread_mutex_lock(&octo_sup.mu);
    octo_sup.n_idle = idle;
    octo_sup.n_busy = busy;
    octo_sup.n_starting = starting + octo_sup.pending_spawns;
    pthread_mutex_unlock(&octo_sup.mu);
}

static void finish_queued(struct octo_job *j, const char *why)
{
    octo_job_finish(j, OCTO_RUN_CANCELLED, why, NULL, NULL, 0);
    octo_job_unref(j);
}

static int any_ready(void)
{
    int i;

    for (i = 0; i < octo_sup.target; i++) {
        if (octo_sup.w[i].state == W_IDLE || octo_sup.w[i].state == W_BUSY) {
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
    if (octo_sup.start_failures >= 5 && !any_ready()) {
        while (octo_sup.nqueue > 0) {
            struct octo_job *j = octo_sup.queue[--octo_sup.nqueue];

            octo_job_finish(j, OCTO_RUN_FAILED,
                            "no worker process could start (see the service log)", NULL, NULL, 0);
            octo_job_unref(j);
        }
        return;
    }
    while (octo_sup.nqueue > 0) {
        struct octo_job *j = octo_sup.queue[0];
        unsigned long long h = octo_sup_flow_hash(j->flow_path);
        struct wproc *pick = NULL;
        json_t *msg;
        char *text;
        int i;
        int cancelled;

        pthread_mutex_lock(&j->mu);
        cancelled = j->cancel_requested;
        pthread_mutex_unlock(&j->mu);
        if (cancelled) {
            memmove(octo_sup.queue, octo_sup.queue + 1,
                    (octo_sup.nqueue - 1) * sizeof(*octo_sup.queue));
            octo_sup.nqueue--;
            finish_queued(j, "the job was cancelled before it started");
            continue;
        }
        {
            int pick_knows = 0;

            for (i = 0; i < octo_sup.target; i++) {
                struct wproc *w = &octo_sup.w[i];
                int knows;

                if (w->state != W_IDLE) {
                    continue;
                }
                knows = octo_sup_knows_flow(w, h);
                if (pick == NULL || knows > pick_knows ||
                    (knows == pick_knows && w->last_job > pick->last_job)) {
                    pick = w;
                    pick_knows = knows;
                }
            }
        }
        if (pick == NULL) {
            return;
        }
        memmove(octo_sup.queue, octo_sup.queue + 1,
                (octo_sup.nqueue - 1) * sizeof(*octo_sup.queue));
        octo_sup.nqueue--;
        msg = json_pack("{s:s, s:s, s:O, s:I, s:I, s:f, s:s}", "id", j->id, "flow", j->flow_path,
                        "input", j->input, "deadline_sec", (json_int_t)j->cancel.deadline.tv_sec,
                        "deadline_nsec", (json_int_t)j->cancel.deadline.tv_nsec, "timeout",
                        j->timeout, "source", j->source);
        text = json_dumps(msg, JSON_COMPACT | JSON_ENCODE_ANY);
        json_decref(msg);
        if (text == NULL || octo_wire_send(pick->sock, W_JOB, text, strlen(text)) != 0) {
            free(text);
            octo_sup_kill_worker(pick, K_STUCK);
            pick->state = W_EXITING;
            /* back to the front of the queue for another worker */
            memmove(octo_sup.queue + 1, octo_sup.queue, octo_sup.nqueue * sizeof(*octo_sup.queue));
            octo_sup.queue[0] = j;
            octo_sup.nqueue++;
            continue;
        }
        free(text);
        pick->job = j; /* the queue's reference */
        pick->state = W_BUSY;
        pick->killed = K_NONE;
        pick->next_rss = octo_sup_mono() + RSS_CHECK_EVERY;
        pick->hard_deadline = j->cancel.deadline.tv_sec != 0
                                  ? (double)j->cancel.deadline.tv_sec +
                                        (double)j->cancel.deadline.tv_nsec / 1e9 +
                                        (double)c->kill_grace
                                  : 0;
        octo_sup_remember_flow(pick, j->flow_path);
        pick->last_job = octo_sup_mono();
        octo_log(OCTO_LOG_DEBUG, "[job %.8s] to worker %ld%s", j->id, (long)pick->pid,
                 octo_sup_knows_flow(pick, h) && pick->jobs_done > 0 ? " (warm)" : "");
        octo_job_started(j, (int)pick->pid);
    }
}

static void do_cancel(struct octo_job *j)
{
    const struct octo_config *c = octo_config();
    size_t k;
    int i;

    for (k = 0; k < octo_sup.nqueue; k++) {
        if (octo_sup.queue[k] == j) {
            memmove(octo_sup.queue + k, octo_sup.queue + k + 1,
                    (octo_sup.nqueue - k - 1) * sizeof(*octo_sup.queue));
            octo_sup.nqueue--;
            finish_queued(j, "the job was cancelled before it started");
            return;
        }
    }
    for (i = 0; i < octo_sup.target; i++) {
        struct wproc *w = &octo_sup.w[i];

        if (w->job == j && w->state == W_BUSY) {
            char m[64];

            snprintf(m, sizeof(m), "{\"id\": \"%s\"}", j->id);
            if (octo_wire_send(w->sock, W_CANCEL, m, strlen(m)) != 0) {
                octo_sup_kill_worker(w, K_CANCEL);
            } else if (w->kill_at == 0) {
                w->kill_at = octo_sup_mono() + (double)c->kill_grace;
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

    if (read(octo_sup.wake, &v, sizeof(v)) < 0) {
        /* nothing pending */
    }
    pthread_mutex_lock(&octo_sup.mu);
    list = octo_sup.cmds;
    octo_sup.cmds = octo_sup.cmds_tail = NULL;
    pthread_mutex_unlock(&octo_sup.mu);
    while (list != NULL) {
        struct cmd *c = list;

        list = c->next;
        if (c->cancel) {
            do_cancel(c->job);
            octo_job_unref(c->job);
        } else {
            if (octo_sup.nqueue == octo_sup.capqueue) {
                octo_sup.capqueue = octo_sup.capqueue ? octo_sup.capqueue * 2 : 64;
                octo_sup.queue =
                    octo_xrealloc(octo_sup.queue, octo_sup.capqueue * sizeof(*octo_sup.queue));
            }
            octo_sup.queue[octo_sup.nqueue++] = c->job;
        }
        free(c);
    }
}

static int all_dead(void)
{
    int i;

    for (i = 0; i < octo_sup.target; i++) {
        if (octo_sup.w[i].pid != 0) {
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

        pthread_mutex_lock(&octo_sup.mu);
        stopping = octo_sup.stop;
        pthread_mutex_unlock(&octo_sup.mu);
        if (stopping && stop_deadline == 0) {
            const struct octo_config *c = octo_config();

            stop_deadline = octo_sup_mono() + (double)c->kill_grace + 2.0;
            for (i = 0; i < octo_sup.target; i++) {
                if (octo_sup.w[i].state == W_BUSY) {
                    do_cancel(octo_sup.w[i].job);
                    if (octo_sup.w[i].kill_at == 0) {
                        octo_sup.w[i].kill_at = octo_sup_mono() + (double)c->kill_grace;
                    }
                } else if (octo_sup.w[i].state == W_IDLE || octo_sup.w[i].state == W_STARTING) {
                    octo_sup_send_exit(&octo_sup.w[i]);
                }
            }
            while (octo_sup.nqueue > 0) {
                struct octo_job *j = octo_sup.queue[--octo_sup.nqueue];

                finish_queued(j, "the service shut down before the job started");
            }
        }
        if (stopping) {
            if (all_dead() && octo_sup.pending_spawns <= 0) {
                break;
            }
            if (octo_sup_mono() > stop_deadline) {
                for (i = 0; i < octo_sup.target; i++) {
                    if (octo_sup.w[i].pid > 0) {
                        octo_sup_kill_worker(&octo_sup.w[i], K_SHUTDOWN);
                    }
                }
                if (octo_sup_mono() > stop_deadline + 3.0) {
                    break; /* the zygote did not report: give up waiting */
                }
            }
        } else {
            octo_sup_spawn_more();
            dispatch(); /* jobs take their warm workers first; checks get what is left */
            octo_sup_send_checks();
        }
        stats_update();
        timeout = octo_sup_timers();
        pf[n].fd = octo_sup.wake;
        pf[n].events = POLLIN;
        owner[n++] = -1;
        if (octo_sup.zctl >= 0) {
            pf[n].fd = octo_sup.zctl;
            pf[n].events = POLLIN;
            owner[n++] = -2;
        }
        for (i = 0; i < octo_sup.target; i++) {
            if (octo_sup.w[i].pid == 0) {
                continue;
            }
            if (octo_sup.w[i].sock >= 0) {
                pf[n].fd = octo_sup.w[i].sock;
                pf[n].events = POLLIN;
                owner[n++] = i;
            }
            if (octo_sup.w[i].errfd >= 0) {
                pf[n].fd = octo_sup.w[i].errfd;
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
                octo_sup_on_zygote();
            } else if (owner[i] >= MAX_WORKERS) {
                octo_sup_read_stderr(&octo_sup.w[owner[i] - MAX_WORKERS], 0);
            } else {
                struct wproc *w = &octo_sup.w[owner[i]];
                long got;

                /* an earlier entry of this poll (the zygote's death report)
                 * may have released the slot: its socket is gone, and
                 * filling would allocate a buffer a later spawn forgets */
                if (w->sock < 0 || w->sock != pf[i].fd) {
                    continue;
                }
                got = octo_wire_fill(w->sock, &w->in);
                if (got > 0) {
                    octo_sup_on_frames(w);
                } else if (got == 0 || got == -2) {
                    /* end of file: the death report from the zygote
                     * follows; stop polling the socket until then */
                    octo_sup_on_frames(w);
                    close(w->sock);
                    w->sock = -1;
                }
            }
        }
    }
    for (int i = 0; i < octo_sup.target; i++) { /* what the loop left: buffers, descriptors */
        if (octo_sup.w[i].state != W_DEAD || octo_sup.w[i].in.buf != NULL) {
            octo_sup_release(&octo_sup.w[i]);
        }
    }
    if (octo_sup.zctl >= 0) {
        close(octo_sup.zctl);
        octo_sup.zctl = -1;
        waitpid(octo_sup.zpid, NULL, 0);
    }
    octo_wire_in_free(&octo_sup.zin);
    return NULL;
}

int octo_supervisor_start(const char *exe, int nworkers, octo_error *err)
{
    int i;

    if (octo_sup.running) {
        return OCTO_OK;
    }
    snprintf(octo_sup.exe, sizeof(octo_sup.exe), "%s", exe);
    octo_sup.target = nworkers < 1 ? 1 : nworkers > MAX_WORKERS ? MAX_WORKERS : nworkers;
    octo_sup.w = octo_xcalloc((size_t)octo_sup.target, sizeof(*octo_sup.w));
    for (i = 0; i < octo_sup.target; i++) {
        octo_sup.w[i].sock = -1;
        octo_sup.w[i].errfd = -1;
    }
    octo_sup.wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (octo_sup.wake < 0 || octo_sup_start_zygote() != 0) {
        return octo_error_set(err, OCTO_EINTERNAL, NULL, "cannot start the worker processes");
    }
    octo_sup.stop = 0;
    if (pthread_create(&octo_sup.thread, NULL, sup_main, NULL) != 0) {
        return octo_error_set(err, OCTO_EINTERNAL, NULL, "cannot start the supervisor thread");
    }
    octo_sup.running = 1;
    return OCTO_OK;
}

int octo_supervisor_running(void)
{
    return octo_sup.running;
}

static void push(int cancel, struct octo_job *j)
{
    struct cmd *c = octo_xcalloc(1, sizeof(*c));

    c->cancel = cancel;
    c->job = octo_job_ref(j);
    pthread_mutex_lock(&octo_sup.mu);
    if (octo_sup.cmds_tail != NULL) {
        octo_sup.cmds_tail->next = c;
    } else {
        octo_sup.cmds = c;
    }
    octo_sup.cmds_tail = c;
    pthread_mutex_unlock(&octo_sup.mu);
    octo_sup_poke();
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
    if (!octo_sup.running) {
        return;
    }
    pthread_mutex_lock(&octo_sup.mu);
    octo_sup.stop = 1;
    pthread_mutex_unlock(&octo_sup.mu);
    octo_sup_poke();
    pthread_join(octo_sup.thread, NULL);
    octo_sup.running = 0;
    close(octo_sup.wake);
    octo_sup.wake = -1;
    free(octo_sup.queue);
    octo_sup.queue = NULL;
    octo_sup.nqueue = octo_sup.capqueue = 0;
}

void octo_supervisor_stats(struct octo_supervisor_stats *s)
{
    memset(s, 0, sizeof(*s));
    pthread_mutex_lock(&octo_sup.mu);
    s->workers = octo_sup.target;
    s->idle = octo_sup.n_idle;
    s->busy = octo_sup.n_busy;
    s->starting = octo_sup.n_starting;
    s->spawned = octo_sup.spawned;
    s->crashes = octo_sup.crashes;
    s->killed = octo_sup.killed;
    s->landlock = octo_sup.landlock;
    s->protected_ro = octo_sup.protected_ro;
    pthread_mutex_unlock(&octo_sup.mu);
}
