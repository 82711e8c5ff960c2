/* log_writer.c - the writer thread behind the service log (see
 * log_writer.h).
 *
 * The ring is Vyukov's bounded MPMC queue used with one consumer: a
 * producer claims a position with a CAS on g_enq, fills the slot and
 * publishes it by storing the slot's sequence; the writer takes slots in
 * order. The writer sleeps on a futex when the ring is empty; a producer
 * that finds it asleep wakes it (the sleeping flag and the slot sequence
 * are both sequentially consistent, so either the writer sees the line
 * before sleeping or the producer sees it asleep).
 *
 * When lines pour in (a batch of NAP_BATCH or more) the writer naps
 * (NAP_MS) after the batch instead of sleeping, and a producer never
 * wakes a napping writer: at 50,000 requests/s a wake-up per access line
 * cost a futex call and a context switch per request on the request's
 * thread. At any lower rate the writer sleeps and the first line wakes
 * it, so a line reaches the file as soon as the writer gets a core, as
 * operators following the file (and tests) expect; a flush and the stop
 * also wake a napping writer. */
#include "log_writer.h"

#include "octoflow/octo_step.h" /* OCTO_LOG_*: queued lines passed every filter */

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "xalloc.h"

#define QCAP      4096u  /* lines; a power of two (96 KiB of slots) */
#define BATCH     65536u /* bytes written at once */
#define NAP_MS    2      /* a busy writer's pause between batches */
#define NAP_BATCH 8      /* lines in one batch that make the writer busy */

enum { AWAKE, ASLEEP, NAPPING }; /* g_sleeping */

struct slot {
    atomic_size_t seq;
    char *line;
    size_t len;
};

static struct slot *g_q;
static atomic_size_t g_enq;
static size_t g_deq;            /* the writer's */
static atomic_size_t g_written; /* positions written (== g_deq after a batch) */
static atomic_int g_running;    /* producers may queue */
static atomic_int g_active;     /* producers inside octo__logq_push */
static atomic_int g_stop;
static atomic_int g_sleeping; /* futex word: AWAKE, ASLEEP or NAPPING */
static pthread_t g_thread;
static atomic_int g_started;
static pthread_mutex_t g_flush_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_flush_cv = PTHREAD_COND_INITIALIZER;
static atomic_int g_flush_waiters;

static void futex_wait(atomic_int *word, int expected, long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    syscall(SYS_futex, (int *)word, FUTEX_WAIT_PRIVATE, expected, &ts, NULL, 0);
}

static void futex_wake(atomic_int *word)
{
    syscall(SYS_futex, (int *)word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* force: also end a nap (a flush waits for the lines). */
static void wake_writer(int force)
{
    int st = atomic_load(&g_sleeping);

    if ((st == ASLEEP || (force && st == NAPPING)) &&
        atomic_exchange(&g_sleeping, AWAKE) != AWAKE) {
        futex_wake(&g_sleeping);
    }
}

/* 1 queued, 0 full, -1 no writer. */
static int try_push(char *line, size_t len)
{
    size_t pos = atomic_load_explicit(&g_enq, memory_order_relaxed);
    struct slot *s;

    for (;;) {
        intptr_t dif;

        s = &g_q[pos & (QCAP - 1)];
        dif = (intptr_t)atomic_load_explicit(&s->seq, memory_order_acquire) - (intptr_t)pos;
        if (dif == 0) {
            if (atomic_compare_exchange_weak_explicit(&g_enq, &pos, pos + 1, memory_order_relaxed,
                                                      memory_order_relaxed)) {
                break;
            }
        } else if (dif < 0) {
            return 0;
        } else {
            pos = atomic_load_explicit(&g_enq, memory_order_relaxed);
        }
    }
    s->line = line;
    s->len = len;
    atomic_store(&s->seq, pos + 1);
    wake_writer(0);
    return 1;
}

int octo__logq_push(char *line, size_t len)
{
    int rc = -1;

    atomic_fetch_add(&g_active, 1);
    while (atomic_load(&g_running)) {
        rc = try_push(line, len);
        if (rc != 0) {
            break;
        }
        octo__log_writer_flush(); /* full: wait for the writer, drop nothing */
        rc = -1;
    }
    atomic_fetch_sub(&g_active, 1);
    return rc == 1;
}

/* Write what is queued, in batches. Returns the number of lines. */
static size_t drain(char *batch)
{
    size_t used = 0;
    size_t n = 0;

    for (;;) {
        struct slot *s = &g_q[g_deq & (QCAP - 1)];

        if (atomic_load(&s->seq) != g_deq + 1) {
            break; /* empty, or claimed and not yet filled */
        }
        if (used + s->len > BATCH && used > 0) {
            octo__log_emit(OCTO_LOG_DEBUG, batch, used);
            used = 0;
        }
        if (s->len > BATCH) {
            octo__log_emit(OCTO_LOG_DEBUG, s->line, s->len);
        } else {
            memcpy(batch + used, s->line, s->len);
            used += s->len;
        }
        free(s->line);
        s->line = NULL;
        atomic_store_explicit(&s->seq, g_deq + QCAP, memory_order_release);
        g_deq++;
        n++;
    }
    if (used > 0) {
        octo__log_emit(OCTO_LOG_DEBUG, batch, used);
    }
    if (n > 0) {
        atomic_store(&g_written, g_deq);
        if (atomic_load(&g_flush_waiters) > 0) {
            pthread_mutex_lock(&g_flush_mu);
            pthread_cond_broadcast(&g_flush_cv);
            pthread_mutex_unlock(&g_flush_mu);
        }
    }
    return n;
}

static void *writer_main(void *arg)
{
    char *batch = arg;

    for (;;) {
        size_t n = drain(batch);

        if (n > 0) {
            if (n >= NAP_BATCH && !atomic_load(&g_stop) && atomic_load(&g_flush_waiters) == 0) {
                atomic_store(&g_sleeping, NAPPING);
                futex_wait(&g_sleeping, NAPPING, NAP_MS);
                atomic_store(&g_sleeping, AWAKE);
            }
            continue;
        }
        if (atomic_load(&g_stop)) {
            break;
        }
        atomic_store(&g_sleeping, ASLEEP);
        if (atomic_load(&g_q[g_deq & (QCAP - 1)].seq) == g_deq + 1 || atomic_load(&g_stop)) {
            atomic_store(&g_sleeping, AWAKE);
            continue;
        }
        futex_wait(&g_sleeping, ASLEEP, 1000);
        atomic_store(&g_sleeping, AWAKE);
    }
    drain(batch);
    free(batch);
    return NULL;
}

int octo__log_writer_start(void)
{
    char *batch;
    size_t i;

    if (atomic_load(&g_started)) {
        return 0;
    }
    g_q = octo_xcalloc(QCAP, sizeof(*g_q));
    batch = octo_xmalloc(BATCH);
    for (i = 0; i < QCAP; i++) {
        atomic_init(&g_q[i].seq, i);
    }
    atomic_store(&g_enq, 0);
    g_deq = 0;
    atomic_store(&g_written, 0);
    atomic_store(&g_stop, 0);
    if (pthread_create(&g_thread, NULL, writer_main, batch) != 0) {
        free(g_q);
        free(batch);
        g_q = NULL;
        return -1;
    }
    atomic_store(&g_started, 1);
    atomic_store(&g_running, 1);
    return 0;
}

void octo__log_writer_stop(void)
{
    if (!atomic_load(&g_started)) {
        return;
    }
    atomic_store(&g_running, 0);
    while (atomic_load(&g_active) > 0) { /* producers past the check finish queueing */
        sched_yield();
    }
    atomic_store(&g_stop, 1);
    atomic_store(&g_sleeping, AWAKE);
    futex_wake(&g_sleeping);
    pthread_join(g_thread, NULL);
    atomic_store(&g_started, 0);
    free(g_q);
    g_q = NULL;
}

void octo__log_writer_flush(void)
{
    size_t target = atomic_load(&g_enq);

    if (!atomic_load(&g_started)) {
        return;
    }
    atomic_fetch_add(&g_flush_waiters, 1);
    wake_writer(1);
    pthread_mutex_lock(&g_flush_mu);
    while (atomic_load(&g_written) < target && atomic_load(&g_running)) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 50 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&g_flush_cv, &g_flush_mu, &ts);
    }
    pthread_mutex_unlock(&g_flush_mu);
    atomic_fetch_sub(&g_flush_waiters, 1);
}
