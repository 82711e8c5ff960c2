/* log.h - the service log.
 *
 * Lines look like the original's Python logging output:
 *   2025-05-15 15:48:00,029 - INFO - [flow][step // rest] -> GET ...
 * They go to LOG_PATH/LOG_FILE_NAME (when opened) and to stderr, pass
 * through secret redaction, and are written whole under a mutex, so any
 * thread may log. SIGHUP handlers call octo_log_request_reopen() (async
 * signal safe); the file is reopened before the next line is written.
 */
#ifndef OCTO_LOG_H
#define OCTO_LOG_H

#include <stdarg.h>

#include <octoflow/core.h>
#include <octoflow/octo_step.h>

/* octo_log, octo_log_enabled, octo_log_set_level, octo_log_set_stderr,
 * octo_log_file, octo_log_tail, octo_log_request_reopen: octoflow/core.h */

/* Open the log file dir/name (created, appended to). Returns 0 or an
 * OCTO_E* with err filled. Without a call, lines go to stderr only. */
int octo_log_open(const char *dir, const char *name, octo_error *err);
void octo_log_close(void);

int octo_log_get_level(void);
/* "DEBUG", "INFO", "WARNING" (or "WARN"), "ERROR", "CRITICAL" (any case)
 * -> OCTO_LOG_*; 0 when unknown. */
int octo_log_level_parse(const char *s);

void octo_logv(int level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* A tag for every line this thread logs from now on ("job 3f0c9d4e"),
 * written after the level: "... - INFO - [job 3f0c9d4e] ...". NULL
 * clears it. tag must stay valid while set. Returns the previous tag
 * (restore it when done: runs nest). */
const char *octo_log_set_tag(const char *tag);
const char *octo_log_get_tag(void);

/* Route every formatted line (redacted, newline included) to sink
 * instead of the file and stderr: a worker process hands its lines to
 * the service this way. NULL restores the file and stderr. */
void octo_log_set_sink(void (*sink)(int level, const char *line, size_t len));

/* Write an already formatted line (from a worker) as it is, to the
 * file and stderr. */
void octo_log_write_raw(int level, const char *line, size_t len);

/* From now on a writer thread writes the lines (log_writer.h): the
 * service's. octo_log_close stops it after writing what is queued. */
int octo_log_start_writer(void);

#endif
