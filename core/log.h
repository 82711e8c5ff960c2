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

#include <octoflow/octo_step.h>

/* Open the log file dir/name (created, appended to). Returns 0 or an
 * OCTO_E* with err filled. Without a call, lines go to stderr only. */
int octo_log_open(const char *dir, const char *name, octo_error *err);
void octo_log_close(void);
/* Absolute path of the open log file, or NULL. */
const char *octo_log_file(void);

void octo_log_set_level(int level);       /* OCTO_LOG_* */
int octo_log_get_level(void);
void octo_log_set_stderr(int on);         /* default on */
int octo_log_enabled(int level);
/* "DEBUG", "INFO", "WARNING" (or "WARN"), "ERROR", "CRITICAL" (any case)
 * -> OCTO_LOG_*; 0 when unknown. */
int octo_log_level_parse(const char *s);

void octo_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void octo_logv(int level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Async-signal-safe: ask for the file to be reopened (logrotate). */
void octo_log_request_reopen(void);

#endif
