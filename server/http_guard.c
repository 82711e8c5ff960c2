/* http_guard.c - refuse the requests civetweb would misread (see
 * http_guard.h). */
#include "http_guard.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <civetweb.h>

const char *octo_guard_printable(const char *in, char *out, size_t cap)
{
    size_t n = 0;

    for (; in != NULL && *in != '\0' && n + 1 < cap; in++) {
        out[n++] = (*in >= 0x20 && *in < 0x7f) ? *in : '?';
    }
    out[n] = '\0';
    return out;
}

/* Answer status with the message and end the connection. Returns 1. */
static int refuse(struct octo_req *req, int status, const char *msg, const char *value)
{
    char shown[65];

    req->close = 1;
    if (value != NULL) {
        octo_http_error(req, status, "%s: \"%s\"", msg,
                        octo_guard_printable(value, shown, sizeof(shown)));
    } else {
        octo_http_error(req, status, "%s", msg);
    }
    return 1;
}

/* value without surrounding spaces and tabs is all digits (1*DIGIT). */
static int is_digits(const char *v)
{
    size_t n = 0;

    while (*v == ' ' || *v == '\t') {
        v++;
    }
    while (v[n] >= '0' && v[n] <= '9') {
        n++;
    }
    if (n == 0 || n > 18) { /* 18 digits: below 2^63, no overflow */
        return 0;
    }
    for (v += n; *v == ' ' || *v == '\t'; v++) {
    }
    return *v == '\0';
}

static int is_chunked(const char *v)
{
    size_t n;

    while (*v == ' ' || *v == '\t') {
        v++;
    }
    n = strlen(v);
    while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t')) {
        n--;
    }
    return n == 7 && strncasecmp(v, "chunked", 7) == 0;
}

int octo_guard_request(struct octo_req *req)
{
    const struct mg_request_info *ri = req->ri;
    const char *cl = NULL;
    const char *te = NULL;
    int ncl = 0;
    int nte = 0;
    int i;

    /* civetweb keeps MG_MAX_HEADERS fields and drops the rest without a
     * word: a full array may mean dropped fields, so it is refused. */
    if (ri->num_headers >= MG_MAX_HEADERS) {
        char msg[96];

        snprintf(msg, sizeof(msg),
                 "Request Header Fields Too Large: at most %d header fields are accepted",
                 MG_MAX_HEADERS - 1);
        return refuse(req, 431, msg, NULL);
    }
    for (i = 0; i < ri->num_headers; i++) {
        const char *name = ri->http_headers[i].name;

        if (name == NULL) {
            continue;
        }
        if (strcasecmp(name, "Content-Length") == 0) {
            ncl++;
            cl = ri->http_headers[i].value;
        } else if (strcasecmp(name, "Transfer-Encoding") == 0) {
            nte++;
            te = ri->http_headers[i].value;
        }
    }
    if (ncl > 1) {
        return refuse(req, 400, "Bad Request: more than one Content-Length header", NULL);
    }
    if (cl != NULL && !is_digits(cl)) {
        return refuse(req, 400, "Bad Request: invalid Content-Length", cl);
    }
    if (nte > 0 && cl != NULL) {
        return refuse(req, 400, "Bad Request: Content-Length and Transfer-Encoding together", NULL);
    }
    if (nte > 1 || (te != NULL && !is_chunked(te))) {
        return refuse(req, 400, "Bad Request: the only Transfer-Encoding accepted is chunked",
                      nte > 1 ? NULL : te);
    }
    /* No route reads a body sent with these methods: civetweb would wait
     * for it after the answer, for unauthenticated clients too (open
     * routes), so the connection ends with the answer instead. */
    if ((te != NULL || (cl != NULL && ri->content_length > 0)) &&
        (strcmp(ri->request_method, "GET") == 0 || strcmp(ri->request_method, "HEAD") == 0 ||
         strcmp(ri->request_method, "OPTIONS") == 0)) {
        req->close = 1;
    }
    return 0;
}

int octo_guard_must_close(const struct octo_req *req, int status)
{
    return req->close || status == 401 || status == 413;
}

int octo_guard_json_depth(const char *s, size_t len, int limit)
{
    int open = 0; /* containers open at this point */
    int max = 0;
    size_t i;

    for (i = 0; i < len && max <= limit; i++) {
        switch (s[i]) {
        case '"': /* a string value or key: its level is the open count */
            max = open > max ? open : max;
            for (i++; i < len && s[i] != '"'; i++) {
                if (s[i] == '\\') {
                    i++;
                }
            }
            break;
        case '[':
        case '{':
            max = open > max ? open : max;
            open++;
            break;
        case ']':
        case '}':
            open -= open > 0;
            break;
        case ' ':
        case '\t':
        case '\r':
        case '\n':
        case ',':
        case ':':
            break;
        default: /* a number, true, false, null */
            max = open > max ? open : max;
            break;
        }
    }
    return max;
}
