/* rest_request.c - one HTTP request with libcurl for the rest step.
 *
 * Each thread keeps one easy handle (a pthread key whose destructor cleans
 * it up), reset before every call: a handle keeps its own connection
 * cache, so the calls a pool worker makes reuse their connections without
 * sharing a connection cache between threads, which libcurl does not
 * support (see rest.c). The step's DNS cache and TLS sessions are shared
 * through its locked CURLSH.
 * Only http and https, redirects followed within max_redirects, TLS
 * verified unless the step says otherwise, timeouts always set, and the
 * transfer aborted from the progress callback when the run is cancelled.
 */
#include "rest.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* The per-thread handle. Created once per process on first use; the key
 * is the plugin's only process-wide state and is never written again. */
static pthread_key_t g_handle_key;
static pthread_once_t g_handle_once = PTHREAD_ONCE_INIT;
static int g_handle_key_ok;

static void handle_free(void *c)
{
    curl_easy_cleanup(c);
}

static void handle_key_init(void)
{
    g_handle_key_ok = pthread_key_create(&g_handle_key, handle_free) == 0;
}

/* This thread's handle, reset (connections kept), or a fresh one when the
 * key is unavailable (*owned is then set: the caller cleans it up). */
static CURL *thread_handle(int *owned)
{
    CURL *c;

    pthread_once(&g_handle_once, handle_key_init);
    *owned = 0;
    if (!g_handle_key_ok) {
        *owned = 1;
        return curl_easy_init();
    }
    c = pthread_getspecific(g_handle_key);
    if (c != NULL) {
        curl_easy_reset(c);
        return c;
    }
    c = curl_easy_init();
    if (c != NULL && pthread_setspecific(g_handle_key, c) != 0) {
        *owned = 1;
    }
    return c;
}

struct sink {
    char *data;
    size_t len;
    size_t cap;
    size_t max;
    int too_big;
};

struct progress {
    const octo_host *h;
    octo_ctx *ctx;
};

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
    struct sink *s = ud;
    size_t add = size * n;

    if (s->len + add > s->max) {
        s->too_big = 1;
        return 0;
    }
    if (rest_append(p, add, &s->data, &s->len, &s->cap) != 0) {
        return 0;
    }
    return add;
}

static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    struct progress *p = ud;

    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    return p->h->cancelled(p->ctx) ? 1 : 0;
}

int rest_perform(const octo_host *h, octo_ctx *ctx, const struct rest_step *s,
                 const struct rest_call *call, long *status, char **resp, size_t *resp_len,
                 octo_error *err)
{
    int owned = 0;
    CURL *c = thread_handle(&owned);
    struct sink sink = {NULL, 0, 0, s->max_response, 0};
    struct progress prog = {h, ctx};
    char errbuf[CURL_ERROR_SIZE] = "";
    CURLcode cc;
    int rc = OCTO_OK;

    *status = 0;
    *resp = NULL;
    *resp_len = 0;
    if (c == NULL) {
        return h->error_set(err, OCTO_ENOMEM, NULL, "out of memory");
    }
    curl_easy_setopt(c, CURLOPT_URL, call->url);
    curl_easy_setopt(c, CURLOPT_SHARE, s->share);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, s->max_redirects);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, s->timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, s->connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, call->headers);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &prog);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(c, CURLOPT_USERAGENT, "octoflow-rest/1.0");
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, s->verify ? 1L : 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, s->verify ? 2L : 0L);
    if (s->ca_file != NULL) {
        curl_easy_setopt(c, CURLOPT_CAINFO, s->ca_file);
    }
    if (s->connect_to != NULL) {
        curl_easy_setopt(c, CURLOPT_CONNECT_TO, s->connect_to);
    }
    if (strcmp(call->method, "GET") != 0) {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, call->method);
    }
    if (call->body != NULL) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, call->body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)call->body_len);
    }
    cc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    if (cc == CURLE_ABORTED_BY_CALLBACK) {
        rc = h->error_set(err, OCTO_ECANCELED, NULL, "%s request cancelled", call->method);
    } else if (cc == CURLE_WRITE_ERROR && sink.too_big) {
        rc = h->error_set(err, OCTO_EIO, NULL, "the response is larger than %zu bytes",
                          s->max_response);
    } else if (cc == CURLE_OPERATION_TIMEDOUT) {
        rc = h->error_set(err, OCTO_ETIMEDOUT, NULL, "%s timed out: %s", call->method,
                          errbuf[0] != '\0' ? errbuf : curl_easy_strerror(cc));
    } else if (cc != CURLE_OK) {
        rc = h->error_set(err, OCTO_ENETWORK, NULL, "%s failed: %s", call->method,
                          errbuf[0] != '\0' ? errbuf : curl_easy_strerror(cc));
    }
    /* drop what points into this call's memory; the connections stay */
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
    curl_easy_setopt(c, CURLOPT_SHARE, NULL);
    if (owned) {
        curl_easy_cleanup(c);
    }
    if (rc != OCTO_OK) {
        free(sink.data);
        return rc;
    }
    *resp = sink.data;
    *resp_len = sink.len;
    return OCTO_OK;
}
