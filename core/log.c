/* log.c - the service log (see log.h).
 *
 * One mutex serialises writes so lines never interleave; formatting and
 * redaction happen before taking it. In the service a writer thread does
 * the writing (log_writer.c): the thread that logs only queues its line.
 * The reopen request is a sig_atomic_t flag checked under the mutex.
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
#include "log_writer.h"
#include "redact.h"
#include "xalloc.h"

static pthread_mutex_t g_mutex = PTHREAD_MUTEX_INITIALIZER;
static FILE *g_file;
static char g_path[PATH_MAX];
static atomic_int g_level = OCTO_LOG_INFO;
static atomic_int g_stderr = 1;
static atomic_int g_stderr_level = OCTO_LOG_DEBUG; /* the most verbose level stderr gets */
static atomic_int g_reopen; /* set by SIGHUP's handler (lock-free: async-signal-safe) */
static _Thread_local const char *t_tag;
static void (*_Atomic g_sink)(int level, const char *line, size_t len);

const char *octo_log_set_tag(const char *tag)
{
    const char *old = t_tag;

    t_tag = tag;
    return old;
}

const char *octo_log_get_tag(void)
{
    return t_tag;
}

void octo_log_set_sink(void (*sink)(int level, const char *line, size_t len))
{
    atomic_store(&g_sink, sink);
}

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
    setvbuf(fp, NULL, _IOFBF, 1 << 16); /* a batch at a time: fflush after each */
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
    octo__log_writer_stop();
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

void octo_log_set_stderr_level(int level)
{
    atomic_store(&g_stderr_level, level);
}

int octo_log_enabled(int level)
{
    return level <= atomic_load(&g_level);
}

void octo_log_request_reopen(void)
{
    atomic_store(&g_reopen, 1);
}

/* The writer thread's queue knows no levels: a line stderr would filter
 * (`octoflow run` keeps INFO off its terminal) is written at once. */
static int queueable(int level)
{
    return !atomic_load(&g_stderr) || level <= atomic_load(&g_stderr_level);
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
    if (t_tag != NULL) {
        octo_buf_printf(&line, "[%s] ", t_tag);
    }
    octo_buf_vprintf(&line, fmt, ap);
    octo_redact_buf(&line);
    octo_buf_putc(&line, '\n');
    if (octo_buf_failed(&line)) {
        octo_buf_free(&line);
        return;
    }
    {
        void (*sink)(int, const char *, size_t) = atomic_load(&g_sink);

        if (sink != NULL) {
            sink(level, line.data, line.len);
            octo_buf_free(&line);
            return;
        }
    }
    {
        size_t len = line.len;
        char *text = octo_buf_steal(&line, NULL);

        if (text != NULL && queueable(level) && octo__logq_push(text, len)) {
            return;
        }
        if (text != NULL) {
            octo__log_emit(level, text, len);
        }
        free(text);
    }
}

void octo_log_write_raw(int level, const char *data, size_t len)
{
    if (queueable(level)) {
        char *copy = octo_xmalloc(len);

        memcpy(copy, data, len);
        if (octo__logq_push(copy, len)) {
            return;
        }
        free(copy);
    }
    octo__log_emit(level, data, len);
}

int octo_log_start_writer(void)
{
    return octo__log_writer_start();
}

void octo_log_flush(void)
{
    octo__log_writer_flush();
}

void octo__log_emit(int level, const char *data, size_t len)
{
    pthread_mutex_lock(&g_mutex);
    if (g_path[0] != '\0' && atomic_exchange(&g_reopen, 0)) {
        FILE *fp = fopen(g_path, "ae");

        if (fp != NULL) {
            setvbuf(fp, NULL, _IOFBF, 1 << 16); /* a batch at a time: fflush after each */
            if (g_file != NULL) {
                fclose(g_file);
            }
            g_file = fp;
        }
    }
    if (g_file != NULL) {
        fwrite(data, 1, len, g_file);
        fflush(g_file);
    }
    if (atomic_load(&g_stderr) && level <= atomic_load(&g_stderr_level)) {
        fwrite(data, 1, len, stderr);
    }
    pthread_mutex_unlock(&g_mutex);
}

void octo_log(int level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    octo_logv(level, fmt, ap);
    va_end(ap);
}

/* The last n lines of fp (each with its newline, as Python's readlines),
 * read backwards in chunks until n+1 line breaks are in hand. */
static json_t *tail(FILE *fp, long n)
{
    char chunk[8192];
    struct octo_buf acc = OCTO_BUF_INIT;
    long pos;
    long newlines = 0;
    size_t i;
    size_t start = 0;
    size_t pieces = 0;
    size_t skip;
    json_t *lines = json_array();

    fseek(fp, 0, SEEK_END);
    pos = ftell(fp);
    while (pos > 0 && newlines <= n) {
        long take = pos >= (long)sizeof(chunk) ? (long)sizeof(chunk) : pos;
        struct octo_buf next = OCTO_BUF_INIT;

        pos -= take;
        fseek(fp, pos, SEEK_SET);
        if (fread(chunk, 1, (size_t)take, fp) != (size_t)take) {
            break;
        }
        for (i = 0; i < (size_t)take; i++) {
            newlines += chunk[i] == '\n';
        }
        octo_buf_append(&next, chunk, (size_t)take);
        octo_buf_append(&next, acc.data != NULL ? acc.data : "", acc.len);
        octo_buf_free(&acc);
        acc = next;
    }
    for (i = 0; i < acc.len; i++) {
        pieces += acc.data[i] == '\n' || i + 1 == acc.len;
    }
    skip = pos > 0 ? 1 : 0; /* the first piece is part of an earlier line */
    if (pieces - skip > (size_t)n) {
        skip = pieces - (size_t)n;
    }
    for (i = 0; i < acc.len; i++) {
        if (acc.data[i] == '\n' || i + 1 == acc.len) {
            if (skip > 0) {
                skip--;
            } else {
                json_array_append_new(lines, json_stringn(acc.data + start, i + 1 - start));
            }
            start = i + 1;
        }
    }
    octo_buf_free(&acc);
    return lines;
}

json_t *octo_log_tail(long n)
{
    FILE *fp;
    json_t *lines;
    char path[PATH_MAX];

    octo__log_writer_flush(); /* what was logged before the request is in the file */
    pthread_mutex_lock(&g_mutex);
    snprintf(path, sizeof(path), "%s", g_path);
    pthread_mutex_unlock(&g_mutex);
    if (path[0] == '\0' || (fp = fopen(path, "rbe")) == NULL) {
        return NULL;
    }
    lines = tail(fp, n);
    fclose(fp);
    return lines;
}
