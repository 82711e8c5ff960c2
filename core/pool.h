/* pool.h - the core's bounded worker pool.
 *
 * FLOW_MAX_WORKERS threads (default 8) take tasks from one FIFO queue.
 * Scheduled runs are submitted as tasks; flow_loop runs its items as a
 * batch. A batch caller never just waits: it claims and runs items
 * itself, and extra parallelism comes from "helper tickets" queued for
 * idle workers. So a batch always progresses, even when every worker is
 * busy (for instance running outer loop items that start inner loops):
 * nested loops cannot deadlock. Thread-safe.
 */
#ifndef OCTO_POOL_H
#define OCTO_POOL_H

#include <stddef.h>

/* Start the pool with n workers (1..256). Returns 0 or -1. Call once. */
int octo_pool_start(int workers);
/* Stop accepting, finish queued tasks, join the workers. */
void octo_pool_stop(void);
int octo_pool_workers(void);

/* Run fn(arg) on a worker. Returns 0, or -1 when the pool is stopped or
 * not started (fn is then not called). */
int octo_pool_submit(void (*fn)(void *arg), void *arg);

/* Run fn(arg, i) for i in [0, n), at most max_parallel at once (0: the
 * pool size), the calling thread included. Returns when all n calls have
 * returned. Works (serially) without a started pool. */
void octo_pool_run_batch(size_t n, unsigned max_parallel, void (*fn)(void *arg, size_t i),
                         void *arg);

/* Tasks queued and not yet started (for status and tests). */
size_t octo_pool_queued(void);

#endif
