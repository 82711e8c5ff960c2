/* worker.c - a worker process: runs the jobs the service sends it (see
 * worker.h).
 *
 * Two threads (plus the loop pool): the main thread runs one job at a
 * time; the socket (a new job, a cancel, a check, exit) is read by one
 * of the two at a time, the "reader". Between jobs and during a job's
 * first HANDOVER_MS the main thread reads it itself: a job that arrives
 * runs on the thread that read it, with no hand-over from thread to
 * thread - each such wake-up cost a launch 30-70 us. A job still running
 * after HANDOVER_MS (a timerfd, armed per job: no wake-up for short
 * jobs) hands the socket to the control thread, which reads cancels and
 * checks and flushes events until the worker is idle again, then hands
 * it back. Step events and log lines are not
 * written one syscall each: they are appended to one buffer and sent
 * together - with the result when a job is short, within FLUSH_MS when
 * it is long - so the worker model adds tens of microseconds to a
 * launch, not a write per step. The status page is written at once, so
 * a crash is still attributed to its step.
 *
 * Everything that leaves the worker is redacted here: the worker is the
 * process that knows the secrets its flows fetched (Vault included).
 */
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "flow.h"
#include "log.h"
#include "pool.h"
#include "redact.h"
#include "runner.h"
#include "step_row.h"
#include "timeline.h"
#include "wire.h"
#include "xalloc.h"

#define FLUSH_MS    20
#define FLUSH_BYTES (256 * 1024)
#define HANDOVER_MS 5

static struct {
    int sock;
    int wake[2];            /* a pipe: a frame queued between jobs wakes the reader */
    int tfd;                /* a timerfd: a job running past HANDOVER_MS wakes the control thread */
    atomic_int busy;        /* a job runs: the reader flushes every FLUSH_MS */
    struct octo_wire_in in; /* what the socket gave: the reader's */
    struct octo_worker_page *page;
    pthread_mutex_t page_mu;
    pthread_mutex_t out_mu;
    struct octo_buf out;
    struct timespec out_since;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    json_t *job;    /* the next job, taken by the main thread */
    int main_reads; /* the main thread is the reader (else the control thread) */
    int armed;      /* the main thread runs a job and the timer may hand over */
    int exit_requested;
    struct octo_cancel *cancel; /* the running job's */
    char job_id[40];
    char next_id[40];   /* the id of the job taken but not started yet */
    int cancel_pending; /* and a cancel for it came */
    struct octo_timeline_policy policy;
} w = {.main_reads = 1,
       .page_mu = PTHREAD_MUTEX_INITIALIZER,
       .out_mu = PTHREAD_MUTEX_INITIALIZER,
       .mu = PTHREAD_MUTEX_INITIALIZER,
       .cv = PTHREAD_COND_INITIALIZER};

void octo_worker_page_read(const struct octo_worker_page *page, struct octo_worker_page *out)
{
    int tries;

    for (tries = 0; tries < 1000; tries++) {
        unsigned g1 = atomic_load(&page->gen);

        if (g1 & 1u) {
            continue;
        }
        memcpy(out, page, sizeof(*out));
        if (atomic_load(&page->gen) == g1) {
            break;
        }
    }
    out->job_id[sizeof(out->job_id) - 1] = '\0';
    out->step[sizeof(out->step) - 1] = '\0';
    out->type[sizeof(out->type) - 1] = '\0';
    out->flow[sizeof(out->flow) - 1] = '\0';
}

static void page_set(const char *job_id, const struct octo_step_event *ev)
{
    struct octo_worker_page *p = w.page;

    if (p == NULL) {
        return;
    }
    pthread_mutex_lock(&w.page_mu);
    atomic_fetch_add(&p->gen, 1);
    if (job_id != NULL) {
        snprintf(p->job_id, sizeof(p->job_id), "%s", job_id);
    }
    if (ev != NULL) {
        p->seq = ev->seq;
        p->depth = ev->depth;
        snprintf(p->step, sizeof(p->step), "%s", ev->name);
        snprintf(p->type, sizeof(p->type), "%s", ev->type);
        snprintf(p->flow, sizeof(p->flow), "%s", ev->flow);
    } else {
        p->seq = 0;
        p->step[0] = p->type[0] = p->flow[0] = '\0';
    }
    atomic_fetch_add(&p->gen, 1);
    pthread_mutex_unlock(&w.page_mu);
}

/* Send what is buffered. Caller holds out_mu. */
static void flush_locked(void)
{
    if (w.out.len > 0) {
        if (octo_wire_write_all(w.sock, w.out.data, w.out.len) != 0) {
            _exit(0); /* the service is gone: nobody to run for */
        }
        octo_buf_reset(&w.out);
    }
}

static void queue_frame(int type, const char *data, size_t len)
{
    pthread_mutex_lock(&w.out_mu);
    if (w.out.len == 0) {
        clock_gettime(CLOCK_MONOTONIC, &w.out_since);
        /* Between jobs the reader may be in a long poll: wake it. During
         * a job the control thread takes over within HANDOVER_MS and
         * looks every FLUSH_MS, and a short job sends its events with its
         * result: no wake-up (a context switch per launch) for that. */
        if (!atomic_load(&w.busy) && write(w.wake[1], "", 1) < 0) {
            /* the pipe is full: it is awake anyway */
        }
    }
    octo_wire_put(&w.out, type, data, len);
    if (w.out.len >= FLUSH_BYTES) {
        flush_locked();
    }
    pthread_mutex_unlock(&w.out_mu);
}

/* A crash handler for SIGSEGV and SIGBUS. Under RLIMIT_AS an exhausted
 * address space often shows as a segfault, not a failed malloc: a stack
 * that cannot grow, or an allocation libjq used unchecked. So measure
 * what is left (the largest mapping that still succeeds) and, when less
 * than a quarter of the limit is, say "out of memory" on stderr: the
 * supervisor reads it into the job's error. Then die of the same signal.
 * Only async-signal-safe calls here. */
static void put_num(char *buf, size_t *n, unsigned long v)
{
    char tmp[24];
    size_t k = 0;

    do {
        tmp[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0 && k < sizeof(tmp));
    while (k > 0) {
        buf[(*n)++] = tmp[--k];
    }
}

static void crash_handler(int sig)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
        unsigned long limit_mb = (unsigned long)(rl.rlim_cur >> 20);
        unsigned long free_mb = 0;
        unsigned long try_mb;

        for (try_mb = limit_mb / 2; try_mb >= 1; try_mb /= 2) {
            void *p =
                mmap(NULL, (size_t)try_mb << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

            if (p != MAP_FAILED) {
                munmap(p, (size_t)try_mb << 20);
                free_mb = try_mb;
                break;
            }
        }
        if (free_mb * 4 < limit_mb) {
            char msg[160] = "octoflow worker: out of memory (about ";
            size_t n = strlen(msg);

            put_num(msg, &n, limit_mb - free_mb);
            memcpy(msg + n, " of ", 4);
            n += 4;
            put_num(msg, &n, limit_mb);
            memcpy(msg + n, " MiB of address space in use)\n", 31);
            n += 31;
            if (write(2, msg, n) < 0) {
                /* nothing left to say it with */
            }
        }
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static void install_crash_handler(void)
{
    static char altstack[64 * 1024];
    stack_t ss;
    struct sigaction sa;

    ss.ss_sp = altstack;
    ss.ss_size = sizeof(altstack);
    ss.ss_flags = 0;
    sigaltstack(&ss, NULL); /* the main thread: a stack overflow still reports */
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = crash_handler;
    sa.sa_flags = SA_ONSTACK | SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
}

static void log_sink(int level, const char *line, size_t len)
{
    struct octo_buf b = OCTO_BUF_INIT;

    octo_buf_putc(&b, (char)level);
    octo_buf_append(&b, line, len);
    queue_frame(W_LOG, b.data, b.len);
    octo_buf_free(&b);
}

/* An event's row, encoded straight into a buffer kept per thread (loop
 * items run on several): no row is built, nothing allocated for the
 * common small row. A buffer grown by a large row is let go. */
static void send_event(const struct octo_step_event *ev)
{
    static _Thread_local struct octo_buf b = OCTO_BUF_INIT;

    octo_buf_reset(&b);
    octo_step_event_encode(ev, OCTO_STEP_DATA_BYTES, &b);
    queue_frame(W_STEP, b.data, b.len);
    if (b.cap > 64 * 1024) {
        octo_buf_free(&b);
    }
}

static void hook_start(void *ud, struct octo_step_event *ev)
{
    (void)ud;
    if (ev->outcome == NULL && (ev->depth == 0 || ev->item <= 1)) {
        page_set(NULL, ev);
    }
    if (octo_timeline_keep_start(&w.policy, ev)) {
        send_event(ev);
    }
}

static void hook_end(void *ud, const struct octo_step_event *ev)
{
    (void)ud;
    if (octo_timeline_keep_end(&w.policy, ev)) {
        send_event(ev);
    }
}

static const struct octo_run_hooks HOOKS = {hook_start, hook_end, NULL};

static double ms_since(const struct timespec *t)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) * 1e3 + (double)(now.tv_nsec - t->tv_nsec) / 1e6;
}

/* A flow check for the service (which never runs libjq or plugin code
 * itself): load the flow fully - jq compiled, plugins prepared - and say
 * what the load said. On the control thread: a check does not wait for
 * the job this worker may be running. The compiled flow stays cached
 * here, so this worker runs it warm. */
static void check_flow(json_t *m)
{
    const char *flow = json_string_value(json_object_get(m, "flow"));
    struct octo_flow *f = NULL;
    struct octo_diags d;
    octo_error err;
    json_t *res;
    char *text;
    int rc;

    memset(&err, 0, sizeof(err));
    octo_diags_init(&d);
    rc = flow != NULL ? octo_flow_get(flow, &f, &d, &err) : OCTO_EINVAL;
    octo_flow_unref(f);
    res = json_pack("{s:O, s:b, s:s, s:O, s:O}", "id", json_object_get(m, "id"), "ok",
                    rc == OCTO_OK, "message", rc == OCTO_OK ? "" : err.msg, "errors", d.errors,
                    "warnings", d.warnings);
    octo_diags_free(&d);
    text = json_dumps(res, JSON_COMPACT);
    json_decref(res);
    if (text != NULL) {
        pthread_mutex_lock(&w.out_mu);
        flush_locked();
        if (octo_wire_send(w.sock, W_CHECKED, text, strlen(text)) != 0) {
            _exit(0);
        }
        pthread_mutex_unlock(&w.out_mu);
        free(text);
    }
}

static void handle(int type, const char *data, size_t len)
{
    json_t *m = type != W_EXIT ? json_loadb(data, len, JSON_DECODE_ANY, NULL) : NULL;

    if (type == W_CHECK && m != NULL) {
        check_flow(m);
        json_decref(m);
        return;
    }

    pthread_mutex_lock(&w.mu);
    if (type == W_JOB && m != NULL) {
        const char *id = json_string_value(json_object_get(m, "id"));

        snprintf(w.next_id, sizeof(w.next_id), "%s", id != NULL ? id : "");
        w.cancel_pending = 0;
        json_decref(w.job);
        /* the reference moves to the job thread (m stolen): a count
         * shared by two threads is decremented by both, and jansson's
         * plain read of it beside the other's atomic decrement is a
         * data race (ThreadSanitizer in api_launch) */
        w.job = m;
        m = NULL;
        /* Set here, not only by the job thread: this thread is about to
         * poll again and must already use the short FLUSH_MS timeout, or a
         * job's first lines would wait for its end (up to 1 s). */
        atomic_store(&w.busy, 1);
        pthread_cond_signal(&w.cv);
    } else if (type == W_CANCEL && m != NULL) {
        const char *id = json_string_value(json_object_get(m, "id"));

        if (w.cancel != NULL && id != NULL && strcmp(id, w.job_id) == 0) {
            octo_cancel_request(w.cancel);
        } else if (id != NULL && w.next_id[0] != '\0' && strcmp(id, w.next_id) == 0) {
            w.cancel_pending = 1; /* sent right behind its job: honoured when it starts */
        }
    } else if (type == W_EXIT) {
        /* the service sends it only to idle workers; were a job running,
         * it would be cancelled rather than waited for */
        w.exit_requested = 1;
        if (w.cancel != NULL) {
            octo_cancel_request(w.cancel);
        }
        pthread_cond_signal(&w.cv);
    }
    pthread_mutex_unlock(&w.mu);
    json_decref(m);
}

/* One round of the reader's duty: send what is due, wait for the socket
 * (or the wake pipe, or the flush timeout), handle the frames that came.
 * Only the reader calls it (w.main_reads says which thread). */
static void reader_round(void)
{
    struct pollfd p[2] = {{w.sock, POLLIN, 0}, {w.wake[0], POLLIN, 0}};
    int timeout = atomic_load(&w.busy) ? FLUSH_MS : 1000;
    int type;
    const char *data;
    size_t len;
    int rc;

    pthread_mutex_lock(&w.out_mu);
    if (w.out.len > 0) {
        double age = ms_since(&w.out_since);

        if (age >= FLUSH_MS) {
            flush_locked();
        } else if ((int)(FLUSH_MS - age) + 1 < timeout) {
            timeout = (int)(FLUSH_MS - age) + 1;
        }
    }
    pthread_mutex_unlock(&w.out_mu);
    rc = poll(p, 2, timeout);
    if (rc <= 0) {
        return;
    }
    if (p[1].revents & POLLIN) {
        char drain[64];

        while (read(w.wake[0], drain, sizeof(drain)) > 0) {
        }
    }
    if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
        return;
    }
    rc = (int)octo_wire_fill(w.sock, &w.in);
    if (rc == 0 || rc == -2) {
        _exit(0); /* the service closed our socket: it is gone or done with us */
    }
    while ((rc = octo_wire_next(&w.in, &type, &data, &len)) == 1) {
        handle(type, data, len);
    }
    if (rc < 0) {
        _exit(3);
    }
}

static void timer_set(int ms)
{
    struct itimerspec its;

    memset(&its, 0, sizeof(its));
    its.it_value.tv_nsec = (long)ms * 1000000L;
    timerfd_settime(w.tfd, 0, &its, NULL);
}

/* Off duty it sleeps on the timer; on duty (a job ran past HANDOVER_MS,
 * or the main thread is busy with a job the control thread gave it) it is
 * the reader until the worker is idle, then hands the socket back. */
static void *control_main(void *unused)
{
    (void)unused;
    for (;;) {
        int take;

        pthread_mutex_lock(&w.mu);
        take = !w.main_reads;
        pthread_mutex_unlock(&w.mu);
        if (!take) {
            struct pollfd p = {w.tfd, POLLIN, 0};
            uint64_t ticks;

            if (poll(&p, 1, -1) <= 0) {
                continue;
            }
            if (read(w.tfd, &ticks, sizeof(ticks)) < 0) {
                /* disarmed since: the job ended */
            }
            pthread_mutex_lock(&w.mu);
            if (w.main_reads && w.armed) {
                w.main_reads = 0;
            }
            take = !w.main_reads;
            pthread_mutex_unlock(&w.mu);
            if (!take) {
                continue;
            }
        }
        for (;;) {
            int back;

            reader_round();
            pthread_mutex_lock(&w.mu);
            back = !atomic_load(&w.busy) && w.job == NULL && !w.exit_requested;
            if (back) {
                w.main_reads = 1;
                pthread_cond_signal(&w.cv);
            }
            pthread_mutex_unlock(&w.mu);
            if (back) {
                break;
            }
        }
    }
    return NULL;
}

/* Run one job message and send its result. */
static void run_job(json_t *m)
{
    const char *id = json_string_value(json_object_get(m, "id"));
    const char *flow = json_string_value(json_object_get(m, "flow"));
    json_t *input = json_object_get(m, "input");
    struct octo_cancel cancel;
    struct octo_job_ctx job;
    struct octo_run_opts o;
    struct octo_run_result r;
    struct octo_flow *f = NULL;
    json_t *res;
    char *text;
    octo_error err;
    char tag[16];
    const char *saved;

    memset(&r, 0, sizeof(r));
    memset(&err, 0, sizeof(err));
    octo_cancel_init(&cancel, 0);
    /* the service's deadline as it is: an absolute CLOCK_MONOTONIC instant,
     * the same clock here, so the time the job waited in the service's
     * queue is already spent */
    cancel.deadline.tv_sec = (time_t)json_integer_value(json_object_get(m, "deadline_sec"));
    cancel.deadline.tv_nsec = (long)json_integer_value(json_object_get(m, "deadline_nsec"));
    cancel.timeout = json_number_value(json_object_get(m, "timeout"));
    octo_timeline_policy_init(&w.policy);
    pthread_mutex_lock(&w.mu);
    w.cancel = &cancel;
    atomic_store(&w.busy, 1);
    snprintf(w.job_id, sizeof(w.job_id), "%s", id != NULL ? id : "");
    if (w.exit_requested || (w.cancel_pending && strcmp(w.next_id, w.job_id) == 0)) {
        octo_cancel_request(&cancel);
    }
    w.next_id[0] = '\0';
    w.cancel_pending = 0;
    pthread_mutex_unlock(&w.mu);
    page_set(w.job_id, NULL);
    octo_sandbox_job_cpu();
    snprintf(tag, sizeof(tag), "job %.8s", w.job_id);
    saved = octo_log_set_tag(tag);
    if (flow == NULL || octo_flow_get(flow, &f, NULL, &err) != OCTO_OK) {
        octo_log(OCTO_LOG_ERROR, "cannot load flow %s: %s", flow != NULL ? flow : "?", err.msg);
        r.status = OCTO_RUN_FAILED;
        snprintf(r.message, sizeof(r.message), "%s", err.msg);
    } else {
        octo_job_ctx_init(&job, w.job_id, &cancel, &HOOKS);
        memset(&o, 0, sizeof(o));
        o.input = input;
        o.job = &job;
        octo_run_flow(f, &o, &r);
        octo_flow_unref(f);
    }
    octo_log_set_tag(saved);
    pthread_mutex_lock(&w.mu);
    w.cancel = NULL;
    atomic_store(&w.busy, 0);
    pthread_mutex_unlock(&w.mu);
    res = json_pack("{s:s, s:i, s:s, s:s, s:I}", "id", w.job_id, "status", r.status, "message",
                    r.message, "step", r.step, "steps_dropped",
                    (json_int_t)atomic_load(&w.policy.dropped));
    if (r.data != NULL) {
        json_object_set_new(res, "data", octo_redact_json(r.data));
    }
    octo_run_result_free(&r);
    octo_cancel_destroy(&cancel);
    text = json_dumps(res, JSON_COMPACT);
    json_decref(res);
    page_set("", NULL);
    if (text == NULL) {
        _exit(0);
    }
    pthread_mutex_lock(&w.out_mu);
    octo_wire_put(&w.out, W_RESULT, text, strlen(text)); /* after its events, one write */
    flush_locked();
    pthread_mutex_unlock(&w.out_mu);
    free(text);
}

void octo_worker_main(int sock, struct octo_worker_page *page)
{
    pthread_t t;
    char ready[128];
    sigset_t all;
    int ll = 0;
    int prot = 0;

    w.sock = sock;
    w.page = page;
    w.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    if (pipe2(w.wake, O_CLOEXEC | O_NONBLOCK) != 0 || w.tfd < 0) {
        _exit(4);
    }
    sigemptyset(&all);
    pthread_sigmask(SIG_SETMASK, &all, NULL);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_IGN); /* the service decides when a run stops */
    prctl(PR_SET_NAME, "octoflow-work");
    octo_log_set_sink(log_sink);
    octo_sandbox_apply(&ll, &prot);
    install_crash_handler();
    if (octo_pool_start(octo_config()->flow_max_workers) != 0) {
        octo_log(OCTO_LOG_WARN, "worker %ld: no loop pool, loops run serially", (long)getpid());
    }
    if (pthread_create(&t, NULL, control_main, NULL) != 0) {
        _exit(4);
    }
    snprintf(ready, sizeof(ready), "{\"pid\": %ld, \"landlock\": %d, \"protected\": %s}",
             (long)getpid(), ll, prot ? "true" : "false");
    pthread_mutex_lock(&w.out_mu);
    if (octo_wire_send(w.sock, W_READY, ready, strlen(ready)) != 0) {
        _exit(0);
    }
    pthread_mutex_unlock(&w.out_mu);
    for (;;) {
        json_t *m;
        int reading;

        pthread_mutex_lock(&w.mu);
        while (w.job == NULL && !w.exit_requested && !w.main_reads) {
            pthread_cond_wait(&w.cv, &w.mu);
        }
        m = w.job;
        w.job = NULL;
        reading = w.main_reads;
        if (m == NULL && w.exit_requested) {
            pthread_mutex_unlock(&w.mu);
            break; /* exit requested with no job */
        }
        w.armed = m != NULL && reading;
        pthread_mutex_unlock(&w.mu);
        if (m == NULL) {
            reader_round(); /* may take a job (handle) */
            continue;
        }
        if (reading) {
            timer_set(HANDOVER_MS);
        }
        run_job(m);
        json_decref(m);
        pthread_mutex_lock(&w.mu);
        if (w.armed) {
            w.armed = 0;
            timer_set(0);
        }
        if (!w.main_reads && write(w.wake[1], "", 1) < 0) {
            /* the control thread is awake anyway: it hands the socket back */
        }
        if (w.exit_requested && w.job == NULL) {
            pthread_mutex_unlock(&w.mu);
            break;
        }
        pthread_mutex_unlock(&w.mu);
    }
    pthread_mutex_lock(&w.out_mu);
    flush_locked();
    pthread_mutex_unlock(&w.out_mu);
    _exit(0);
}
