/* worker.h - the worker processes that run jobs (issue: containment).
 *
 * A zygote process (`octoflow __zygote`, started by the service through
 * posix_spawn, so it is never a fork of the multithreaded service) loads
 * the configuration and the plugins once, then forks workers on request.
 * A worker runs one job at a time (loop items as threads inside it) and
 * talks to the service over its socketpair (wire.h). What a worker can
 * break - memory, a crash in a plugin or in libjq, an endless loop -
 * breaks only that worker: the supervisor fails its job with what it
 * knows and asks the zygote for a new one.
 *
 * The status page is a small shared mapping each worker writes the step
 * it is running into (a seqlock); the supervisor reads it when the worker
 * dies, so a crash report names the step even when the worker never got
 * to say so.
 */
#ifndef OCTO_WORKER_H
#define OCTO_WORKER_H

#include <stdatomic.h>
#include <stddef.h>

struct octo_worker_page {
    atomic_uint gen; /* odd while being written */
    char job_id[40];
    long seq;
    int depth;
    char step[128];
    char type[64];
    char flow[256];
};

/* The zygote's main: ctl is its socket to the service. Never returns. */
int octo_zygote_main(int ctl) __attribute__((noreturn));

/* A worker's main, in a freshly forked child of the zygote: sock is its
 * socket to the service, page its status page. Never returns. */
void octo_worker_main(int sock, struct octo_worker_page *page) __attribute__((noreturn));

/* Read the page consistently into out. */
void octo_worker_page_read(const struct octo_worker_page *page, struct octo_worker_page *out);

/* Sandbox a worker (sandbox.c): rlimits, no_new_privs, Landlock, a
 * scrubbed environment. Logs what the kernel refused; never fails the
 * worker for an unsupported feature. */
void octo_sandbox_apply(int *landlock_abi, int *protected_ro);
/* Per job: the CPU-time limit counts from now. */
void octo_sandbox_job_cpu(void);

#endif
