/* http.c - JSON responses, CORS, request bodies (see http.h). */
#include "http.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <octoflow/octo_step.h>

#include "buf.h"
#include "conn_guard.h"
#include "http_guard.h"
#include "pyjson.h"
#include "redact.h"

/* A body accepted can be written back one level deeper (http_guard.h). */
_Static_assert(OCTO_HTTP_MAX_BODY_DEPTH == OCTO_PYJSON_MAX_DEPTH - 1,
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

void octo_http_cors_headers(struct octo_req *req)
{
    const char *origin;

    if (strcmp(g_cors, "*") == 0) {
        mg_response_header_add(req->conn, "Access-Control-Allow-Origin", "*", -1);
        return;
    }
    origin = mg_get_header(req->conn, "Origin");
    if (origin != NULL && origin_allowed(origin)) {
        mg_response_header_add(req->conn, "Access-Control-Allow-Origin", origin, -1);
    }
    mg_response_header_add(req->conn, "Vary", "Origin", -1);
}

void octo_http_raw(struct octo_req *req, int status, const char *content_type, const char *body,
                   size_t len)
{
    char clen[32];

    req->status = status;
    snprintf(clen, sizeof(clen), "%zu", len);
    mg_response_header_start(req->conn, status);
    mg_response_header_add(req->conn, "Content-Type", content_type, -1);
    mg_response_header_add(req->conn, "Content-Length", clen, -1);
    octo_http_cors_headers(req);
    if (octo_guard_must_close(req, status)) {
        req->close = 1; /* api.c's dispatch then ends it (octo_conn_guard_close) */
        mg_response_header_add(req->conn, "Connection", "close", -1);
    }
    mg_response_header_send(req->conn);
    octo_conn_guard_answered(req->conn);
    /* request_method is NULL when civetweb reports an error for a request
     * it could not parse (e.g. headers over its size limit): strcmp on it
     * crashed the whole service (found by tests/e2e/test_api_routes.py). */
    if (len > 0 && (req->ri == NULL || req->ri->request_method == NULL ||
                    strcmp(req->ri->request_method, "HEAD") != 0)) {
        mg_write(req->conn, body, len);
    }
}

void octo_http_json(struct octo_req *req, int status, json_t *value)
{
    struct octo_buf b = OCTO_BUF_INIT;
    json_t *safe = octo_redact_json(value);

    if (octo_pyjson_dump(safe, OCTO_JSON_SORT_KEYS | OCTO_JSON_COMPACT, &b) != 0) {
        octo_buf_reset(&b);
        octo_buf_puts(&b, "{\"error\":\"the response cannot be written as JSON\"}");
        status = 500;
    }
    octo_buf_putc(&b, '\n');
    octo_http_raw(req, status, "application/json", octo_buf_cstr(&b), b.len);
    octo_buf_free(&b);
    json_decref(safe);
    json_decref(value);
}

void octo_http_error(struct octo_req *req, int status, const char *fmt, ...)
{
    struct octo_buf b = OCTO_BUF_INIT;
    va_list ap;

    va_start(ap, fmt);
    octo_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    octo_http_json(req, status, json_pack("{s:s}", "error", octo_buf_cstr(&b)));
    octo_buf_free(&b);
}

void octo_http_error_raw(struct octo_req *req, int status, const char *fmt, ...)
{
    struct octo_buf msg = OCTO_BUF_INIT;
    struct octo_buf body = OCTO_BUF_INIT;
    struct octo_buf out = OCTO_BUF_INIT;
    const char *origin = mg_get_header(req->conn, "Origin");
    json_t *v;
    json_t *safe;
    va_list ap;

    va_start(ap, fmt);
    octo_buf_vprintf(&msg, fmt, ap);
    va_end(ap);
    v = json_pack("{s:s}", "error", octo_buf_cstr(&msg));
    safe = octo_redact_json(v);
    if (octo_pyjson_dump(safe, OCTO_JSON_SORT_KEYS | OCTO_JSON_COMPACT, &body) != 0) {
        octo_buf_reset(&body);
        octo_buf_puts(&body, "{\"error\":\"the response cannot be written as JSON\"}");
    }
    octo_buf_putc(&body, '\n');
    octo_buf_printf(&out,
                    "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n",
                    status, mg_get_response_code_text(req->conn, status), body.len);
    if (strcmp(g_cors, "*") == 0) {
        octo_buf_puts(&out, "Access-Control-Allow-Origin: *\r\n");
    } else if (origin != NULL && origin_allowed(origin) && strpbrk(origin, "\r\n") == NULL) {
        octo_buf_printf(&out, "Access-Control-Allow-Origin: %s\r\nVary: Origin\r\n", origin);
    }
    octo_buf_puts(&out, "Connection: close\r\n\r\n");
    octo_buf_append(&out, body.data, body.len);
    req->status = status;
    req->close = 1;
    mg_write(req->conn, out.data, out.len);
    octo_buf_free(&out);
    octo_buf_free(&body);
    octo_buf_free(&msg);
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
    struct octo_buf b = OCTO_BUF_INIT;
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
        if ((long)b.len + n > g_max_body) {
            octo_buf_free(&b);
            octo_http_error(req, 413, "Request body too large (limit %ld bytes)", g_max_body);
            return NULL;
        }
        octo_buf_append(&b, chunk, (size_t)n);
    }
    if (b.len == 0) {
        octo_buf_free(&b);
        octo_http_error(req, 400, "Invalid JSON body: the body is empty");
        return NULL;
    }
    /* Refused before parsing, so before anything runs: a launch with data
     * nested deeper ran the flow and then could not write its answer. */
    if (octo_guard_json_depth(b.data, b.len, OCTO_HTTP_MAX_BODY_DEPTH) >
        OCTO_HTTP_MAX_BODY_DEPTH) {
        octo_buf_free(&b);
        octo_http_error(req, 400,
                        "Invalid JSON body: nested deeper than %d levels (the limit, so that "
                        "a response can carry the data back)",
                        OCTO_HTTP_MAX_BODY_DEPTH);
        return NULL;
    }
    v = json_loadb(b.data, b.len, JSON_DECODE_ANY, &je);
    if (v == NULL) {
        v = json_loadb(b.data, b.len, JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, &je);
    }
    octo_buf_free(&b);
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
