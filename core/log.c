/* log.c - the service log (see log.h).
 *
 * One mutex serialises writes so lines never interleave; formatting and
 * redaction happen before taking it. The reopen request is a
 * sig_atomic_t flag checked under the mutex.
 */
#include "log.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

#include "buf.h"
#include "errors.h"
#include "redact.h"

static pthread_mutex_t g_mutex = PTHREAD_MUTEX_INITIALIZER;
static FILE *g_file;
static char g_path[PATH_MAX];
static atomic_int g_level = OCTO_LOG_INFO;
static atomic_int g_stderr = 1;
static volatile sig_atomic_t g_reopen;

static const char *level_name(int level)
{
    switch (level) {
    case OCTO_LOG_ERROR:
        return "ERROR";
    case OCTO_LOG_WARN:
        return "WARNING";
    case OCTO_LOG_INFO:
        return "INFO";
    default:
        return "DEBUG";
    }
}

int octo_log_level_parse(const char *s)
{
    if (s == NULL) {
        return 0;
    }
    if (strcasecmp(s, "DEBUG") == 0) {
        return OCTO_LOG_DEBUG;
    }
    if (strcasecmp(s, "INFO") == 0) {
        return OCTO_LOG_INFO;
    }
    if (strcasecmp(s, "WARNING") == 0 || strcasecmp(s, "WARN") == 0) {
        return OCTO_LOG_WARN;
    }
    if (strcasecmp(s, "ERROR") == 0 || strcasecmp(s, "CRITICAL") == 0) {
        return OCTO_LOG_ERROR;
    }
    return 0;
}

int octo_log_open(const char *dir, const char *name, octo_error *err)
{
    FILE *fp;
    char path[PATH_MAX];

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    fp = fopen(path, "ae");
    if (fp == NULL) {
        return octo_error_set(err, OCTO_EIO, NULL, "cannot open log file %s: %s", name,
                              strerror(errno));
    }
    setvbuf(fp, NULL, _IOLBF, 0);
    pthread_mutex_lock(&g_mutex);
    if (g_file != NULL) {
        fclose(g_file);
    }
    g_file = fp;
    snprintf(g_path, sizeof(g_path), "%s", path);
    pthread_mutex_unlock(&g_mutex);
    return OCTO_OK;
}

void octo_log_close(void)
{
    pthread_mutex_lock(&g_mutex);
    if (g_file != NULL) {
        fclose(g_file);
        g_file = NULL;
    }
    g_path[0] = '\0';
    pthread_mutex_unlock(&g_mutex);
}

const char *octo_log_file(void)
{
    return g_path[0] != '\0' ? g_path : NULL;
}

void octo_log_set_level(int level)
{
    if (level >= OCTO_LOG_ERROR && level <= OCTO_LOG_DEBUG) {
        atomic_store(&g_level, level);
    }
}

int octo_log_get_level(void)
{
    return atomic_load(&g_level);
}

void octo_log_set_stderr(int on)
{
    atomic_store(&g_stderr, on);
}

int octo_log_enabled(int level)
{
    return level <= atomic_load(&g_level);
}

void octo_log_request_reopen(void)
{
    g_reopen = 1;
}

void octo_logv(int level, const char *fmt, va_list ap)
{
    struct octo_buf line = OCTO_BUF_INIT;
    struct timeval tv;
    struct tm tm;
    char stamp[32];

    if (!octo_log_enabled(level)) {
        return;
    }
    gettimeofday(&tv, NULL);
    localtime_r(&tv.tv_sec, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
    octo_buf_printf(&line, "%s,%03d - %s - ", stamp, (int)(tv.tv_usec / 1000), level_name(level));
    octo_buf_vprintf(&line, fmt, ap);
    octo_redact_buf(&line);
    octo_buf_putc(&line, '\n');
    if (octo_buf_failed(&line)) {
        octo_buf_free(&line);
        return;
    }
    pthread_mutex_lock(&g_mutex);
    if (g_reopen && g_path[0] != '\0') {
        FILE *fp = fopen(g_path, "ae");

        g_reopen = 0;
        if (fp != NULL) {
            setvbuf(fp, NULL, _IOLBF, 0);
            if (g_file != NULL) {
                fclose(g_file);
            }
            g_file = fp;
        }
    }
    if (g_file != NULL) {
        fwrite(line.data, 1, line.len, g_file);
        fflush(g_file);
    }
    if (atomic_load(&g_stderr)) {
        fwrite(line.data, 1, line.len, stderr);
    }
    pthread_mutex_unlock(&g_mutex);
    octo_buf_free(&line);
}

void octo_log(int level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    octo_logv(level, fmt, ap);
    va_end(ap);
}
