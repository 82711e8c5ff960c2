/* http.c - JSON responses, CORS, request bodies (see http.h). */
#include "http.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <octoflow/core.h>

#include "conn_guard.h"
#include "http_guard.h"

/* A body accepted can be written back one level deeper (http_guard.h). */
_Static_assert(OCTO_HTTP_MAX_BODY_DEPTH == OCTO_JSON_MAX_DEPTH - 1,
               "the body nesting limit follows the JSON writer's");

static char g_cors[1024] = "*";
static long g_max_body = 1024 * 1024;

void octo_http_setup(const char *cors_origins, long max_body)
{
    snprintf(g_cors, sizeof(g_cors), "%s", cors_origins != NULL ? cors_origins : "*");
    if (max_body > 0) {
        g_max_body = max_body;
    }
}

/* Is origin in the configured comma-separated list? */
static int origin_allowed(const char *origin)
{
    const char *p = g_cors;
    size_t n = strlen(origin);

    while (*p != '\0') {
        const char *end = strchr(p, ',');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);

        while (len > 0 && *p == ' ') {
            p++;
            len--;
        }
        while (len > 0 && p[len - 1] == ' ') {
            len--;
        }
        if (len == n && strncasecmp(p, origin, n) == 0) {
            return 1;
        }
        if (end == NULL) {
            break;
        }
        p = end + 1;
    }
    return 0;
}

void octo_http_raw(struct octo_req *req, int status, const char *content_type, const char *body,
                   size_t len)
{
    octo_http_raw_headers(req, status, content_type, body, len, NULL);
}

/* ---- one write per response ----------------------------------------------
 * civetweb's mg_response_header_send writes the status line and each
 * header with its own send() (8 per response); a response is built here
 * in one buffer and written at once. What civetweb added itself (Date,
 * Connection) is added here, with the keep-alive decision it would make:
 * HTTP/1.1 keeps the connection unless the client says otherwise, 1.0
 * only when it asks; and when this answer ends the connection, civetweb
 * is told so. */

struct head {
    char *buf;
    size_t len;
    size_t cap;
};

static void head_put(struct head *h, const char *s, size_t n)
{
    if (h->len + n + 1 > h->cap) {
        size_t cap = (h->len + n + 1) * 2;

        h->buf = octo_xrealloc(h->buf, cap);
        h->cap = cap;
    }
    memcpy(h->buf + h->len, s, n);
    h->len += n;
}

static void head_add(struct head *h, const char *name, const char *value)
{
    head_put(h, name, strlen(name));
    head_put(h, ": ", 2);
    head_put(h, value, strlen(value));
    head_put(h, "\r\n", 2);
}

/* The Date header's value, formatted once a second per thread. */
static const char *http_date(void)
{
    static _Thread_local time_t t_sec = -1;
    static _Thread_local char t_text[40];
    time_t now = time(NULL);

    if (now != t_sec) {
        struct tm tm;

        gmtime_r(&now, &tm);
        strftime(t_text, sizeof(t_text), "%a, %d %b %Y %H:%M:%S GMT", &tm);
        t_sec = now;
    }
    return t_text;
}

static int has_token(const char *list, const char *token)
{
    size_t n = strlen(token);
    const char *p = list;

    while (p != NULL && *p != '\0') {
        while (*p == ' ' || *p == ',') {
            p++;
        }
        if (strncasecmp(p, token, n) == 0 && (p[n] == '\0' || p[n] == ',' || p[n] == ' ')) {
            return 1;
        }
        p = strchr(p, ',');
    }
    return 0;
}

static int client_keeps_alive(const struct octo_req *req)
{
    const char *h = mg_get_header(req->conn, "Connection");

    if (h != NULL) {
        return has_token(h, "keep-alive");
    }
    return req->ri != NULL && req->ri->http_version != NULL &&
           strcmp(req->ri->http_version, "1.1") == 0;
}

static void head_cors(struct head *h, struct octo_req *req)
{
    const char *origin;

    if (strcmp(g_cors, "*") == 0) {
        head_add(h, "Access-Control-Allow-Origin", "*");
        return;
    }
    origin = mg_get_header(req->conn, "Origin");
    if (origin != NULL && origin_allowed(origin)) {
        head_add(h, "Access-Control-Allow-Origin", origin);
    }
    head_add(h, "Vary", "Origin");
}

static void (*g_on_answer)(struct octo_req *req);

void octo_http_on_answer(void (*fn)(struct octo_req *req))
{
    g_on_answer = fn;
}

/* Status line, headers (Content-Length unless streaming), body: one
 * write. Returns 0, or -1 when the client is gone. */
static int send_response(struct octo_req *req, int status, const char *content_type,
                         const char *body, size_t len, const char *const *headers, int streaming)
{
    struct head h = {NULL, 0, 0};
    char line[128];
    int keep;
    int n;
    int rc;
    int with_body = len > 0 && (req->ri == NULL || req->ri->request_method == NULL ||
                                strcmp(req->ri->request_method, "HEAD") != 0);

    req->status = status;
    if (octo_guard_must_close(req, status)) {
        req->close = 1; /* api.c's dispatch then ends it (octo_conn_guard_close) */
    }
    keep = !req->close && !streaming && client_keeps_alive(req);
    n = snprintf(line, sizeof(line), "HTTP/1.1 %d %s\r\n", status,
                 mg_get_response_code_text(req->conn, status));
    head_put(&h, line, (size_t)n);
    head_add(&h, "Date", http_date());
    head_add(&h, "Connection", keep ? "keep-alive" : "close");
    if (content_type != NULL) {
        head_add(&h, "Content-Type", content_type);
    }
    if (!streaming) {
        snprintf(line, sizeof(line), "%zu", len);
        head_add(&h, "Content-Length", line);
    }
    head_cors(&h, req);
    for (; headers != NULL && headers[0] != NULL; headers += 2) {
        head_add(&h, headers[0], headers[1]);
    }
    head_put(&h, "\r\n", 2);
    if (with_body) {
        head_put(&h, body, len);
    }
    if (!keep) {
        mg_disable_connection_keep_alive(req->conn);
    }
    octo_conn_guard_answered(req->conn);
    if (g_on_answer != NULL && req->tracked && !req->answered) {
        req->answered = 1;
        g_on_answer(req); /* the access line is queued before the client can read the answer */
    }
    rc = mg_write(req->conn, h.buf, h.len) == (int)h.len ? 0 : -1;
    free(h.buf);
    return rc;
}

void octo_http_raw_headers(struct octo_req *req, int status, const char *content_type,
                           const char *body, size_t len, const char *const *headers)
{
    send_response(req, status, content_type, body, len, headers, 0);
}

void octo_http_json(struct octo_req *req, int status, json_t *value)
{
    json_t *safe = octo_redact_json(value);
    char *text = NULL;
    size_t len = 0;

    if (octo_json_text(safe, OCTO_JSON_SORT_KEYS | OCTO_JSON_COMPACT, &text, &len) != 0) {
        static const char fallback[] = "{\"error\":\"the response cannot be written as JSON\"}\n";

        octo_http_raw(req, 500, "application/json", fallback, sizeof(fallback) - 1);
    } else {
        text = octo_xrealloc(text, len + 2);
        text[len++] = '\n';
        text[len] = '\0';
        octo_http_raw(req, status, "application/json", text, len);
    }
    free(text);
    json_decref(safe);
    json_decref(value);
}

void octo_http_error(struct octo_req *req, int status, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    octo_http_json(req, status, json_pack("{s:s}", "error", msg));
}

void octo_http_error_raw(struct octo_req *req, int status, const char *fmt, ...)
{
    char msg[2048];
    char head[2048];
    const char *origin = mg_get_header(req->conn, "Origin");
    char *body = NULL;
    size_t blen = 0;
    json_t *v;
    json_t *safe;
    va_list ap;
    int n;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    v = json_pack("{s:s}", "error", msg);
    safe = octo_redact_json(v);
    if (octo_json_text(safe, OCTO_JSON_SORT_KEYS | OCTO_JSON_COMPACT, &body, &blen) != 0) {
        free(body);
        body = octo_xstrdup("{\"error\":\"the response cannot be written as JSON\"}");
        blen = strlen(body);
    }
    n = snprintf(head, sizeof(head),
                 "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n",
                 status, mg_get_response_code_text(req->conn, status), blen + 1);
    if (strcmp(g_cors, "*") == 0) {
        n += snprintf(head + n, sizeof(head) - (size_t)n, "Access-Control-Allow-Origin: *\r\n");
    } else if (origin != NULL && origin_allowed(origin) && strpbrk(origin, "\r\n") == NULL &&
               strlen(origin) < 512) {
        n += snprintf(head + n, sizeof(head) - (size_t)n,
                      "Access-Control-Allow-Origin: %s\r\nVary: Origin\r\n", origin);
    }
    n += snprintf(head + n, sizeof(head) - (size_t)n, "Connection: close\r\n\r\n");
    if (n < 0 || (size_t)n >= sizeof(head)) { /* cannot be with these bounds; never read past */
        n = n < 0 ? 0 : (int)sizeof(head) - 1;
    }
    req->status = status;
    req->close = 1;
    {
        struct head h = {NULL, 0, 0};

        head_put(&h, head, (size_t)n);
        if (body != NULL) {
            head_put(&h, body, blen);
        }
        head_put(&h, "\n", 1);
        mg_write(req->conn, h.buf, h.len);
        free(h.buf);
    }
    free(body);
    json_decref(safe);
    json_decref(v);
}

static int is_json_type(const char *ct)
{
    const char *semi;
    size_t len;

    if (ct == NULL) {
        return 0;
    }
    while (*ct == ' ') {
        ct++;
    }
    semi = strchr(ct, ';');
    len = semi != NULL ? (size_t)(semi - ct) : strlen(ct);
    while (len > 0 && ct[len - 1] == ' ') {
        len--;
    }
    if (len == 16 && strncasecmp(ct, "application/json", 16) == 0) {
        return 1;
    }
    /* application/<something>+json */
    return len > 17 && strncasecmp(ct, "application/", 12) == 0 &&
           strncasecmp(ct + len - 5, "+json", 5) == 0;
}

json_t *octo_http_body(struct octo_req *req)
{
    char *buf = NULL;
    size_t blen = 0;
    long long clen = req->ri->content_length;
    json_error_t je;
    json_t *v;
    char chunk[8192];
    int n;

    if (clen > g_max_body) {
        octo_http_error(req, 413, "Request body too large (limit %ld bytes)", g_max_body);
        return NULL;
    }
    if (!is_json_type(mg_get_header(req->conn, "Content-Type"))) {
        octo_http_error(req, 415,
                        "Unsupported Media Type: the body must be JSON (Content-Type: "
                        "application/json)");
        return NULL;
    }
    while ((n = mg_read(req->conn, chunk, sizeof(chunk))) > 0) {
        char *grown;

        if ((long)blen + n > g_max_body) {
            free(buf);
            octo_http_error(req, 413, "Request body too large (limit %ld bytes)", g_max_body);
            return NULL;
        }
        /* oom-policy: reported - the client chooses this size (up to
         * API_MAX_BODY): a service short of memory refuses the request
         * rather than abort every run it holds */
        grown = realloc(buf, blen + (size_t)n);
        if (grown == NULL) {
            free(buf);
            octo_http_error(req, 500, "out of memory");
            return NULL;
        }
        buf = grown;
        memcpy(buf + blen, chunk, (size_t)n);
        blen += (size_t)n;
    }
    if (blen == 0) {
        free(buf);
        octo_http_error(req, 400, "Invalid JSON body: the body is empty");
        return NULL;
    }
    /* Refused before parsing, so before anything runs: a launch with data
     * nested deeper ran the flow and then could not write its answer. */
    if (octo_guard_json_depth(buf, blen, OCTO_HTTP_MAX_BODY_DEPTH) > OCTO_HTTP_MAX_BODY_DEPTH) {
        free(buf);
        octo_http_error(req, 400,
                        "Invalid JSON body: nested deeper than %d levels (the limit, so that "
                        "a response can carry the data back)",
                        OCTO_HTTP_MAX_BODY_DEPTH);
        return NULL;
    }
    v = json_loadb(buf, blen, JSON_DECODE_ANY, &je);
    if (v == NULL) {
        v = json_loadb(buf, blen, JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, &je);
    }
    free(buf);
    if (v == NULL) {
        octo_http_error(req, 400, "Invalid JSON body: %s (line %d, column %d)", je.text, je.line,
                        je.column);
        return NULL;
    }
    if (!json_is_object(v)) {
        json_decref(v);
        octo_http_error(req, 400, "Invalid JSON body: expected an object");
        return NULL;
    }
    return v;
}

int octo_http_query(struct octo_req *req, const char *name, char *out, size_t cap)
{
    const char *q = req->ri->query_string;

    if (q == NULL) {
        return -1;
    }
    return mg_get_var(q, strlen(q), name, out, cap);
}

int octo_http_query_long(struct octo_req *req, const char *name, long def, long min, long max,
                         long *out)
{
    char val[64];
    char *end;
    long n;

    *out = def;
    if (octo_http_query(req, name, val, sizeof(val)) < 0) {
        return 0;
    }
    if (val[0] == '\0') {
        return 0;
    }
    errno = 0;
    n = strtol(val, &end, 10);
    if (errno != 0 || *end != '\0' || n < min || n > max) {
        return -1;
    }
    *out = n;
    return 0;
}

int octo_http_query_bool(struct octo_req *req, const char *name)
{
    char val[16];

    if (octo_http_query(req, name, val, sizeof(val)) < 0) {
        return 0;
    }
    return strcasecmp(val, "true") == 0 || strcmp(val, "1") == 0 || strcasecmp(val, "yes") == 0;
}

int octo_http_sse_start(struct octo_req *req)
{
    static const char *const headers[] = {"Cache-Control", "no-cache", "X-Accel-Buffering", "no",
                                          NULL};

    return send_response(req, 200, "text/event-stream", NULL, 0, headers, 1);
}

int octo_http_sse_event(struct octo_req *req, const char *event, json_t *data)
{
    json_t *safe = octo_redact_json(data);
    char *text = NULL;
    size_t len = 0;
    int rc = -1;

    if (octo_json_text(safe, OCTO_JSON_SORT_KEYS | OCTO_JSON_COMPACT, &text, &len) == 0) {
        /* JSON text has no raw newline: one data line */
        rc = mg_printf(req->conn, "event: %s\ndata: %s\n\n", event, text) > 0 ? 0 : -1;
    }
    free(text);
    json_decref(safe);
    return rc;
}

int octo_http_sse_comment(struct octo_req *req, const char *text)
{
    return mg_printf(req->conn, ": %s\n\n", text) > 0 ? 0 : -1;
}
