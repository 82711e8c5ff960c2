/* rest_request.c - one HTTP request with libcurl for the rest step.
 *
 * Each thread keeps one easy handle inside one multi handle (a pthread key
 * whose destructor cleans both up); the easy handle is reset before every
 * call. The multi handle holds the connection cache, so the calls a pool
 * worker makes reuse their connections without sharing a cache between
 * threads, which libcurl does not support (see rest_prepare.c). The step's DNS
 * cache and TLS sessions are shared through its locked CURLSH.
 *
 * Cancellation: curl_easy_perform checks its progress callback about once
 * a second while a server is silent, so a cancelled or timed-out run
 * overshot by up to a second. The transfer is driven here with
 * curl_multi_perform and curl_multi_poll, waking at least every
 * REST_POLL_MS to ask host->cancelled(); a cancelled transfer is removed
 * from the multi handle (its connection is closed).
 *
 * Redirects are followed here, not by libcurl: libcurl drops a custom
 * Authorization header on a redirect to another host but sends every
 * other custom header on, the api_key header included. Each hop compares
 * the next URL's origin (scheme, host, port) with the first one; once the
 * chain leaves it, the credential headers are not sent again. Only http
 * and https, TLS verified unless the step says otherwise, timeouts always
 * set (the step's timeout covers the whole chain).
 */
#include "rest.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* This thread's handles. Created once per thread on first use; the key is
 * the plugin's only process-wide state and is never written again. */
struct handles {
    CURL *easy;
    CURLM *multi;
};

static pthread_key_t g_handle_key;
static pthread_once_t g_handle_once = PTHREAD_ONCE_INIT;
static int g_handle_key_ok;

static void handles_free(void *p)
{
    struct handles *hd = p;

    if (hd != NULL) {
        curl_easy_cleanup(hd->easy);
        curl_multi_cleanup(hd->multi);
        free(hd);
    }
}

static void handle_key_init(void)
{
    g_handle_key_ok = pthread_key_create(&g_handle_key, handles_free) == 0;
}

static struct handles *handles_new(void)
{
    struct handles *hd = calloc(1, sizeof(*hd));

    if (hd == NULL) {
        return NULL;
    }
    hd->easy = curl_easy_init();
    hd->multi = curl_multi_init();
    if (hd->easy == NULL || hd->multi == NULL) {
        handles_free(hd);
        return NULL;
    }
    return hd;
}

/* This thread's handles, or fresh ones when the key is unavailable
 * (*owned is then set: the caller frees them with handles_free). */
static struct handles *thread_handles(int *owned)
{
    struct handles *hd;

    pthread_once(&g_handle_once, handle_key_init);
    *owned = 0;
    if (!g_handle_key_ok) {
        *owned = 1;
        return handles_new();
    }
    hd = pthread_getspecific(g_handle_key);
    if (hd != NULL) {
        return hd;
    }
    hd = handles_new();
    if (hd != NULL && pthread_setspecific(g_handle_key, hd) != 0) {
        *owned = 1;
    }
    return hd;
}

struct sink {
    char *data;
    size_t len;
    size_t cap;
    size_t max;
    int too_big;
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

static long now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* scheme, host and port of a URL (port filled in from the scheme);
 * 0 when it cannot be parsed. Strings are curl's (curl_free). */
struct origin {
    char *scheme;
    char *host;
    char *port;
};

static void origin_free(struct origin *o)
{
    curl_free(o->scheme);
    curl_free(o->host);
    curl_free(o->port);
    memset(o, 0, sizeof(*o));
}

static int origin_of(const char *url, struct origin *o)
{
    CURLU *u = curl_url();
    int ok = 0;

    memset(o, 0, sizeof(*o));
    if (u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &o->scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &o->host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &o->port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
        ok = 1;
    }
    curl_url_cleanup(u);
    if (!ok) {
        origin_free(o);
    }
    return ok;
}

/* Non-zero when url has the same scheme, host and port as o. Anything
 * that cannot be compared counts as another origin. */
static int same_origin(const struct origin *o, const char *url)
{
    struct origin n;
    int same;

    if (o->scheme == NULL || !origin_of(url, &n)) {
        return 0;
    }
    same = strcasecmp(o->scheme, n.scheme) == 0 && strcasecmp(o->host, n.host) == 0 &&
           strcmp(o->port, n.port) == 0;
    origin_free(&n);
    return same;
}

/* Headers that carry a credential besides the step's authentication. */
static int is_credential_header(const char *line)
{
    static const char *const names[] = {"Authorization:", "Proxy-Authorization:", "Cookie:", NULL};
    size_t i;

    for (i = 0; names[i] != NULL; i++) {
        if (strncasecmp(line, names[i], strlen(names[i])) == 0) {
            return 1;
        }
    }
    return 0;
}

/* The header list of one hop: the call's headers, without the credential
 * ones after the chain left the first origin, without Content-Type when
 * the body was dropped, and the authentication line when it may go. */
static struct curl_slist *hop_headers(const struct rest_call *call, int credentials, int body)
{
    struct curl_slist *out = NULL;
    const struct curl_slist *l;

    for (l = call->headers; l != NULL; l = l->next) {
        if ((!credentials && is_credential_header(l->data)) ||
            (!body && strncasecmp(l->data, "Content-Type:", 13) == 0)) {
            continue;
        }
        out = curl_slist_append(out, l->data);
    }
    if (credentials && call->auth_line != NULL) {
        out = curl_slist_append(out, call->auth_line);
    }
    return out;
}

static void clear_free(struct curl_slist *l)
{
    struct curl_slist *p;

    for (p = l; p != NULL; p = p->next) {
        memset(p->data, 0, strlen(p->data)); /* may hold a credential */
    }
    curl_slist_free_all(l);
}

/* One transfer on the thread's multi handle, checking for cancellation
 * every REST_POLL_MS. Returns curl's result, or CURLE_ABORTED_BY_CALLBACK
 * when the run was cancelled. */
static CURLcode transfer(const octo_host *h, octo_ctx *ctx, struct handles *hd)
{
    CURLcode cc = CURLE_OK;
    CURLMsg *msg;
    int running = 1;
    int left;

    if (curl_multi_add_handle(hd->multi, hd->easy) != CURLM_OK) {
        return CURLE_OUT_OF_MEMORY;
    }
    for (;;) {
        long wait = REST_POLL_MS;
        long curl_wait = -1;

        if (curl_multi_perform(hd->multi, &running) != CURLM_OK) {
            cc = CURLE_SEND_ERROR;
            break;
        }
        if (running == 0) {
            break;
        }
        if (h->cancelled(ctx)) {
            cc = CURLE_ABORTED_BY_CALLBACK;
            break;
        }
        /* wake for curl's own timers (timeouts, retries) too */
        if (curl_multi_timeout(hd->multi, &curl_wait) == CURLM_OK && curl_wait >= 0 &&
            curl_wait < wait) {
            wait = curl_wait;
        }
        if (curl_multi_poll(hd->multi, NULL, 0, (int)wait, NULL) != CURLM_OK) {
            cc = CURLE_RECV_ERROR;
            break;
        }
    }
    if (running == 0) {
        while ((msg = curl_multi_info_read(hd->multi, &left)) != NULL) {
            if (msg->msg == CURLMSG_DONE && msg->easy_handle == hd->easy) {
                cc = msg->data.result;
            }
        }
    }
    curl_multi_remove_handle(hd->multi, hd->easy);
    return cc;
}

/* The method after a redirect with this status, as Python's requests
 * (the original) does it: 303 and 302 turn anything but HEAD into GET,
 * 301 turns POST into GET; 307 and 308 keep it. */
static const char *redirected_method(long status, const char *method)
{
    if ((status == 303 || status == 302) && strcmp(method, "HEAD") != 0) {
        return "GET";
    }
    if (status == 301 && strcmp(method, "POST") == 0) {
        return "GET";
    }
    return method;
}

static void setup(CURL *c, const struct rest_step *s, const char *url, const char *method,
                  const struct rest_call *call, int body, struct curl_slist *headers,
                  long timeout_ms, struct sink *sink, char *errbuf)
{
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_SHARE, s->share);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                     s->connect_timeout_ms < timeout_ms ? s->connect_timeout_ms : timeout_ms);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, sink);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
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
    if (strcmp(method, "GET") != 0) {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    }
    if (body && call->body != NULL) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, call->body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)call->body_len);
    }
}

uint32_t rest_retry_after_ms(const char *value, time_t now)
{
    const char *p = value;
    double ms;

    if (p == NULL) {
        return 0;
    }
    while (*p == ' ' || *p == '\t') {
        p++;
    }
    if (*p >= '0' && *p <= '9') {
        /* delay-seconds: 1*DIGIT, nothing else */
        unsigned long long secs = 0;

        while (*p >= '0' && *p <= '9') {
            secs = secs < 100000000ULL ? secs * 10 + (unsigned)(*p - '0') : secs;
            p++;
        }
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
            p++;
        }
        if (*p != '\0') {
            return 0;
        }
        ms = (double)secs * 1000.0;
    } else {
        /* an HTTP date: IMF-fixdate, RFC 850 or asctime (curl_getdate reads all three) */
        time_t at = curl_getdate(p, NULL);

        if (at == (time_t)-1 || at <= now) {
            return 0;
        }
        ms = difftime(at, now) * 1000.0;
    }
    return ms >= (double)UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
}

/* The Retry-After header of the transfer just done, or 0. */
static uint32_t retry_after_of(CURL *c)
{
    struct curl_header *hh = NULL;

    if (curl_easy_header(c, "Retry-After", 0, CURLH_HEADER, -1, &hh) != CURLHE_OK || hh == NULL) {
        return 0;
    }
    return rest_retry_after_ms(hh->value, time(NULL));
}

int rest_perform(const octo_host *h, octo_ctx *ctx, const struct rest_step *s,
                 const struct rest_call *call, struct rest_reply *reply, char **resp,
                 size_t *resp_len, octo_error *err)
{
    long *status = &reply->status;
    int owned = 0;
    struct handles *hd = thread_handles(&owned);
    struct sink sink = {NULL, 0, 0, s->max_response, 0};
    struct origin first;
    char errbuf[CURL_ERROR_SIZE] = "";
    char *url = NULL;
    char *next_url = NULL;
    const char *method = call->method;
    long deadline = now_ms() + s->timeout_ms;
    long redirects = 0;
    int credentials = 1;
    int body = 1;
    CURLcode cc = CURLE_OK;
    int rc = OCTO_OK;

    *status = 0;
    reply->retry_after_ms = 0;
    *resp = NULL;
    *resp_len = 0;
    if (hd == NULL) {
        return h->error_set(err, OCTO_ENOMEM, NULL, "out of memory");
    }
    origin_of(call->url, &first); /* a bad URL: curl reports it below */
    url = strdup(call->url);
    for (;;) {
        struct curl_slist *headers = hop_headers(call, credentials, body);
        long left = deadline - now_ms();
        char *loc = NULL;

        if (url == NULL) {
            clear_free(headers);
            rc = h->error_set(err, OCTO_ENOMEM, NULL, "out of memory");
            break;
        }
        if (left <= 0) {
            clear_free(headers);
            cc = CURLE_OPERATION_TIMEDOUT;
            snprintf(errbuf, sizeof(errbuf), "Operation timed out after %ld milliseconds",
                     s->timeout_ms);
            break;
        }
        free(sink.data);
        memset(&sink, 0, sizeof(sink));
        sink.max = s->max_response;
        errbuf[0] = '\0';
        setup(hd->easy, s, url, method, call, body, headers, left, &sink, errbuf);
        cc = transfer(h, ctx, hd);
        curl_easy_getinfo(hd->easy, CURLINFO_RESPONSE_CODE, status);
        reply->retry_after_ms = cc == CURLE_OK ? retry_after_of(hd->easy) : 0;
        if (cc == CURLE_OK && *status >= 300 && *status < 400 &&
            curl_easy_getinfo(hd->easy, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc != NULL) {
            next_url = strdup(loc);
        }
        /* drop what points into this hop's memory; the connections stay */
        curl_easy_setopt(hd->easy, CURLOPT_HTTPHEADER, NULL);
        curl_easy_setopt(hd->easy, CURLOPT_ERRORBUFFER, NULL);
        curl_easy_setopt(hd->easy, CURLOPT_SHARE, NULL);
        clear_free(headers);
        if (next_url == NULL) {
            break;
        }
        if (redirects == s->max_redirects) {
            cc = CURLE_TOO_MANY_REDIRECTS;
            snprintf(errbuf, sizeof(errbuf), "Maximum (%ld) redirects followed", redirects);
            break;
        }
        redirects++;
        if (credentials && !same_origin(&first, next_url)) {
            credentials = 0;
            h->log(ctx, OCTO_LOG_INFO,
                   "-> redirected to another origin: the credential headers are not sent there");
        }
        method = redirected_method(*status, method);
        if (strcmp(method, "GET") == 0 && strcmp(call->method, "GET") != 0) {
            body = 0;
        }
        free(url);
        url = next_url;
        next_url = NULL;
    }
    free(next_url);
    free(url);
    origin_free(&first);
    if (rc == OCTO_OK) {
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
    }
    if (owned) {
        handles_free(hd);
    }
    if (rc != OCTO_OK) {
        free(sink.data);
        return rc;
    }
    *resp = sink.data;
    *resp_len = sink.len;
    return OCTO_OK;
}
