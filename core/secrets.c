/* secrets.c - secrets from SECRETS_PATH and HashiCorp Vault (secrets.h).
 *
 * DESIGN
 * ------
 * secrets.yml is a YAML list of {name, type, ...}. It is parsed once and
 * kept as an immutable snapshot, reloaded when the file's mtime, size or
 * inode change (checked at most once per second); readers take a
 * reference to the current snapshot under a mutex, so a reload never
 * disturbs a lookup in progress. Types: credential (default; username,
 * password), token (token), api-key (key, value), hashicorp-vault (uri,
 * optional jq_expression: the KV v2 response's data.data, through the
 * expression). Vault answers are cached per "uri|jq_expression" for
 * HASHICORP_VAULT_CACHE_TTL seconds (failures are not cached); fetching
 * happens outside the lock. Every value handed out is registered for
 * redaction, with the Basic-auth base64 of credentials.
 * Messages name the secret, never a value.
 */
#include "secrets.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "config.h"
#include "errors.h"
#include "jqbridge.h"
#include "log.h"
#include "redact.h"
#include "vault.h"
#include "xalloc.h"
#include "yaml_io.h"

struct snapshot {
    int refs;
    json_t *list;      /* array of objects, or NULL when unreadable */
    char problem[256]; /* why list is NULL */
};

struct cached {
    char *key;
    json_t *data;
    time_t fetched;
};

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static struct snapshot *g_snap;
static struct timespec g_mtime;
static off_t g_size;
static ino_t g_ino;
static time_t g_checked;
static struct cached *g_cache;
static size_t g_ncache;

static void snap_unref_locked(struct snapshot *s)
{
    if (s != NULL && --s->refs == 0) {
        json_decref(s->list);
        free(s);
    }
}

static struct snapshot *load_snapshot(const char *path)
{
    struct snapshot *s = octo_xcalloc(1, sizeof(*s));
    octo_error err;
    json_t *v = NULL;

    s->refs = 1;
    memset(&err, 0, sizeof(err));
    if (octo_yaml_load_file(path, "secrets.yml", &v, NULL, &err) != OCTO_OK) {
        snprintf(s->problem, sizeof(s->problem), "%s",
                 err.code == OCTO_ENOENT ? "secrets.yml does not exist" : err.msg);
        return s;
    }
    if (json_is_null(v)) {
        json_decref(v);
        v = json_array();
    }
    if (!json_is_array(v)) {
        json_decref(v);
        snprintf(s->problem, sizeof(s->problem),
                 "secrets.yml must be a list of secrets ({name, type, ...})");
        return s;
    }
    s->list = v;
    return s;
}

/* The current snapshot (a new reference, never NULL: the first call
 * always loads one), reloading it when the file changed. */
static struct snapshot *current(void)
{
    const char *path = octo_config()->secrets_path;
    struct stat st;
    struct snapshot *s;
    time_t now = time(NULL);
    int changed = 0;

    pthread_mutex_lock(&g_mu);
    if (g_snap == NULL || now != g_checked) {
        g_checked = now;
        if (stat(path, &st) != 0) {
            changed = g_snap == NULL || g_snap->list != NULL || g_size != -1;
            g_size = -1;
        } else if (g_snap == NULL || st.st_mtim.tv_sec != g_mtime.tv_sec ||
                   st.st_mtim.tv_nsec != g_mtime.tv_nsec || st.st_size != g_size ||
                   st.st_ino != g_ino) {
            changed = 1;
            g_mtime = st.st_mtim;
            g_size = st.st_size;
            g_ino = st.st_ino;
        }
    }
    if (changed) {
        struct snapshot *n;

        pthread_mutex_unlock(&g_mu);
        n = load_snapshot(path);
        pthread_mutex_lock(&g_mu);
        if (g_snap != NULL) {
            octo_log(OCTO_LOG_INFO, "secrets.yml (re)loaded");
        }
        snap_unref_locked(g_snap);
        g_snap = n;
    }
    s = g_snap;
    if (s != NULL) {
        s->refs++;
    }
    pthread_mutex_unlock(&g_mu);
    return s;
}

static void release(struct snapshot *s)
{
    pthread_mutex_lock(&g_mu);
    snap_unref_locked(s);
    pthread_mutex_unlock(&g_mu);
}

static json_t *find(struct snapshot *s, const char *name)
{
    size_t i;
    json_t *e;

    json_array_foreach(s->list, i, e)
    {
        if (json_is_object(e) && json_is_string(json_object_get(e, "name")) &&
            strcmp(json_string_value(json_object_get(e, "name")), name) == 0) {
            return e;
        }
    }
    return NULL;
}

/* The defined name closest to name (did-you-mean), into out; 1 when there
 * is one. Names only: never a value. */
static int suggest(struct snapshot *s, const char *name, char *out, size_t cap)
{
    const char *names[257];
    const char *hint;
    size_t i;
    size_t n = 0;
    json_t *e;

    json_array_foreach(s->list, i, e)
    {
        const char *nm = json_string_value(json_object_get(e, "name"));

        if (nm != NULL && n < 256) {
            names[n++] = nm;
        }
    }
    names[n] = NULL;
    hint = octo_suggest(name, names);
    if (hint == NULL) {
        return 0;
    }
    snprintf(out, cap, "%s", hint);
    return 1;
}

int octo_secrets_suggest(const char *name, char *out, size_t cap)
{
    struct snapshot *s = current();
    int found = 0;

    if (s != NULL && s->list != NULL) {
        found = suggest(s, name, out, cap);
    }
    if (s != NULL) {
        release(s);
    }
    return found;
}

int octo_secrets_known(const char *name)
{
    struct snapshot *s = current();
    int known;

    if (s == NULL || s->list == NULL) {
        if (s != NULL) {
            release(s);
        }
        return -1;
    }
    known = find(s, name) != NULL;
    release(s);
    return known;
}

/* Register every string member (but name and type) for redaction. */
static void register_values(json_t *obj)
{
    const char *k;
    json_t *v;

    json_object_foreach(obj, k, v)
    {
        if (json_is_string(v) && strcmp(k, "name") != 0 && strcmp(k, "type") != 0) {
            octo_redact_add(json_string_value(v));
        } else if (json_is_object(v)) {
            register_values(v);
        }
    }
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void register_basic(const char *user, const char *pass)
{
    size_t ul = strlen(user);
    size_t pl = strlen(pass);
    size_t n = ul + 1 + pl;
    unsigned char *raw = octo_xmalloc(n + 1);
    char *out = octo_xmalloc((n + 2) / 3 * 4 + 1);
    size_t i;
    size_t o = 0;

    memcpy(raw, user, ul);
    raw[ul] = ':';
    memcpy(raw + ul + 1, pass, pl);
    for (i = 0; i + 2 < n; i += 3) {
        out[o++] = B64[raw[i] >> 2];
        out[o++] = B64[((raw[i] & 3) << 4) | (raw[i + 1] >> 4)];
        out[o++] = B64[((raw[i + 1] & 15) << 2) | (raw[i + 2] >> 6)];
        out[o++] = B64[raw[i + 2] & 63];
    }
    if (n - i == 1) {
        out[o++] = B64[raw[i] >> 2];
        out[o++] = B64[(raw[i] & 3) << 4];
        out[o++] = '=';
        out[o++] = '=';
    } else if (n - i == 2) {
        out[o++] = B64[raw[i] >> 2];
        out[o++] = B64[((raw[i] & 3) << 4) | (raw[i + 1] >> 4)];
        out[o++] = B64[(raw[i + 1] & 15) << 2];
        out[o++] = '=';
    }
    out[o] = '\0';
    octo_redact_add(out);
    free(raw);
    free(out);
}

static int nonempty(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);

    return json_is_string(v) && json_string_length(v) > 0;
}

/* Vault data for the secret entry e, from the cache or fetched. */
static int vault_data(const char *name, json_t *e, json_t **out, octo_error *err)
{
    const struct octo_config *c = octo_config();
    const char *uri = json_string_value(json_object_get(e, "uri"));
    const char *expr = json_string_value(json_object_get(e, "jq_expression"));
    char *key;
    size_t i;
    time_t now = time(NULL);
    json_t *data = NULL;
    int rc;

    *out = NULL;
    if (c->vault_token[0] == '\0') {
        return octo_error_set(err, OCTO_ESECRET, NULL,
                              "Hashicorp Vault secret '%s' missing token, please set "
                              "HASHICORP_VAULT_TOKEN in the environment",
                              name);
    }
    if (uri == NULL || uri[0] == '\0') {
        return octo_error_set(err, OCTO_ESECRET, NULL, "Hashicorp Vault secret '%s' missing uri",
                              name);
    }
    key = octo_xasprintf("%s|%s", uri, expr != NULL ? expr : "");
    pthread_mutex_lock(&g_mu);
    for (i = 0; i < g_ncache; i++) {
        if (strcmp(g_cache[i].key, key) == 0 && now - g_cache[i].fetched < c->vault_cache_ttl) {
            *out = json_incref(g_cache[i].data);
            break;
        }
    }
    pthread_mutex_unlock(&g_mu);
    if (*out != NULL) {
        free(key);
        return OCTO_OK;
    }
    rc = octo_vault_read(name, uri, c->vault_token, &data, err);
    if (rc == OCTO_OK && expr != NULL && expr[0] != '\0') {
        struct octo_jq_prog *prog = NULL;
        json_t *t = NULL;

        rc = octo_jq_compile(expr, &prog, err);
        if (rc == OCTO_OK) {
            rc = octo_jq_run(prog, data, OCTO_JQ_SINGLE, &t, NULL, err);
            octo_jq_release(prog);
        }
        json_decref(data);
        data = rc == OCTO_OK ? t : NULL;
        if (rc != OCTO_OK) {
            octo_error_set(err, OCTO_ESECRET, NULL,
                           "Hashicorp Vault secret '%s': its jq_expression failed", name);
        }
    }
    if (rc != OCTO_OK) {
        free(key);
        return rc;
    }
    if (json_is_object(data)) {
        register_values(data);
    } else if (json_is_string(data)) {
        octo_redact_add(json_string_value(data));
    }
    pthread_mutex_lock(&g_mu);
    for (i = 0; i < g_ncache; i++) {
        if (strcmp(g_cache[i].key, key) == 0) {
            json_decref(g_cache[i].data);
            free(key);
            break;
        }
    }
    if (i == g_ncache) {
        g_cache = octo_xrealloc(g_cache, (g_ncache + 1) * sizeof(*g_cache));
        g_cache[i].key = key;
        g_ncache++;
    }
    g_cache[i].data = json_incref(data);
    g_cache[i].fetched = now;
    pthread_mutex_unlock(&g_mu);
    *out = data;
    return OCTO_OK;
}

int octo_secrets_get(const char *name, json_t **out, octo_error *err)
{
    struct snapshot *s = current();
    json_t *e;
    json_t *res = NULL;
    const char *type;
    int rc = OCTO_OK;

    *out = NULL;
    if (s->list == NULL) {
        rc = octo_error_set(err, OCTO_ESECRET, NULL, "Secret %s not found: %s", name, s->problem);
        goto out;
    }
    e = find(s, name);
    if (e == NULL) {
        char hint[128];

        if (suggest(s, name, hint, sizeof(hint))) {
            rc = octo_error_set(err, OCTO_ESECRET, NULL,
                                "Secret %s not found (did you mean "
                                "\"%s\"?)",
                                name, hint);
        } else {
            rc = octo_error_set(err, OCTO_ESECRET, NULL, "Secret %s not found", name);
        }
        goto out;
    }
    type = json_string_value(json_object_get(e, "type"));
    if (type == NULL) {
        type = "credential";
    }
    if (strcmp(type, "credential") == 0) {
        if (!nonempty(e, "username") || !nonempty(e, "password")) {
            rc = octo_error_set(err, OCTO_ESECRET, NULL,
                                "Credential secret '%s' missing username or password", name);
            goto out;
        }
        res = json_pack("{s:s, s:s, s:O, s:O}", "name", name, "type", type, "username",
                        json_object_get(e, "username"), "password", json_object_get(e, "password"));
        register_basic(json_string_value(json_object_get(e, "username")),
                       json_string_value(json_object_get(e, "password")));
    } else if (strcmp(type, "token") == 0) {
        if (!nonempty(e, "token")) {
            rc = octo_error_set(err, OCTO_ESECRET, NULL, "Token secret '%s' missing token", name);
            goto out;
        }
        res = json_pack("{s:s, s:s, s:O}", "name", name, "type", type, "token",
                        json_object_get(e, "token"));
    } else if (strcmp(type, "api-key") == 0 || strcmp(type, "api_key") == 0) {
        if (!nonempty(e, "key") || !nonempty(e, "value")) {
            rc = octo_error_set(err, OCTO_ESECRET, NULL,
                                "API key secret '%s' missing 'key' or 'value'", name);
            goto out;
        }
        res = json_pack("{s:s, s:s, s:O, s:O}", "name", name, "type", "api-key", "key",
                        json_object_get(e, "key"), "value", json_object_get(e, "value"));
    } else if (strcmp(type, "hashicorp-vault") == 0) {
        json_t *data = NULL;

        rc = vault_data(name, e, &data, err);
        if (rc != OCTO_OK) {
            goto out;
        }
        res = json_object();
        if (json_is_object(data)) {
            json_object_update(res, data);
        } else {
            json_object_set(res, "value", data);
        }
        json_object_set_new(res, "name", json_string(name));
        json_object_set_new(res, "type", json_string(type));
        if (json_is_string(json_object_get(res, "username")) &&
            json_is_string(json_object_get(res, "password"))) {
            register_basic(json_string_value(json_object_get(res, "username")),
                           json_string_value(json_object_get(res, "password")));
        }
        json_decref(data);
    } else {
        rc = octo_error_set(err, OCTO_ESECRET, NULL, "Unknown secret type: %s (secret %s)", type,
                            name);
        goto out;
    }
    if (res == NULL) {
        rc = octo_error_set(err, OCTO_ESECRET, NULL, "secret %s: a field is not text", name);
        goto out;
    }
    /* what is secret: passwords, tokens, key values, everything from Vault */
    if (strcmp(type, "hashicorp-vault") != 0) {
        const char *const fields[] = {"password", "token", "value", NULL};

        for (size_t k = 0; fields[k] != NULL; k++) {
            if (json_is_string(json_object_get(res, fields[k]))) {
                octo_redact_add(json_string_value(json_object_get(res, fields[k])));
            }
        }
    }
    *out = res;
out:
    release(s);
    return rc;
}

void octo_secrets_reset(void)
{
    size_t i;

    pthread_mutex_lock(&g_mu);
    snap_unref_locked(g_snap);
    g_snap = NULL;
    for (i = 0; i < g_ncache; i++) {
        free(g_cache[i].key);
        json_decref(g_cache[i].data);
    }
    free(g_cache);
    g_cache = NULL;
    g_ncache = 0;
    pthread_mutex_unlock(&g_mu);
}
