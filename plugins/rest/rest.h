/* rest.h - internals of the rest step plugin, private to its files
 * (rest*.c here); nothing else includes it, and none of it is exported
 * (hidden visibility: the plugin exports only octo_plugin_entry). */
#ifndef OCTO_REST_H
#define OCTO_REST_H

#include <curl/curl.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include <octoflow/octo_step.h>

enum rest_auth { AUTH_NONE = 0, AUTH_BASIC, AUTH_TOKEN, AUTH_API_KEY };

/* How often a transfer in progress checks host->cancelled() (ms). */
#define REST_POLL_MS 20

/* The prepared step: immutable after prepare(), shared by concurrent runs
 * (DNS cache and TLS sessions are shared through a locked CURLSH). */
struct rest_step {
    enum rest_auth auth;
    const char *secret; /* borrowed from the options */
    const char *bearer; /* token auth: the scheme word */
    int verify;         /* TLS verification */
    char *ca_file;      /* NULL: system CAs; absolute (owned) */
    long timeout_ms;
    long connect_timeout_ms;
    long max_redirects;
    size_t max_response;
    struct curl_slist *connect_to; /* OCTO_CONNECT_TO */
    CURLSH *share;
    pthread_mutex_t locks[CURL_LOCK_DATA_LAST];
};

/* What a response said besides its status and body. */
struct rest_reply {
    long status;
    uint32_t retry_after_ms; /* Retry-After (seconds or an HTTP date) of the
                                final answer; 0 when absent, past or bad */
};

/* One request's inputs, resolved by rest.c (with rest_build.c). */
struct rest_call {
    const char *method; /* "GET", ... */
    const char *url;
    struct curl_slist *headers; /* the step's and the defaults, no credential */
    const char *auth_line;      /* the authentication header ("Authorization: ...",
                                   "<key>: <value>"), or NULL */
    const char *body;           /* NULL: none */
    size_t body_len;
};

/* rest_prepare.c: the step's prepare and destroy (octo_step_type). The
 * prepared step (new, owned by the core until destroy) borrows strings of
 * options. */
int rest_prepare(const octo_host *h, json_t *options, void **inst, octo_error *err);
void rest_destroy(const octo_host *h, void *inst);

/* rest_build.c: Python's str() of v (borrowed) as a string the caller
 * frees with h->free; NULL when out of memory. */
char *rest_text_of(const octo_host *h, json_t *v);
/* uri with query (borrowed; may be NULL) appended as urlencode does, in
 * *url (malloc'd). */
int rest_build_url(const octo_host *h, const char *uri, json_t *query, char **url, octo_error *err);
/* The Authorization (or api key) header line from the step's secret, in
 * *out (malloc'd; the caller clears and frees it). */
int rest_auth_header(const octo_host *h, octo_ctx *ctx, const struct rest_step *s, char **out,
                     octo_error *err);

/* rest_response.c: the answer (body, len bytes) as the step's output
 * (*out new), or an http error with status_code, response_content and
 * Retry-After. */
int rest_response(const octo_host *h, const struct rest_reply *reply, const char *method,
                  const char *body, size_t len, json_t **out, octo_error *err);

/* Perform the request, following redirects itself (at most
 * s->max_redirects): the credential headers - auth_line and any
 * Authorization, Proxy-Authorization or Cookie header of the step - go
 * only to the origin (scheme, host, port) of call->url; after a redirect
 * to another origin they are not sent again, for the rest of the chain.
 * Methods change as Python's requests changes them (303, and 302 for any
 * method, 301 for POST, become GET without a body). The transfer is
 * driven by a multi handle polled every REST_POLL_MS, so it stops within
 * that time of host->cancelled() becoming true.
 * The status and Retry-After in reply, the body in resp (malloc'd, caller
 * frees) and its length. Returns OCTO_OK or ENETWORK/ETIMEDOUT/ECANCELED/EIO
 * with err filled (curl's message). */
int rest_perform(const octo_host *h, octo_ctx *ctx, const struct rest_step *s,
                 const struct rest_call *call, struct rest_reply *reply, char **resp,
                 size_t *resp_len, octo_error *err);

/* A Retry-After header value (delay-seconds or an HTTP date, RFC 9110
 * 10.2.3) as milliseconds from now; 0 when it is absent, in the past or
 * not understood. now is the current time (seconds since the epoch). */
uint32_t rest_retry_after_ms(const char *value, time_t now);

/* Python's urllib.parse.quote_plus of s (n bytes) appended to a
 * growable string (out, len, cap). */
int rest_quote_plus(const char *s, size_t n, char **out, size_t *len, size_t *cap);
/* Base64 (standard alphabet, padded) of s; malloc'd. */
char *rest_base64(const char *s, size_t n);
/* Append text to the growable string. */
int rest_append(const char *s, size_t n, char **out, size_t *len, size_t *cap);

#endif
