/* test_pool.c - the worker pool (pool.h): batches bounded by max_parallel,
 * the caller running items itself (so a batch progresses with every worker
 * busy), nested batches on a small pool, submit/stop. The pool is process
 * wide, so the tests run in order: without a pool, then with 2 workers. */
#include "testutil.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pool.h"

struct probe {
    atomic_int running;
    atomic_int max_running;
    atomic_int calls;
    atomic_int on_caller;
    atomic_int seen[256];
    pthread_t caller;
    int sleep_us;
};

static void probe_item(void *arg, size_t i)
{
    struct probe *p = arg;
    int now = atomic_fetch_add(&p->running, 1) + 1;
    int max = atomic_load(&p->max_running);

    while (now > max && !atomic_compare_exchange_weak(&p->max_running, &max, now)) {
    }
    if (pthread_equal(pthread_self(), p->caller)) {
        atomic_fetch_add(&p->on_caller, 1);
    }
    atomic_fetch_add(&p->seen[i], 1);
    atomic_fetch_add(&p->calls, 1);
    if (p->sleep_us > 0) {
        usleep((useconds_t)p->sleep_us);
    }
    atomic_fetch_sub(&p->running, 1);
}

static struct probe *probe_new(int sleep_us)
{
    struct probe *p = calloc(1, sizeof(*p));

    assert_non_null(p);
    p->caller = pthread_self();
    p->sleep_us = sleep_us;
    return p;
}

static void assert_each_once(struct probe *p, size_t n)
{
    size_t i;

    assert_int_equal(atomic_load(&p->calls), (int)n);
    for (i = 0; i < n; i++) {
        assert_int_equal(atomic_load(&p->seen[i]), 1);
    }
}

static void test_batch_without_pool(void **state)
{
    struct probe *p = probe_new(0);

    (void)state;
    assert_int_equal(octo_pool_workers(), 0);
    /* no pool: the caller runs everything, one at a time */
    octo_pool_run_batch(50, 8, probe_item, p);
    assert_each_once(p, 50);
    assert_int_equal(atomic_load(&p->on_caller), 50);
    assert_int_equal(atomic_load(&p->max_running), 1);
    octo_pool_run_batch(0, 8, probe_item, p); /* nothing to do */
    assert_int_equal(atomic_load(&p->calls), 50);
    free(p);
    /* submit needs a started pool */
    assert_int_equal(octo_pool_submit(NULL, NULL), -1);
}

static void test_start(void **state)
{
    (void)state;
    assert_int_equal(octo_pool_start(0), -1);
    assert_int_equal(octo_pool_start(257), -1);
    assert_int_equal(octo_pool_start(2), 0);
    assert_int_equal(octo_pool_workers(), 2);
    assert_int_equal(octo_pool_start(2), -1); /* once */
}

static void test_batch_bounded(void **state)
{
    struct probe *p = probe_new(2000);

    (void)state;
    /* max_parallel 3 on a pool of 2: the caller and both workers */
    octo_pool_run_batch(60, 3, probe_item, p);
    assert_each_once(p, 60);
    assert_true(atomic_load(&p->max_running) <= 3);
    assert_true(atomic_load(&p->max_running) >= 2);
    assert_true(atomic_load(&p->on_caller) >= 1); /* the caller took part */
    free(p);

    /* max_parallel 1: only the caller, never a worker */
    p = probe_new(200);
    octo_pool_run_batch(20, 1, probe_item, p);
    assert_each_once(p, 20);
    assert_int_equal(atomic_load(&p->max_running), 1);
    assert_int_equal(atomic_load(&p->on_caller), 20);
    free(p);

    /* 0 means the pool size (caller included): at most 2 at once */
    p = probe_new(1000);
    octo_pool_run_batch(30, 0, probe_item, p);
    assert_each_once(p, 30);
    assert_true(atomic_load(&p->max_running) <= 2);
    free(p);
}

/* ---- every worker busy: the caller still finishes its batch -------------- */

static pthread_mutex_t g_block_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_block_cv = PTHREAD_COND_INITIALIZER;
static int g_release;
static atomic_int g_blocked;
static atomic_int g_block_done;

static void blocker(void *arg)
{
    (void)arg;
    atomic_fetch_add(&g_blocked, 1);
    pthread_mutex_lock(&g_block_mu);
    while (!g_release) {
        pthread_cond_wait(&g_block_cv, &g_block_mu);
    }
    pthread_mutex_unlock(&g_block_mu);
    atomic_fetch_add(&g_block_done, 1);
}

static void test_caller_runs_when_workers_busy(void **state)
{
    struct probe *p = probe_new(100);
    int spins = 0;

    (void)state;
    g_release = 0;
    assert_int_equal(octo_pool_submit(blocker, NULL), 0);
    assert_int_equal(octo_pool_submit(blocker, NULL), 0);
    while (atomic_load(&g_blocked) < 2 && spins++ < 5000) {
        usleep(1000);
    }
    assert_int_equal(atomic_load(&g_blocked), 2);
    /* both workers are stuck: the batch completes on the caller alone */
    octo_pool_run_batch(25, 4, probe_item, p);
    assert_each_once(p, 25);
    assert_int_equal(atomic_load(&p->on_caller), 25);
    /* its helper tickets wait in the queue; they find nothing left to do */
    assert_true(octo_pool_queued() >= 1);
    pthread_mutex_lock(&g_block_mu);
    g_release = 1;
    pthread_cond_broadcast(&g_block_cv);
    pthread_mutex_unlock(&g_block_mu);
    spins = 0;
    while ((atomic_load(&g_block_done) < 2 || octo_pool_queued() > 0) && spins++ < 5000) {
        usleep(1000);
    }
    assert_int_equal(atomic_load(&g_block_done), 2);
    assert_int_equal(octo_pool_queued(), 0);
    assert_int_equal(atomic_load(&p->calls), 25);
    free(p);
}

/* ---- nested batches on a 2-worker pool ------------------------------------ */

struct nested {
    atomic_int inner_calls;
    atomic_int outer_calls;
};

static void inner_item(void *arg, size_t i)
{
    struct nested *n = arg;

    (void)i;
    usleep(500);
    atomic_fetch_add(&n->inner_calls, 1);
}

static void outer_item(void *arg, size_t i)
{
    struct nested *n = arg;

    (void)i;
    /* every outer item starts a batch of its own: with 2 workers all busy
     * running outer items, only caller participation makes progress */
    octo_pool_run_batch(5, 0, inner_item, n);
    atomic_fetch_add(&n->outer_calls, 1);
}

struct watched {
    struct nested n;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done;
};

static void *run_nested(void *arg)
{
    struct watched *w = arg;

    octo_pool_run_batch(8, 0, outer_item, &w->n);
    pthread_mutex_lock(&w->mu);
    w->done = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static void test_nested_batches_no_deadlock(void **state)
{
    struct watched *w = calloc(1, sizeof(*w));
    struct timespec deadline;
    pthread_t th;
    int rc = 0;

    (void)state;
    assert_non_null(w);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    assert_int_equal(pthread_create(&th, NULL, run_nested, w), 0);
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 30;
    pthread_mutex_lock(&w->mu);
    while (!w->done && rc == 0) {
        rc = pthread_cond_timedwait(&w->cv, &w->mu, &deadline);
    }
    pthread_mutex_unlock(&w->mu);
    if (!w->done) {
        fail_msg("nested batches did not finish within 30 s (deadlock)");
    }
    pthread_join(th, NULL);
    assert_int_equal(atomic_load(&w->n.outer_calls), 8);
    assert_int_equal(atomic_load(&w->n.inner_calls), 40);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
}

/* ---- submit and stop ------------------------------------------------------ */

static atomic_int g_tasks;

static void count_task(void *arg)
{
    (void)arg;
    usleep(1000);
    atomic_fetch_add(&g_tasks, 1);
}

static void test_stop_finishes_queued_tasks(void **state)
{
    int i;

    (void)state;
    for (i = 0; i < 20; i++) {
        assert_int_equal(octo_pool_submit(count_task, NULL), 0);
    }
    octo_pool_stop();
    assert_int_equal(atomic_load(&g_tasks), 20);
    assert_int_equal(octo_pool_workers(), 0);
    assert_int_equal(octo_pool_submit(count_task, NULL), -1);
    octo_pool_stop(); /* twice is harmless */
    /* batches still work, serially */
    {
        struct probe *p = probe_new(0);

        octo_pool_run_batch(10, 4, probe_item, p);
        assert_each_once(p, 10);
        assert_int_equal(atomic_load(&p->on_caller), 10);
        free(p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batch_without_pool),
        cmocka_unit_test(test_start),
        cmocka_unit_test(test_batch_bounded),
        cmocka_unit_test(test_caller_runs_when_workers_busy),
        cmocka_unit_test(test_nested_batches_no_deadlock),
        cmocka_unit_test(test_stop_finishes_queued_tasks),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
