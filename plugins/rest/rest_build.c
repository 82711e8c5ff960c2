/* rest_build.c - a request's URL and credential header for the rest step.
 *
 * Why a file of its own: the credential header is the one place the
 * plugin holds a secret's text (host->secret_get); keeping it apart from
 * the run and the response handling makes it easy to check that it is
 * cleared before it is freed and never reaches a message. The URL with
 * its query (urlencode as the original) is built here too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rest.h"

/* Python's str() of v as a malloc'd string. */
char *rest_text_of(const octo_host *h, json_t *v)
{
    char *t = NULL;
    octo_error e;

    memset(&e, 0, sizeof(e));
    if (json_is_string(v)) {
        return strdup(json_string_value(v));
    }
    if (h->value_text(v, &t, &e) != OCTO_OK) {
        return NULL;
    }
    return t;
}

int rest_build_url(const octo_host *h, const char *uri, json_t *query, char **url, octo_error *err)
{
    char *out = NULL;
    size_t len = 0;
    size_t cap = 0;
    const char *k;
    json_t *v;
    int first = 1;

    if (rest_append(uri, strlen(uri), &out, &len, &cap) != 0) {
        return h->error_set(err, OCTO_ENOMEM, NULL, "out of memory");
    }
    json_object_foreach(query, k, v)
    {
        char *t = rest_text_of(h, v);

        if (t == NULL) {
            free(out);
            return h->error_set(err, OCTO_ENOMEM, NULL, "out of memory");
        }
        if (first) {
            rest_append(strchr(uri, '?') != NULL ? "&" : "?", 1, &out, &len, &cap);
            first = 0;
        } else {
            rest_append("&", 1, &out, &len, &cap);
        }
        rest_quote_plus(k, strlen(k), &out, &len, &cap);
        rest_append("=", 1, &out, &len, &cap);
        rest_quote_plus(t, strlen(t), &out, &len, &cap);
        h->free(t);
    }
    *url = out;
    return OCTO_OK;
}

/* The Authorization (or api key) header line from the secret, in *out
 * (malloc'd; the caller clears and frees it). */
int rest_auth_header(const octo_host *h, octo_ctx *ctx, const struct rest_step *s, char **out,
                     octo_error *err)
{
    json_t *sec = NULL;
    char *line = NULL;
    size_t n;
    int rc = h->secret_get(ctx, s->secret, &sec, err);

    if (rc != OCTO_OK) {
        return rc;
    }
    if (s->auth == AUTH_BASIC) {
        const char *u = json_string_value(json_object_get(sec, "username"));
        const char *p = json_string_value(json_object_get(sec, "password"));

        if (u == NULL || p == NULL || u[0] == '\0' || p[0] == '\0') {
            rc = h->error_set(err, OCTO_ESECRET, "authentication.secret",
                              "Secret '%s' missing 'username' or 'password' property", s->secret);
        } else {
            size_t raw_len = strlen(u) + 1 + strlen(p);
            char *raw = malloc(raw_len + 1);
            char *b64;

            if (raw == NULL) {
                rc = h->error_set(err, OCTO_ENOMEM, NULL, "out of memory");
            } else {
                snprintf(raw, raw_len + 1, "%s:%s", u, p);
                b64 = rest_base64(raw, raw_len);
                free(raw);
                n = (b64 != NULL ? strlen(b64) : 0) + 32;
                line = b64 != NULL ? malloc(n) : NULL;
                if (line != NULL) {
                    snprintf(line, n, "Authorization: Basic %s", b64);
                }
                free(b64);
            }
        }
    } else if (s->auth == AUTH_TOKEN) {
        const char *t = json_string_value(json_object_get(sec, "token"));

        if (t == NULL || t[0] == '\0') {
            rc = h->error_set(err, OCTO_ESECRET, "authentication.secret",
                              "Secret '%s' missing 'token' property", s->secret);
        } else {
            n = strlen(t) + strlen(s->bearer) + 32;
            line = malloc(n);
            if (line != NULL) {
                snprintf(line, n, "Authorization: %s %s", s->bearer, t);
            }
        }
    } else {
        const char *k = json_string_value(json_object_get(sec, "key"));
        const char *v = json_string_value(json_object_get(sec, "value"));

        if (k == NULL || v == NULL || k[0] == '\0' || v[0] == '\0') {
            rc = h->error_set(err, OCTO_ESECRET, "authentication.secret",
                              "Secret '%s' missing API key 'key' or 'value' property", s->secret);
        } else {
            n = strlen(k) + strlen(v) + 4;
            line = malloc(n);
            if (line != NULL) {
                snprintf(line, n, "%s: %s", k, v);
            }
        }
    }
    json_decref(sec);
    if (rc == OCTO_OK && line == NULL) {
        rc = h->error_set(err, OCTO_ENOMEM, NULL, "out of memory");
    }
    if (rc == OCTO_OK) {
        *out = line;
    } else if (line != NULL) {
        memset(line, 0, strlen(line)); /* do not leave the secret in freed memory */
        free(line);
    }
    return rc;
}
