/* http.h - request/response helpers shared by the API route handlers.
 *
 * Every response is JSON as Flask's jsonify wrote it for the original
 * (sorted keys, compact separators, ASCII escapes, a trailing newline),
 * with CORS headers, written with one write (status line, headers and
 * body in one buffer). Request bodies are read with a size limit and parsed
 * as a JSON object. Handlers run on civetweb worker threads.
 */
#ifndef OCTO_HTTP_H
#define OCTO_HTTP_H

#include <civetweb.h>
#include <jansson.h>
#include <time.h>

/* What a route handler receives. */
struct octo_req {
    struct mg_connection *conn;
    const struct mg_request_info *ri;
    const char *path;   /* local URI */
    const char *param;  /* the matched {param} segment, or NULL */
    int status;         /* the status sent (for the access log) */
    int close;          /* the answer ends the connection (http_guard.h) */
    int tracked;        /* a routed request: the answer hook sees its answer */
    int answered;       /* the answer hook has run */
    const char *route;  /* the route template that matched (metrics) */
    struct timespec t0; /* when dispatch began (CLOCK_MONOTONIC) */
};

typedef void (*octo_route_fn)(struct octo_req *req);

/* Send value (new reference: stolen) with status. Secret values are
 * redacted. */
void octo_http_json(struct octo_req *req, int status, json_t *value);
/* Send {"error": message} (printf) with status. */
void octo_http_error(struct octo_req *req, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Send {"error": message} with status as one raw write ending the
 * connection, without civetweb's response-header calls: they allocate per
 * request and free when the next request starts, so from the
 * connection_close callback (no next request) they leaked. */
void octo_http_error_raw(struct octo_req *req, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Send a non-JSON body (docs page). */
void octo_http_raw(struct octo_req *req, int status, const char *content_type, const char *body,
                   size_t len);
/* The same with more headers: name, value, ..., NULL (borrowed). */
void octo_http_raw_headers(struct octo_req *req, int status, const char *content_type,
                           const char *body, size_t len, const char *const *headers);

/* Read and parse the body as a JSON object. Returns a new reference, or
 * NULL after sending the error response (413, 415, 400). */
json_t *octo_http_body(struct octo_req *req);

/* The request query parameter name into out; returns its length or -1. */
int octo_http_query(struct octo_req *req, const char *name, char *out, size_t cap);

/* An integer query parameter: 0 with *out (def when absent or empty),
 * -1 when it is not an integer in min..max. */
int octo_http_query_long(struct octo_req *req, const char *name, long def, long min, long max,
                         long *out);
/* A boolean query parameter ("true", "1", "yes"): 1, else 0. */
int octo_http_query_bool(struct octo_req *req, const char *name);

/* Server-Sent Events: the headers (0, or -1 when the client is gone),
 * then events (data: JSON, borrowed, redacted) and keep-alive comments;
 * each returns -1 once the client has gone. */
int octo_http_sse_start(struct octo_req *req);
int octo_http_sse_event(struct octo_req *req, const char *event, json_t *data);
int octo_http_sse_comment(struct octo_req *req, const char *text);

/* Configure CORS (API_CORS_ORIGINS: "*" or a comma-separated list) and the
 * body limit. Call before the server starts. */
void octo_http_setup(const char *cors_origins, long max_body);

/* Called once per tracked request with its status, just before its
 * answer is written (the access line and metrics: api.c). Set before the
 * server starts. */
void octo_http_on_answer(void (*fn)(struct octo_req *req));

#endif
