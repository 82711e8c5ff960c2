/* routes_misc.c - /api/locks, /api/logs, /api/jobs, /api/health, docs.
 *
 * /api/locks answers from a cache keyed by the lock directory's mtime
 * (lock files are created and removed, never rewritten), so a busy
 * client does not cost a directory scan per request. /api/logs reads the
 * last N lines from the end of the file, never the whole file.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <octoflow/core.h>

#include "buf.h"
#include "jobs.h"
#include "openapi.h"
#include "routes.h"

#define MAX_LOG_LINES 100000

static pthread_mutex_t g_locks_mu = PTHREAD_MUTEX_INITIALIZER;
static json_t *g_locks_cache;
static struct timespec g_locks_mtime;

static json_t *locks_cached(void)
{
    struct stat st;
    json_t *v;

    if (stat(octo_config()->lock_path, &st) != 0) {
        return octo_locks_list();
    }
    pthread_mutex_lock(&g_locks_mu);
    if (g_locks_cache != NULL && st.st_mtim.tv_sec == g_locks_mtime.tv_sec &&
        st.st_mtim.tv_nsec == g_locks_mtime.tv_nsec) {
        v = json_incref(g_locks_cache);
        pthread_mutex_unlock(&g_locks_mu);
        return v;
    }
    pthread_mutex_unlock(&g_locks_mu);
    v = octo_locks_list();
    /* cache only a directory that has been still for a second: a lock file
     * just created may not hold its timestamp yet */
    if (time(NULL) - st.st_mtim.tv_sec >= 2) {
        pthread_mutex_lock(&g_locks_mu);
        json_decref(g_locks_cache);
        g_locks_cache = json_incref(v);
        g_locks_mtime = st.st_mtim;
        pthread_mutex_unlock(&g_locks_mu);
    }
    return v;
}

/* Forget the cached listing. Removing only nested lock files leaves
 * LOCK_PATH's own mtime unchanged, so after a DELETE the cache kept
 * listing files that were gone (tests/e2e/test_api_routes.py,
 * test_locks_list_after_deleting_nested_locks). */
static void locks_cache_drop(void)
{
    pthread_mutex_lock(&g_locks_mu);
    json_decref(g_locks_cache);
    g_locks_cache = NULL;
    pthread_mutex_unlock(&g_locks_mu);
}

void octo_route_locks_list(struct octo_req *req)
{
    octo_http_json(req, 200, json_pack("{s:o}", "locks", locks_cached()));
}

void octo_route_locks_delete_all(struct octo_req *req)
{
    int n = octo_locks_clear_files();

    locks_cache_drop();
    octo_log(OCTO_LOG_INFO, "%d lock file(s) removed through the API", n);
    octo_http_json(req, 200, json_pack("{s:s}", "status", "All locks released."));
}

void octo_route_locks_delete(struct octo_req *req)
{
    char removed[512];
    int rc = octo_locks_remove_file(req->param, removed, sizeof(removed));

    locks_cache_drop();
    if (rc == OCTO_OK) {
        octo_log(OCTO_LOG_INFO, "lock file %s removed through the API", removed);
        octo_http_json(req, 200,
                       json_pack("{s:o}", "status",
                                 json_sprintf("Lock for %s released.", req->param)));
    } else {
        octo_http_error(req, 404, "No lock found for %s.", req->param);
    }
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

void octo_route_logs(struct octo_req *req)
{
    char val[32];
    long n = 100;
    char *end;
    const char *path = octo_log_file();
    FILE *fp;

    if (octo_http_query(req, "lines", val, sizeof(val)) >= 0) {
        errno = 0;
        n = strtol(val, &end, 10);
        if (val[0] == '\0' || *end != '\0' || errno != 0) {
            octo_http_error(req, 400, "Invalid 'lines' parameter");
            return;
        }
        if (n <= 0) {
            octo_http_error(req, 400, "Lines must be positive");
            return;
        }
        if (n > MAX_LOG_LINES) {
            n = MAX_LOG_LINES;
        }
    }
    fp = path != NULL ? fopen(path, "rb") : NULL;
    if (fp == NULL) {
        octo_http_error(req, 404, "Log file not found");
        return;
    }
    octo_http_json(req, 200, json_pack("{s:o}", "logs", tail(fp, n)));
    fclose(fp);
}

void octo_route_jobs(struct octo_req *req)
{
    octo_http_json(req, 200, json_pack("{s:o}", "running", octo_jobs_list()));
}

void octo_route_health(struct octo_req *req)
{
    octo_http_json(req, 200,
                   json_pack("{s:s, s:s, s:s, s:I, s:I}", "status", "ok", "version", OCTO_VERSION,
                             "abi", OCTO_ABI_MAJOR == 1 ? "1.0" : "?", "running_flows",
                             (json_int_t)octo_jobs_active(), "plugins",
                             (json_int_t)octo_plugins_count()));
}

void octo_route_swagger(struct octo_req *req)
{
    octo_http_raw(req, 200, "application/json", octo_openapi_json(), strlen(octo_openapi_json()));
}

void octo_route_docs(struct octo_req *req)
{
    octo_http_raw(req, 200, "text/html; charset=utf-8", octo_docs_html(), strlen(octo_docs_html()));
}
