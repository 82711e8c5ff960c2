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
/* Files: this one has the run and the step's option table;
 * rest_prepare.c checks the options once per step; rest_build.c builds
 * the URL and the credential header; rest_request.c sends the request
 * (redirects, cancellation, Retry-After); rest_response.c turns the
 * answer into output or an http error; rest_encode.c has urlencode and
 * base64; rest.h (private) is what they share. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rest.h"

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
    rc = rest_build_url(h, uri, query, &url, err);
    if (rc != OCTO_OK) {
        return rc;
    }
    json_object_foreach(headers_opt, k, v)
    {
        char *t = rest_text_of(h, v);
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
        rc = rest_auth_header(h, ctx, s, &auth_line, err);
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
        rc = rest_response(h, &reply, method, resp, resp_len, out, err);
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
