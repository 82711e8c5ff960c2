/* api.c - the REST API on civetweb: listening, routing, auth, CORS.
 *
 * DESIGN
 * ------
 * One catch-all civetweb handler dispatches through a route table
 * (method, pattern, handler, auth). Order of checks, per request:
 * OPTIONS preflight (no auth) -> the exact docs and health routes (no
 * auth) -> bearer token (constant-time) -> route match: a path that
 * matches with another method is 405, no match is 404. Every error,
 * civetweb's own included (http_error callback), is a JSON body. One
 * access line per request goes to the log at INFO.
 *
 * HTTPS: Debian's civetweb needs our OpenSSL 3 shim (tlscompat/) loaded
 * before mg_init_library; https is refused at start when civetweb does not
 * report the TLS feature (why: tlscompat/ssl_compat.c; docs/service.md,
 * HTTPS).
 */
#include "api.h"

#include <ctype.h>
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <octoflow/core.h>

#include "api_config.h"
#include "big_stack.h"
#include "conn_guard.h"
#include "http.h"
#include "http_guard.h"
#include "routes.h"

#ifndef OCTO_TLSCOMPAT_FROM_BINDIR
#define OCTO_TLSCOMPAT_FROM_BINDIR "../lib/octoflow/tlscompat/libssl.so"
#endif
#ifndef OCTO_INSTALLED_TLSCOMPAT
#define OCTO_INSTALLED_TLSCOMPAT "/usr/local/lib/octoflow/tlscompat/libssl.so"
#endif

#define AUTH_NONE    0
#define AUTH_TOKEN   1
#define AUTH_METRICS 2 /* the token, unless METRICS_PUBLIC=true */

struct route {
    const char *method;
    const char *pattern; /* a "{name}" segment matches one non-empty segment */
    octo_route_fn fn;
    int auth;
};

static const struct route ROUTES[] = {
    {"GET", "/api/flows", octo_route_flows_list, AUTH_TOKEN},
    {"POST", "/api/flows/add", octo_route_flows_add, AUTH_TOKEN},
    {"POST", "/api/flows/launch", octo_route_flows_launch, AUTH_TOKEN},
    {"DELETE", "/api/flows/{flow_id}", octo_route_flows_delete, AUTH_TOKEN},
    {"GET", "/api/locks", octo_route_locks_list, AUTH_TOKEN},
    {"DELETE", "/api/locks", octo_route_locks_delete_all, AUTH_TOKEN},
    {"DELETE", "/api/locks/{flow_name}", octo_route_locks_delete, AUTH_TOKEN},
    {"GET", "/api/logs", octo_route_logs, AUTH_TOKEN},
    {"GET", "/api/jobs", octo_route_jobs, AUTH_TOKEN},
    {"GET", "/api/v1/jobs", octo_route_v1_jobs_list, AUTH_TOKEN},
    {"POST", "/api/v1/jobs", octo_route_v1_jobs_launch, AUTH_TOKEN},
    {"DELETE", "/api/v1/jobs", octo_route_v1_jobs_delete_all, AUTH_TOKEN},
    {"GET", "/api/v1/jobs/{job_id}", octo_route_v1_job_get, AUTH_TOKEN},
    {"DELETE", "/api/v1/jobs/{job_id}", octo_route_v1_job_delete, AUTH_TOKEN},
    {"POST", "/api/v1/jobs/{job_id}/cancel", octo_route_v1_job_cancel, AUTH_TOKEN},
    {"GET", "/api/v1/jobs/{job_id}/events", octo_route_v1_job_events, AUTH_TOKEN},
    {"GET", "/api/v1/schedules", octo_route_v1_schedules_list, AUTH_TOKEN},
    {"POST", "/api/v1/schedules", octo_route_v1_schedules_add, AUTH_TOKEN},
    {"GET", "/api/v1/schedules/{schedule_id}", octo_route_v1_schedule_get, AUTH_TOKEN},
    {"DELETE", "/api/v1/schedules/{schedule_id}", octo_route_v1_schedule_delete, AUTH_TOKEN},
    {"POST", "/api/v1/schedules/{schedule_id}/pause", octo_route_v1_schedule_pause, AUTH_TOKEN},
    {"POST", "/api/v1/schedules/{schedule_id}/resume", octo_route_v1_schedule_resume, AUTH_TOKEN},
    {"GET", "/api/v1/logs", octo_route_logs, AUTH_TOKEN},
    {"GET", "/api/v1/flows", octo_route_v1_flows_list, AUTH_TOKEN},
    {"GET", "/metrics", octo_route_metrics, AUTH_METRICS},
    {"GET", "/", octo_route_ui, AUTH_NONE},
    {"GET", "/ui/{file}", octo_route_ui, AUTH_NONE},
    {"GET", "/api/health", octo_route_health, AUTH_NONE},
    {"GET", "/static/swagger.json", octo_route_swagger, AUTH_NONE},
    {"GET", "/api/docs", octo_route_ui, AUTH_NONE},
    {"GET", "/api/docs/", octo_route_ui, AUTH_NONE},
    {NULL, NULL, NULL, 0},
};

static atomic_int g_shutting_down;
/* Requests inside a handler: stopping civetweb drops what a handler
 * writes, so the stop waits for these first (a launch answering after
 * its run was cancelled by the shutdown must get its answer). */
static atomic_int g_inflight;

void octo_routes_set_shutting_down(void)
{
    atomic_store(&g_shutting_down, 1);
}

int octo_route_shutting_down(void)
{
    return atomic_load(&g_shutting_down);
}

void octo_route_unavailable(struct octo_req *req, const octo_error *err)
{
    static const char *const retry[] = {"Retry-After", "1", NULL};
    json_t *body;
    char *text;
    char msg[sizeof(err->msg)];

    if (err->code == OCTO_ECANCELED) {
        octo_http_error(req, 503, "The service is shutting down");
        return;
    }
    /* the core's own text (a count): nothing to redact */
    snprintf(msg, sizeof(msg), "%s", err->msg);
    msg[0] = (char)toupper((unsigned char)msg[0]);
    body = json_pack("{s:s}", "error", msg);
    text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
    if (text == NULL) {
        octo_http_error(req, 503, "%s", err->msg);
    } else {
        octo_http_raw_headers(req, 503, "application/json", text, strlen(text), retry);
    }
    free(text);
    json_decref(body);
}

static struct mg_context *g_ctx;
static int g_metrics_public; /* METRICS_PUBLIC=true: /metrics without the token */
static int g_metrics_off;    /* OCTO_METRICS_OFF=1: no HTTP metrics (bench/metrics) */
static char g_expected_auth[OCTO_API_TOKEN_MAX + 8];
static size_t g_expected_len;

/* Match path against pattern, segment by segment; a "{name}" segment
 * matches one non-empty segment, and *param gets the first one (it
 * points into path: a route's parameter ends at the next '/'). */
static int match(const char *pattern, const char *path, const char **param)
{
    const char *p = pattern;
    const char *q = path;

    *param = NULL;
    while (*p != '\0' && *q != '\0') {
        if (p[0] == '{' && strchr(p, '}') != NULL) {
            const char *end = strchr(q, '/');

            if (end == q) {
                return 0; /* an empty segment */
            }
            if (*param == NULL) {
                *param = q;
            }
            q = end != NULL ? end : q + strlen(q);
            p = strchr(p, '}') + 1;
            continue;
        }
        if (*p != *q) {
            return 0;
        }
        p++;
        q++;
    }
    return *p == '\0' && *q == '\0';
}

/* The parameter segment alone (civetweb's decoded path is ours to cut). */
static void cut_param(struct octo_req *req, char *buf, size_t cap)
{
    size_t n;

    if (req->param == NULL) {
        return;
    }
    n = strcspn(req->param, "/");
    if (n >= cap) {
        n = cap - 1;
    }
    memcpy(buf, req->param, n);
    buf[n] = '\0';
    req->param = buf;
}

/* Constant-time comparison of the Authorization header. */
static int authorized(struct mg_connection *conn)
{
    const char *h = mg_get_header(conn, "Authorization");
    size_t hl;
    size_t i;
    unsigned char diff = 0;

    if (h == NULL) {
        return 0;
    }
    hl = strlen(h);
    for (i = 0; i < g_expected_len; i++) {
        diff |= (unsigned char)(g_expected_auth[i] ^ (i < hl ? h[i] : 0));
    }
    return diff == 0 && hl == g_expected_len;
}

/* in, with control characters and '"' percent-encoded, into out: civetweb
 * hands us the URI decoded, so "GET /x%0A<forged line>" wrote a forged
 * line into the log, from clients without a token too
 * (tests/e2e/test_api_routes.py, test_access_log_cannot_be_forged). */
static const char *log_safe(const char *in, char *out, size_t cap)
{
    size_t n = 0;

    for (; in != NULL && *in != '\0' && n + 4 < cap; in++) {
        unsigned char c = (unsigned char)*in;

        if (c < 0x20 || c == 0x7f || c == '"') {
            n += (size_t)snprintf(out + n, cap - n, "%%%02X", c);
        } else {
            out[n++] = (char)c;
        }
    }
    out[n] = '\0';
    return out;
}

static void access_log(struct octo_req *req)
{
    const struct mg_request_info *ri = req->ri;
    char uri[2048];
    char query[2048];

    octo_log(
        OCTO_LOG_INFO, "%s - - \"%s %s%s%s HTTP/%s\" %d -", ri->remote_addr, ri->request_method,
        log_safe(ri->local_uri_raw != NULL ? ri->local_uri_raw : ri->local_uri, uri, sizeof(uri)),
        ri->query_string != NULL ? "?" : "", log_safe(ri->query_string, query, sizeof(query)),
        ri->http_version, req->status);
}

/* One request answered: its access line and its metrics (route: the
 * template that matched, never the raw path). Called by http.c just
 * before the answer is written, or by dispatch for an answer written
 * another way. */
static void answered(struct octo_req *req)
{
    struct timespec t1;

    req->answered = 1;
    access_log(req);
    if (!g_metrics_off) {
        clock_gettime(CLOCK_MONOTONIC, &t1);
        octo_metrics_http(req->ri->request_method, req->route, req->status,
                          (double)(t1.tv_sec - req->t0.tv_sec) +
                              (double)(t1.tv_nsec - req->t0.tv_nsec) / 1e9);
    }
}

static void preflight(struct octo_req *req)
{
    const char *want = mg_get_header(req->conn, "Access-Control-Request-Headers");
    const char *headers[] = {"Access-Control-Allow-Methods",
                             "GET, POST, PUT, PATCH, DELETE, OPTIONS",
                             "Access-Control-Allow-Headers",
                             want != NULL ? want : "Authorization, Content-Type",
                             "Access-Control-Max-Age",
                             "600",
                             NULL};

    octo_http_raw_headers(req, 204, NULL, NULL, 0, headers);
}

static int dispatch(struct mg_connection *conn, void *cbdata)
{
    struct octo_req req;
    const struct route *r;
    const struct route *found = NULL;
    const char *param = NULL;
    int path_known = 0;
    int exempt = 0;
    char allow[128] = "";
    const char *route = NULL;

    (void)cbdata;
    atomic_fetch_add(&g_inflight, 1);
    memset(&req, 0, sizeof(req));
    clock_gettime(CLOCK_MONOTONIC, &req.t0);
    req.tracked = 1;
    req.conn = conn;
    req.ri = mg_get_request_info(conn);
    req.path = req.ri->local_uri != NULL ? req.ri->local_uri : "/";
    req.route = "refused";
    if (octo_guard_request(&req)) { /* what civetweb would misread: 400 */
        if (!req.answered) {
            answered(&req);
        }
        octo_conn_guard_close(&req);
        atomic_fetch_sub(&g_inflight, 1);
        return 1;
    }
    if (strcmp(req.ri->request_method, "OPTIONS") == 0) {
        req.route = "preflight";
        preflight(&req);
        if (req.close) {
            octo_conn_guard_close(&req);
        }
        atomic_fetch_sub(&g_inflight, 1);
        return 1;
    }
    for (r = ROUTES; r->method != NULL; r++) {
        const char *p;

        if (!match(r->pattern, req.path, &p)) {
            continue;
        }
        path_known = 1;
        if (route == NULL) {
            route = r->pattern;
        }
        if (r->auth == AUTH_NONE || (r->auth == AUTH_METRICS && g_metrics_public)) {
            exempt = 1;
        }
        if (strcmp(r->method, req.ri->request_method) == 0 ||
            (strcmp(req.ri->request_method, "HEAD") == 0 && strcmp(r->method, "GET") == 0)) {
            if (found == NULL) {
                found = r;
                param = p;
            }
        } else if (strlen(allow) + strlen(r->method) + 3 < sizeof(allow)) {
            snprintf(allow + strlen(allow), sizeof(allow) - strlen(allow), "%s%s",
                     allow[0] != '\0' ? ", " : "", r->method);
        }
    }
    if (found != NULL) {
        route = found->pattern;
    }
    req.route = route;
    if (!(exempt && found != NULL &&
          (found->auth == AUTH_NONE || (found->auth == AUTH_METRICS && g_metrics_public))) &&
        !authorized(conn)) {
        octo_http_error(&req, 401, "Unauthorized");
    } else if (found != NULL) {
        char segment[1024];

        req.param = param;
        cut_param(&req, segment, sizeof(segment));
        octo_big_stack_call(found->fn, &req); /* see big_stack.h */
    } else if (path_known) {
        octo_http_error(&req, 405, "Method %s not allowed on %s (allowed: %s)",
                        req.ri->request_method, req.path, allow);
    } else {
        octo_http_error(&req, 404, "Not Found: %s", req.path);
    }
    if (!req.answered) {
        answered(&req);
    }
    if (req.close) { /* refused: do not wait for the rest of its body */
        octo_conn_guard_close(&req);
    }
    atomic_fetch_sub(&g_inflight, 1);
    return 1;
}

/* civetweb's own errors (malformed requests, ...) as JSON. */
static int on_http_error(struct mg_connection *conn, int status, const char *msg)
{
    struct octo_req req;

    memset(&req, 0, sizeof(req));
    req.conn = conn;
    req.ri = mg_get_request_info(conn);
    req.close = 1; /* civetweb closes after its own errors: say so */
    octo_http_error(&req, status, "%s", msg != NULL && msg[0] != '\0' ? msg : "HTTP error");
    return 0;
}

static int on_log_message(const struct mg_connection *conn, const char *message)
{
    (void)conn;
    octo_log(OCTO_LOG_WARN, "http: %s", message);
    return 1;
}

/* Load the OpenSSL 3 shim so civetweb's dlopen("libssl.so") finds it. */
static void load_tls_compat(const char *exe_dir)
{
    const char *env = getenv("OCTO_SSL_COMPAT");
    char path[PATH_MAX];
    struct stat st;

    if (env != NULL && env[0] != '\0') {
        snprintf(path, sizeof(path), "%s", env);
    } else if (exe_dir != NULL && (snprintf(path, sizeof(path), "%s/tlscompat/libssl.so", exe_dir),
                                   stat(path, &st) == 0)) {
        /* the build tree */
    } else if (exe_dir != NULL &&
               (snprintf(path, sizeof(path), "%s/%s", exe_dir, OCTO_TLSCOMPAT_FROM_BINDIR),
                stat(path, &st) == 0)) {
        /* an install, found from bin/ wherever its prefix is */
    } else {
        snprintf(path, sizeof(path), "%s", OCTO_INSTALLED_TLSCOMPAT);
    }
    if (dlopen(path, RTLD_NOW | RTLD_GLOBAL) == NULL) {
        const char *e = dlerror();

        octo_log(OCTO_LOG_WARN, "TLS compatibility library %s not loaded: %s", path,
                 e != NULL ? e : "?");
    }
}

/* Write cert+key into one private PEM file (civetweb wants both in one). */
static int combined_pem(const char *cert, const char *key, char *out, size_t cap, octo_error *err)
{
    char tmpl[] = "/tmp/octoflow-tls-XXXXXX";
    int fd = mkstemp(tmpl);
    const char *files[2] = {cert, key};
    int i;

    if (fd < 0) {
        return octo_error_set(err, OCTO_EIO, NULL, "cannot create a temporary file for TLS");
    }
    for (i = 0; i < 2; i++) {
        FILE *fp = fopen(files[i], "rb");
        char buf[4096];
        size_t n;

        if (fp == NULL) {
            close(fd);
            unlink(tmpl);
            return octo_error_set(err, OCTO_EIO, NULL, "cannot read %s (%s)",
                                  i == 0 ? "API_TLS_CERT" : "API_TLS_KEY", files[i]);
        }
        while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) {
            if (write(fd, buf, n) != (ssize_t)n) {
                break;
            }
        }
        if (write(fd, "\n", 1) != 1) {
            /* keep going: a missing newline between PEM blocks is tolerated */
        }
        fclose(fp);
    }
    close(fd);
    snprintf(out, cap, "%s", tmpl);
    return OCTO_OK;
}

static char g_pem[PATH_MAX];

int octo_api_start(const char *exe_dir, char *listening, size_t cap, octo_error *err)
{
    const struct octo_config *c = octo_config();
    struct octo_api_listen listen;
    int want_http;
    int want_https;
    const char *host;
    char ports[700] = "";
    char threads[16];
    const char *opts[32];
    int n = 0;
    struct mg_callbacks cb;
    unsigned features;

    if (octo_api_listen_config(c, &listen, err) != OCTO_OK) {
        return err->code;
    }
    g_metrics_public = listen.metrics_public;
    g_metrics_off =
        getenv("OCTO_METRICS_OFF") != NULL && strcmp(getenv("OCTO_METRICS_OFF"), "1") == 0;
    want_http = listen.http;
    want_https = listen.https;
    host = listen.host;
    if (want_https) {
        load_tls_compat(exe_dir);
        if (c->api_tls_cert[0] == '\0') {
            return octo_error_set(err, OCTO_EINVAL, "API_TLS_CERT",
                                  "https needs API_TLS_CERT (and API_TLS_KEY) to name PEM files");
        }
    }
    features = mg_init_library(want_https ? MG_FEATURES_TLS : 0);
    if (want_https && !(features & MG_FEATURES_TLS)) {
        return octo_error_set(err, OCTO_EINVAL, "API_PROTOCOL",
                              "https is not available: civetweb could not load OpenSSL (is the "
                              "tlscompat library installed?)");
    }
    /* A client that puts the token in the query string (ignored for auth)
     * had it written in clear into the access log, which /api/logs serves:
     * register it as a secret so logs and responses show "***" instead
     * (tests/e2e/test_api_routes.py, test_zz_clean_shutdown). */
    if (!c->api_token_is_default) {
        octo_redact_add(c->api_token);
    }
    snprintf(g_expected_auth, sizeof(g_expected_auth), "Bearer %s", c->api_token);
    g_expected_len = strlen(g_expected_auth);
    octo_http_setup(c->api_cors_origins, c->api_max_body);
    octo_http_on_answer(answered);
    if (want_http && want_https) {
        snprintf(ports, sizeof(ports), "%s:%d,%s:%ds", host, c->api_port, host, c->api_https_port);
    } else if (want_https) {
        snprintf(ports, sizeof(ports), "%s:%ds", host, c->api_port);
    } else {
        snprintf(ports, sizeof(ports), "%s:%d", host, c->api_port);
    }
    snprintf(threads, sizeof(threads), "%d", c->api_threads);
    opts[n++] = "listening_ports";
    opts[n++] = ports;
    opts[n++] = "num_threads";
    opts[n++] = threads;
    opts[n++] = "enable_keep_alive";
    opts[n++] = "yes";
    octo_conn_guard_options(opts, &n); /* header timeout: idle clients cannot pin threads */
    opts[n++] = "tcp_nodelay";
    opts[n++] = "1";
    /* civetweb answers CORS preflights itself (Allow-Origin from its own
     * option, "*" by default) before any handler runs, so API_CORS_ORIGINS
     * was ignored for them (tests/e2e/test_api_routes.py,
     * test_cors_restricted_origins). An empty allow_methods turns that off
     * and leaves OPTIONS to preflight() below. */
    opts[n++] = "access_control_allow_methods";
    opts[n++] = "";
    if (want_https) {
        const char *pem = c->api_tls_cert;

        if (c->api_tls_key[0] != '\0' && strcmp(c->api_tls_key, c->api_tls_cert) != 0) {
            if (combined_pem(c->api_tls_cert, c->api_tls_key, g_pem, sizeof(g_pem), err) !=
                OCTO_OK) {
                return err->code;
            }
            pem = g_pem;
        }
        opts[n++] = "ssl_certificate";
        opts[n++] = pem;
        opts[n++] = "ssl_protocol_version";
        opts[n++] = "4"; /* TLS 1.2 and later */
    }
    opts[n] = NULL;
    memset(&cb, 0, sizeof(cb));
    cb.http_error = on_http_error;
    cb.log_message = on_log_message;
    octo_conn_guard_setup(&cb, c->api_threads, c->api_client_connections);
    g_ctx = mg_start(&cb, NULL, opts);
    if (g_pem[0] != '\0') {
        unlink(g_pem); /* civetweb read it at start */
        g_pem[0] = '\0';
    }
    if (g_ctx == NULL) {
        return octo_error_set(err, OCTO_EIO, NULL,
                              "cannot listen on %s (port in use, or a bad TLS certificate?)",
                              ports);
    }
    mg_set_request_handler(g_ctx, "/", dispatch, NULL);
    octo_conn_guard_start(g_ctx);
    snprintf(listening, cap, "%s (%s)", ports, c->api_protocol);
    return OCTO_OK;
}

void octo_api_stop(void)
{
    int i;

    for (i = 0; i < 1000 && atomic_load(&g_inflight) > 0; i++) {
        struct timespec ts = {0, 10 * 1000000L};

        nanosleep(&ts, NULL); /* at most 10 s: event streams end with their jobs */
    }
    if (g_ctx != NULL) {
        octo_conn_guard_stop();
        mg_stop(g_ctx);
        g_ctx = NULL;
        mg_exit_library();
    }
}
