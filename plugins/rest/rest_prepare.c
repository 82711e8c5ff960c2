/* rest_prepare.c - the rest step's prepare and destroy: options checked
 * and turned into the shared struct rest_step (authentication type, TLS
 * verification and CA bundle, timeouts, OCTO_CONNECT_TO, the locked
 * CURLSH).
 *
 * Why a file of its own: this runs once per prepared step and decides
 * what every later run may rely on; the per-run code (rest.c,
 * rest_build.c, rest_response.c) only reads the result.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rest.h"

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

void rest_destroy(const octo_host *h, void *inst)
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

int rest_prepare(const octo_host *h, json_t *options, void **inst, octo_error *err)
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
