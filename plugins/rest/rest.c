/* rest.c - the rest step: call a REST API.
 *
 *   type: rest
 *   rest:
 *     uri: "https://awx.example.com{{ template_info.related.launch }}"  # templated
 *     method: post              # GET (default), POST, PUT, DELETE, PATCH; any case
 *     headers: {Accept: application/json}          # string values templated
 *     query: {sysparm_limit: 5, name: Demo}        # string values templated
 *     body: {key: value}        # sent as JSON (not templated: use a jinja step)
 *     data_key: extravars       # the body from the flow data; wins over body
 *     authentication: {type: basic, secret: awx_credential}
 *     verify: true              # TLS verification (default OCTO_TLS_VERIFY, true)
 *     ca_file: certs/ca.pem     # CA bundle (default OCTO_CA_FILE, the system's)
 *     timeout: 30               # seconds for the whole request
 *
 * As the original: query is URL-encoded as Python's urlencode (values as
 * Python's str(), YAML order), appended with "&" when the URI already has
 * "?"; GET and DELETE send no body; a JSON response becomes data, an
 * empty 2xx response null, a non-JSON 2xx response its text; a status
 * outside 2xx is an http error carrying status_code and response_content
 * (host->error_detail on a 1.1 core; http_status and the detail text on a
 * 1.0 core: the plugin needs only ABI 1.0, see CMakeLists.txt) and the
 * server's Retry-After (seconds or an HTTP date), which a step's `retry:`
 * waits for (capped by its max_delay).
 * Authentication: basic (username/password), token ("<bearer> <token>",
 * bearer defaults to Bearer), api_key / api-key (header <key>: <value>),
 * with secrets from secrets.yml or Vault (host->secret_get). The
 * credential header is sent to the URL's origin only: a redirect to
 * another scheme, host or port does not carry it (rest_request.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rest.h"

#define DETAIL_MAX 1500

static int lock_index(curl_lock_data d)
{
    return (d >= 0 && d < CURL_LOCK_DATA_LAST) ? (int)d : 0;
}

static void share_lock(CURL *c, curl_lock_data d, curl_lock_access a, void *ud)
{
    struct rest_step *s = ud;

    (void)c;
    (void)a;
    pthread_mutex_lock(&s->locks[lock_index(d)]);
}

static void share_unlock(CURL *c, curl_lock_data d, void *ud)
{
    struct rest_step *s = ud;

    (void)c;
    pthread_mutex_unlock(&s->locks[lock_index(d)]);
}

static struct curl_slist *connect_to_list(const char *spec)
{
    struct curl_slist *l = NULL;
    char *copy = strdup(spec);
    char *save = NULL;
    char *tok;

    for (tok = copy != NULL ? strtok_r(copy, ",", &save) : NULL; tok != NULL;
         tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ') {
            tok++;
        }
        if (*tok != '\0') {
            l = curl_slist_append(l, tok);
        }
    }
    free(copy);
    return l;
}

static void rest_destroy(const octo_host *h, void *inst)
{
    struct rest_step *s = inst;
    int i;

    (void)h;
    if (s == NULL) {
        return;
    }
    if (s->share != NULL) {
        curl_share_cleanup(s->share);
    }
    curl_slist_free_all(s->connect_to);
    free(s->ca_file);
    for (i = 0; i < CURL_LOCK_DATA_LAST; i++) {
        pthread_mutex_destroy(&s->locks[i]);
    }
    free(s);
}

static int rest_prepare(const octo_host *h, json_t *options, void **inst, octo_error *err)
{
    json_t *auth = json_object_get(options, "authentication");
    json_t *verify = json_object_get(options, "verify");
    const char *env_verify = getenv("OCTO_TLS_VERIFY");
    const char *ca = json_string_value(json_object_get(options, "ca_file"));
    const char *ct = getenv("OCTO_CONNECT_TO");
    struct rest_step *s = calloc(1, sizeof(*s));
    int i;

    if (s == NULL) {
        return h->error_set(err, OCTO_ENOMEM, NULL, "out of memory");
    }
    for (i = 0; i < CURL_LOCK_DATA_LAST; i++) {
        pthread_mutex_init(&s->locks[i], NULL);
    }
    if (auth != NULL && !json_is_null(auth)) {
        const char *type = json_string_value(json_object_get(auth, "type"));

        s->secret = json_string_value(json_object_get(auth, "secret"));
        s->bearer = json_string_value(json_object_get(auth, "bearer"));
        if (type == NULL) {
            rest_destroy(h, s);
            return h->error_set(err, OCTO_EINVAL, "authentication.type",
                                "is required: basic, token, api_key or api-key");
        }
        if (strcasecmp(type, "basic") == 0) {
            s->auth = AUTH_BASIC;
        } else if (strcasecmp(type, "token") == 0 || strcasecmp(type, "bearer") == 0) {
            s->auth = AUTH_TOKEN;
        } else if (strcasecmp(type, "api_key") == 0 || strcasecmp(type, "api-key") == 0) {
            s->auth = AUTH_API_KEY;
        } else {
            rest_destroy(h, s);
            return h->error_set(err, OCTO_EINVAL, "authentication.type",
                                "Unsupported authentication type: %s (basic, token, api_key)",
                                type);
        }
        if (s->secret == NULL || s->secret[0] == '\0') {
            rest_destroy(h, s);
            return h->error_set(err, OCTO_EINVAL, "authentication.secret",
                                "is required: the name of a secret in secrets.yml");
        }
        if (s->bearer == NULL || s->bearer[0] == '\0') {
            s->bearer = "Bearer";
        }
    }
    if (json_is_boolean(verify)) {
        s->verify = json_is_true(verify);
    } else {
        /* the same words as the core's config (core/config.c): "off" was
         * missing here, so OCTO_TLS_VERIFY=off still verified */
        s->verify = !(env_verify != NULL &&
                      (strcasecmp(env_verify, "false") == 0 || strcmp(env_verify, "0") == 0 ||
                       strcasecmp(env_verify, "no") == 0 || strcasecmp(env_verify, "off") == 0));
    }
    if (ca == NULL || ca[0] == '\0') {
        ca = getenv("OCTO_CA_FILE");
    }
    if (ca != NULL && ca[0] == '/') {
        s->ca_file = strdup(ca);
    } else if (ca != NULL && ca[0] != '\0') {
        /* a relative CA bundle lives under DATA_PATH, like the flow's files */
        int rc = h->path_resolve(OCTO_ROOT_DATA, ca, 0, &s->ca_file, err);

        if (rc != OCTO_OK) {
            snprintf(err->field, sizeof(err->field), "ca_file");
            rest_destroy(h, s);
            return rc;
        }
    }
    s->timeout_ms = (long)(json_number_value(json_object_get(options, "timeout")) * 1000);
    s->connect_timeout_ms =
        (long)(json_number_value(json_object_get(options, "connect_timeout")) * 1000);
    if (s->timeout_ms <= 0 || s->connect_timeout_ms <= 0) {
        rest_destroy(h, s);
        return h->error_set(err, OCTO_EINVAL, "timeout", "timeouts must be positive");
    }
    s->max_redirects = (long)json_integer_value(json_object_get(options, "max_redirects"));
    s->max_response = (size_t)json_integer_value(json_object_get(options, "max_response_bytes"));
    if (ct != NULL && ct[0] != '\0') {
        s->connect_to = connect_to_list(ct);
    }
    s->share = curl_share_init();
    if (s->share == NULL) {
        rest_destroy(h, s);
        return h->error_set(err, OCTO_ENOMEM, NULL, "out of memory");
    }
    curl_share_setopt(s->share, CURLSHOPT_LOCKFUNC, share_lock);
    curl_share_setopt(s->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
    curl_share_setopt(s->share, CURLSHOPT_USERDATA, s);
    /* No CURL_LOCK_DATA_CONNECT: libcurl (7.88 here, and up to 8.x) does not
     * support sharing the connection cache between threads that transfer at
     * the same time (curl issue 4915, CURLSHOPT_SHARE(3)); with concurrent
     * flow_loop items helgrind showed races on connection structs and a
     * loop of 1,000 items crashed (bench/flow_loop). DNS and TLS sessions
     * are still shared, so a new connection resumes the TLS session. */
    curl_share_setopt(s->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(s->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    if (!s->verify) {
        h->log(NULL, OCTO_LOG_WARN, "a rest step runs with TLS verification disabled");
    }
    *inst = s;
    return OCTO_OK;
}

/* Python's str() of v as a malloc'd string. */
static char *text_of(const octo_host *h, json_t *v)
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

static int build_url(const octo_host *h, const char *uri, json_t *query, char **url,
                     octo_error *err)
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
        char *t = text_of(h, v);

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
static int auth_header(const octo_host *h, octo_ctx *ctx, const struct rest_step *s, char **out,
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
static int response(const octo_host *h, const struct rest_reply *reply, const char *method,
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

static int rest_run(const octo_host *h, octo_ctx *ctx, void *inst, const octo_run_args *args,
                    json_t **out, octo_error *err)
{
    const struct rest_step *s = inst;
    const char *method = json_string_value(json_object_get(args->options, "method"));
    const char *uri = json_string_value(json_object_get(args->options, "uri"));
    const char *data_key = json_string_value(json_object_get(args->options, "data_key"));
    json_t *headers_opt = json_object_get(args->options, "headers");
    json_t *query = json_object_get(args->options, "query");
    json_t *body_value = NULL;
    struct rest_call call;
    struct curl_slist *headers = NULL;
    char *auth_line = NULL;
    char *url = NULL;
    char *body_text = NULL;
    char *resp = NULL;
    size_t resp_len = 0;
    struct rest_reply reply;
    int has_ct = 0;
    int has_accept = 0;
    const char *k;
    json_t *v;
    int rc;

    *out = NULL;
    memset(&call, 0, sizeof(call));
    rc = build_url(h, uri, query, &url, err);
    if (rc != OCTO_OK) {
        return rc;
    }
    json_object_foreach(headers_opt, k, v)
    {
        char *t = text_of(h, v);
        size_t n = strlen(k) + (t != NULL ? strlen(t) : 0) + 4;
        char *line = malloc(n);

        if (t == NULL || line == NULL) {
            h->free(t);
            free(line);
            rc = h->error_set(err, OCTO_ENOMEM, NULL, "out of memory");
            goto done;
        }
        snprintf(line, n, "%s: %s", k, t);
        headers = curl_slist_append(headers, line);
        has_ct |= strcasecmp(k, "Content-Type") == 0;
        has_accept |= strcasecmp(k, "Accept") == 0;
        h->free(t);
        free(line);
    }
    if (s->auth != AUTH_NONE) {
        rc = auth_header(h, ctx, s, &auth_line, err);
        if (rc != OCTO_OK) {
            goto done;
        }
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "DELETE") != 0) {
        if (data_key != NULL && data_key[0] != '\0') {
            body_value = args->input;
            if (body_value == NULL) {
                rc = h->error_set(err, OCTO_EINVAL, "data_key",
                                  "data_key \"%s\" is not in the flow data", data_key);
                goto done;
            }
        } else {
            body_value = json_object_get(args->options, "body");
        }
        if (body_value == NULL) {
            body_text = strdup("{}"); /* neither body nor data_key: the original sent {} */
        } else if (json_is_null(body_value)) {
            body_text = NULL; /* a null body sends no body */
        } else if (has_ct && json_is_string(body_value)) {
            body_text = strdup(json_string_value(body_value));
        } else {
            octo_error e2;

            memset(&e2, 0, sizeof(e2));
            if (h->json_dump(body_value, 0, &body_text, &e2) != OCTO_OK) {
                rc = h->error_set(err, OCTO_EINVAL, "body", "the body cannot be written as JSON");
                goto done;
            }
        }
        if (body_text != NULL && !has_ct) {
            headers = curl_slist_append(headers, "Content-Type: application/json");
        }
        call.body = body_text != NULL ? body_text : NULL;
        call.body_len = body_text != NULL ? strlen(body_text) : 0;
    }
    /* the default Accept only when the step sets none (in any case): the old
     * test added it whenever Content-Type was absent, sending two Accept
     * headers (tests/e2e/test_rest.py test_headers_and_templates) */
    if (!has_accept) {
        headers = curl_slist_append(headers, "Accept: application/json, */*;q=0.5");
    }
    call.method = method;
    call.url = url;
    call.headers = headers;
    call.auth_line = auth_line;
    {
        const char *q = strchr(url, '?');

        h->log(ctx, OCTO_LOG_INFO, "-> %s %.*s", method,
               q != NULL ? (int)(q - url) : (int)strlen(url), url);
        h->log(ctx, OCTO_LOG_DEBUG, "-> %s %s", method, url);
    }
    memset(&reply, 0, sizeof(reply));
    rc = rest_perform(h, ctx, s, &call, &reply, &resp, &resp_len, err);
    if (rc == OCTO_OK) {
        rc = response(h, &reply, method, resp, resp_len, out, err);
    }
done:
    /* headers may hold a credential: clear before freeing */
    for (struct curl_slist *l = headers; l != NULL; l = l->next) {
        memset(l->data, 0, strlen(l->data));
    }
    curl_slist_free_all(headers);
    if (auth_line != NULL) {
        memset(auth_line, 0, strlen(auth_line));
        free(auth_line);
    }
    free(url);
    free(resp);
    free(body_text);
    return rc;
}

static const char *const rest_methods[] = {"GET", "POST", "PUT", "DELETE", "PATCH", NULL};

static const octo_option rest_options[] = {
    {.name = "uri",
     .type = OCTO_OPT_STRING,
     .flags = OCTO_OPT_REQUIRED | OCTO_OPT_TEMPLATE,
     .summary = "URL to call (templated)"},
    {.name = "method",
     .type = OCTO_OPT_ENUM,
     .flags = OCTO_OPT_NOCASE,
     .def = "\"GET\"",
     .values = rest_methods,
     .summary = "HTTP method, any case"},
    {.name = "headers",
     .type = OCTO_OPT_OBJECT,
     .flags = OCTO_OPT_TEMPLATE,
     .summary = "request headers (string values templated)"},
    {.name = "query",
     .type = OCTO_OPT_OBJECT,
     .flags = OCTO_OPT_TEMPLATE,
     .summary = "query parameters, URL-encoded as Python's urlencode (string values templated)"},
    {.name = "body",
     .type = OCTO_OPT_ANY,
     .summary =
         "request body, sent as JSON (a string is sent as is when headers set Content-Type)"},
    {.name = "data_key",
     .type = OCTO_OPT_STRING,
     .flags = OCTO_OPT_DATA_KEY,
     .summary = "key of the flow data to send as the body (wins over body)"},
    {.name = "authentication",
     .type = OCTO_OPT_OBJECT,
     .flags = OCTO_OPT_SECRET,
     .summary = "{type: basic | token | api_key, secret: <name in secrets.yml>, bearer: Bearer}"},
    {.name = "verify",
     .type = OCTO_OPT_BOOL,
     .summary = "verify the server's TLS certificate (default: OCTO_TLS_VERIFY, true)"},
    {.name = "ca_file",
     .type = OCTO_OPT_STRING,
     .summary = "CA bundle to verify the server with, absolute or under DATA_PATH (default: "
                "OCTO_CA_FILE, the system's)"},
    {.name = "timeout",
     .type = OCTO_OPT_NUMBER,
     .def = "30",
     .summary = "seconds for the whole request"},
    {.name = "connect_timeout",
     .type = OCTO_OPT_NUMBER,
     .def = "10",
     .summary = "seconds to connect"},
    {.name = "max_redirects",
     .type = OCTO_OPT_INT,
     .def = "10",
     .summary = "redirects followed at most (credentials go to the first origin only)"},
    {.name = "max_response_bytes",
     .type = OCTO_OPT_INT,
     .def = "67108864",
     .summary = "largest response accepted"},
    {.name = NULL},
};

static const octo_step_type rest_step_type = {
    .struct_size = sizeof(octo_step_type),
    .name = "rest",
    .summary = "Call a REST API (GET, POST, PUT, DELETE, PATCH)",
    .doc = "Sends the request, returns the JSON response (null when empty, the text when not "
           "JSON); a status outside 2xx is an http error with status_code and "
           "response_content.",
    .options = rest_options,
    .option_size = sizeof(octo_option),
    .prepare = rest_prepare,
    .run = rest_run,
    .destroy = rest_destroy,
};

static const octo_step_type *const rest_steps[] = {&rest_step_type, NULL};
OCTO_PLUGIN_DESCRIPTOR(rest_plugin, "octo-step-rest", "1.0.0", rest_steps);
OCTO_PLUGIN_DEFINE_ENTRY(rest_plugin)
