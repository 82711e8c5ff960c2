/* log_writer.h - the service's log writer thread (private to log.c and
 * log_writer.c).
 *
 * In the service, a thread that logs (an API request thread writing its
 * access line) only queues the formatted line: one writer thread writes
 * what is queued in batches, one write per destination per batch, so
 * request threads never wait for each other or for the disk. The queue
 * is a bounded lock-free ring (Vyukov's MPMC queue, one consumer); when
 * it is full the logging thread waits for the writer (nothing is
 * dropped). Elsewhere (the CLI, worker processes, tests) lines are
 * written by the thread that logs, as before. */
#ifndef OCTO_LOG_WRITER_H
#define OCTO_LOG_WRITER_H

#include <stddef.h>

/* Queue line (malloc'd, len bytes, newline included): 1 when queued (the
 * writer frees it), 0 when no writer runs (the caller writes it). */
int octo__logq_push(char *line, size_t len);

/* log.c: write a batch of whole lines to the file and stderr. */
void octo__log_emit(int level, const char *data, size_t len);

/* Start / stop the writer (stop writes everything queued first). */
int octo__log_writer_start(void);
void octo__log_writer_stop(void);

/* Wait until every line queued before the call is written. */
void octo__log_writer_flush(void);

#endif
