/* rest_response.c - a response turned into the rest step's output or an
 * http error.
 *
 * Why a file of its own: what an http error carries (status_code,
 * response_content cut to fit, the server's Retry-After) differs between a
 * 1.1 core (host->error_detail) and a 1.0 one (http_status and err->detail),
 * and that logic is apart from building and sending the request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rest.h"

#define DETAIL_MAX 1500

/* What an http error shows of the answer (new reference): the parsed
 * JSON when its text is short, else the first `cut` characters of its
 * text as a string (always when force_cut); null for an empty answer. */
static json_t *shown_content(const octo_host *h, json_t *v, size_t body_len, size_t cut,
                             int force_cut)
{
    char *text = NULL;
    const char *src;
    size_t n;
    json_t *out;
    octo_error e2;

    if (v == NULL) {
        return body_len > 0 ? json_sprintf("(binary response of %zu bytes)", body_len)
                            : json_null();
    }
    memset(&e2, 0, sizeof(e2));
    if (h->json_dump(v, OCTO_JSON_UNICODE, &text, &e2) == OCTO_OK && !force_cut &&
        strlen(text) < DETAIL_MAX) {
        h->free(text);
        return json_incref(v);
    }
    src = json_is_string(v) ? json_string_value(v) : (text != NULL ? text : "");
    n = strlen(src) > cut ? cut : strlen(src);
    while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80) {
        n--; /* cut on a character boundary */
    }
    out = json_stringn(src, n);
    h->free(text);
    return out != NULL ? out : json_string("(response not shown: not UTF-8)");
}

/* Attach status_code and response_content to an http error: the 1.1 way
 * (host->error_detail, merged into the __errors__ record by the core), or
 * on a 1.0 core http_status plus the content as JSON text in err->detail.
 * Each must fit err->detail: a content too long for it is cut further. */
static void http_detail(const octo_host *h, octo_error *err, long status, json_t *v,
                        size_t body_len)
{
    static const size_t cuts[] = {1000, 250, 60, 0};
    size_t i;

    err->http_status = (int)status;
    for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
        json_t *content = shown_content(h, v, body_len, cuts[i], i > 0);
        int fits = 0;

        if (OCTO_HOST_HAS(h, error_detail)) {
            json_t *d = json_pack("{s:I, s:o}", "status_code", (json_int_t)status,
                                  "response_content", content);

            fits = d != NULL && h->error_detail(err, d) == OCTO_OK;
            json_decref(d);
        } else {
            char *text = NULL;
            octo_error e2;

            memset(&e2, 0, sizeof(e2));
            if (json_is_null(content)) {
                fits = 1; /* no content: "" (the 1.0 core shows null) */
            } else if (h->json_dump(content, OCTO_JSON_UNICODE, &text, &e2) == OCTO_OK &&
                       strlen(text) < sizeof(err->detail)) {
                memcpy(err->detail, text, strlen(text) + 1);
                fits = 1;
            }
            h->free(text);
            json_decref(content);
        }
        if (fits) {
            return;
        }
    }
}

/* Turn the response into the step's output, or an http error (with the
 * server's Retry-After, which a step's retry waits for). */
int rest_response(const octo_host *h, const struct rest_reply *reply, const char *method,
                  const char *body, size_t len, json_t **out, octo_error *err)
{
    long status = reply->status;
    json_t *v = NULL;

    if (len > 0) {
        v = json_loadb(body, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
        if (v == NULL) {
            v = json_loadb(body, len, JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL,
                           NULL);
        }
        if (v == NULL) {
            v = json_stringn(body, len); /* text; NULL when not UTF-8 */
        }
    }
    if (status >= 200 && status < 300) {
        if (len > 0 && v == NULL) {
            return h->error_set(err, OCTO_EIO, NULL,
                                "%s: the response is neither JSON nor UTF-8 text", method);
        }
        *out = v != NULL ? v : json_null();
        return OCTO_OK;
    }
    h->error_set(err, OCTO_EHTTP, NULL, "REST request failed with status code %ld", status);
    http_detail(h, err, status, v, len);
    err->retry_after_ms = reply->retry_after_ms; /* a 1.0 core ignores it (reserved[0]) */
    json_decref(v);
    return OCTO_EHTTP;
}
