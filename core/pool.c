/* pool.c - bounded worker pool with caller-runs batches (see pool.h). */
#include "pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "xalloc.h"

struct task {
    void (*fn)(void *arg);
    void *arg;
    struct task *next;
};

struct batch {
    void (*fn)(void *arg, size_t i);
    void *arg;
    size_t n;
    atomic_size_t next; /* next index to claim */
    size_t done;        /* finished items, under mu */
    atomic_int refs;    /* the caller + queued tickets */
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static struct task *g_head;
static struct task *g_tail;
static size_t g_queued;
static pthread_t *g_threads;
static int g_nthreads;
static int g_running;

static void *worker(void *unused)
{
    (void)unused;
    for (;;) {
        struct task *t;

        pthread_mutex_lock(&g_mu);
        while (g_head == NULL && g_running) {
            pthread_cond_wait(&g_cv, &g_mu);
        }
        if (g_head == NULL) {
            pthread_mutex_unlock(&g_mu);
            return NULL;
        }
        t = g_head;
        g_head = t->next;
        if (g_head == NULL) {
            g_tail = NULL;
        }
        g_queued--;
        pthread_mutex_unlock(&g_mu);
        t->fn(t->arg);
        free(t);
    }
}

int octo_pool_start(int workers)
{
    int i;

    if (workers < 1 || workers > 256) {
        return -1;
    }
    pthread_mutex_lock(&g_mu);
    if (g_running) {
        pthread_mutex_unlock(&g_mu);
        return -1;
    }
    g_threads = octo_xcalloc((size_t)workers, sizeof(*g_threads));
    g_running = 1;
    g_nthreads = 0;
    pthread_mutex_unlock(&g_mu);
    for (i = 0; i < workers; i++) {
        if (pthread_create(&g_threads[i], NULL, worker, NULL) != 0) {
            break;
        }
        g_nthreads++;
    }
    return g_nthreads > 0 ? 0 : -1;
}

void octo_pool_stop(void)
{
    int i;

    pthread_mutex_lock(&g_mu);
    if (!g_running) {
        pthread_mutex_unlock(&g_mu);
        return;
    }
    g_running = 0;
    pthread_cond_broadcast(&g_cv);
    pthread_mutex_unlock(&g_mu);
    for (i = 0; i < g_nthreads; i++) {
        pthread_join(g_threads[i], NULL);
    }
    free(g_threads);
    g_threads = NULL;
    g_nthreads = 0;
}

int octo_pool_workers(void)
{
    return g_nthreads;
}

size_t octo_pool_queued(void)
{
    size_t n;

    pthread_mutex_lock(&g_mu);
    n = g_queued;
    pthread_mutex_unlock(&g_mu);
    return n;
}

int octo_pool_submit(void (*fn)(void *arg), void *arg)
{
    struct task *t = octo_xmalloc(sizeof(*t));

    t->fn = fn;
    t->arg = arg;
    t->next = NULL;
    pthread_mutex_lock(&g_mu);
    if (!g_running) {
        pthread_mutex_unlock(&g_mu);
        free(t);
        return -1;
    }
    if (g_tail != NULL) {
        g_tail->next = t;
    } else {
        g_head = t;
    }
    g_tail = t;
    g_queued++;
    pthread_cond_signal(&g_cv);
    pthread_mutex_unlock(&g_mu);
    return 0;
}

static void batch_unref(struct batch *b)
{
    if (atomic_fetch_sub(&b->refs, 1) == 1) {
        pthread_mutex_destroy(&b->mu);
        pthread_cond_destroy(&b->cv);
        free(b);
    }
}

/* Claim and run items until none is left. */
static void batch_work(struct batch *b)
{
    for (;;) {
        size_t i = atomic_fetch_add(&b->next, 1);

        if (i >= b->n) {
            return;
        }
        b->fn(b->arg, i);
        pthread_mutex_lock(&b->mu);
        b->done++;
        if (b->done == b->n) {
            pthread_cond_broadcast(&b->cv);
        }
        pthread_mutex_unlock(&b->mu);
    }
}

static void ticket(void *arg)
{
    struct batch *b = arg;

    batch_work(b);
    batch_unref(b);
}

void octo_pool_run_batch(size_t n, unsigned max_parallel, void (*fn)(void *arg, size_t i),
                         void *arg)
{
    struct batch *b;
    size_t helpers;
    size_t k;

    if (n == 0) {
        return;
    }
    if (max_parallel == 0) {
        max_parallel = (unsigned)(g_nthreads > 0 ? g_nthreads : 1);
    }
    b = octo_xcalloc(1, sizeof(*b));
    b->fn = fn;
    b->arg = arg;
    b->n = n;
    atomic_init(&b->next, 0);
    atomic_init(&b->refs, 1);
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->cv, NULL);
    helpers = (size_t)max_parallel - 1;
    if (helpers > n - 1) {
        helpers = n - 1;
    }
    for (k = 0; k < helpers; k++) {
        atomic_fetch_add(&b->refs, 1);
        if (octo_pool_submit(ticket, b) != 0) {
            atomic_fetch_sub(&b->refs, 1);
            break;
        }
    }
    batch_work(b);
    pthread_mutex_lock(&b->mu);
    while (b->done < b->n) {
        pthread_cond_wait(&b->cv, &b->mu);
    }
    pthread_mutex_unlock(&b->mu);
    batch_unref(b);
}
