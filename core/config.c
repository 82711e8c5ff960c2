/* config.c - environment variables, paths and config.yml (see config.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errors.h"
#include "log.h"
#include "yaml_io.h"

static const struct octo_config *g_config;

const struct octo_config *octo_config(void)
{
    return g_config;
}

void octo_config_set(const struct octo_config *cfg)
{
    g_config = cfg;
}

int octo_mkdirs(const char *path, int mode)
{
    char tmp[PATH_MAX];
    size_t len;
    char *p;

    if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    len = strlen(tmp);
    while (len > 1 && tmp[len - 1] == '/') {
        tmp[--len] = '\0';
    }
    for (p = tmp + 1; *p != '\0'; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, (mode_t)mode) != 0 && errno != EEXIST) {
                return -1;
            }
            *p = '/';
        }
    }
    if (mkdir(tmp, (mode_t)mode) != 0 && errno != EEXIST) {
        return -1;
    }
    return 0;
}

static const char *env_or(const char *name, const char *def)
{
    const char *v = getenv(name);

    return (v != NULL && v[0] != '\0') ? v : def;
}

static int env_int(const char *name, int def, int min, int max, int *out, octo_error *err)
{
    const char *v = getenv(name);
    char *end;
    long n;

    if (v == NULL || v[0] == '\0') {
        *out = def;
        return OCTO_OK;
    }
    errno = 0;
    n = strtol(v, &end, 10);
    if (errno != 0 || *end != '\0' || n < min || n > max) {
        return octo_error_set(err, OCTO_EINVAL, name,
                              "environment variable %s=\"%s\" is not an integer in %d..%d", name, v,
                              min, max);
    }
    *out = (int)n;
    return OCTO_OK;
}

int octo_env_long(const char *name, long def, long min, long max, long *out, octo_error *err)
{
    const char *v = getenv(name);
    char *end;
    long n;

    if (v == NULL || v[0] == '\0') {
        *out = def;
        return OCTO_OK;
    }
    errno = 0;
    n = strtol(v, &end, 10);
    if (errno != 0 || *end != '\0' || n < min || n > max) {
        return octo_error_set(err, OCTO_EINVAL, name,
                              "environment variable %s=\"%s\" is not an integer in %ld..%ld", name,
                              v, min, max);
    }
    *out = n;
    return OCTO_OK;
}

/* Absolute form of path (relative to the cwd). */
static void absolutize(char *dst, size_t cap, const char *path)
{
    char cwd[PATH_MAX];
    char tmp[PATH_MAX];

    if (path[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL) {
        snprintf(tmp, sizeof(tmp), "%s", path);
    } else {
        snprintf(tmp, sizeof(tmp), "%s/%s", cwd, path);
    }
    /* canonicalise when it exists (after mkdir it does) */
    if (realpath(tmp, dst) == NULL) {
        snprintf(dst, cap, "%s", tmp);
    }
}

static int make_dir(char *path, size_t cap, const char *what, int create, octo_error *err)
{
    char abs[PATH_MAX];

    if (create && octo_mkdirs(path, 0755) != 0) {
        return octo_error_set(err, OCTO_EIO, what, "cannot create %s directory %s: %s", what, path,
                              strerror(errno));
    }
    absolutize(abs, sizeof(abs), path);
    snprintf(path, cap, "%s", abs);
    return OCTO_OK;
}

static int load_file(struct octo_config *cfg, octo_error *err)
{
    json_t *v = NULL;
    json_t *marks = NULL;
    int rc;

    if (access(cfg->config_file, F_OK) != 0) {
        cfg->file = json_object();
        return OCTO_OK;
    }
    /* with marks: a key given twice is an error, not a silent override */
    rc = octo_yaml_load_file(cfg->config_file, "config.yml", &v, &marks, err);
    json_decref(marks);
    if (rc != OCTO_OK) {
        octo_error_prefix(err, "invalid configuration file");
        return rc == OCTO_ENOENT ? OCTO_EIO : rc;
    }
    if (json_is_null(v)) {
        json_decref(v);
        v = json_object();
    }
    if (!json_is_object(v)) {
        json_decref(v);
        return octo_error_set(err, OCTO_EINVAL, NULL,
                              "invalid configuration file config.yml: the top level must be a "
                              "mapping (for example \"autostart: []\")");
    }
    cfg->file = v;
    return OCTO_OK;
}

int octo_config_load(struct octo_config *cfg, octo_error *err)
{
    return octo_config_load_ex(cfg, 0, err);
}

int octo_config_load_ex(struct octo_config *cfg, unsigned flags, octo_error *err)
{
    int create = !(flags & OCTO_CONFIG_NO_MKDIR);
    char def[PATH_MAX];
    const char *verify;
    const char *lvl;
    int rc;

    memset(cfg, 0, sizeof(*cfg));
    snprintf(cfg->data_path, sizeof(cfg->data_path), "%s", env_or("DATA_PATH", "data"));
    rc = make_dir(cfg->data_path, sizeof(cfg->data_path), "DATA_PATH", create, err);
    if (rc != OCTO_OK) {
        return rc;
    }
#define DERIVED(field, env, sub)                                                                   \
    do {                                                                                           \
        snprintf(def, sizeof(def), "%s/%s", cfg->data_path, sub);                                  \
        snprintf(cfg->field, sizeof(cfg->field), "%s", env_or(env, def));                          \
    } while (0)
    DERIVED(lock_path, "LOCK_PATH", "locks");
    DERIVED(log_path, "LOG_PATH", "logs");
    DERIVED(flows_path, "FLOWS_PATH", "flows");
    DERIVED(templates_path, "TEMPLATES_PATH", "templates");
    DERIVED(secrets_path, "SECRETS_PATH", "secrets.yml");
    DERIVED(config_file, "CONFIG_FILE", "config.yml");
    DERIVED(jobs_db, "JOBS_DB", "octoflow.db");
#undef DERIVED
    if ((rc = make_dir(cfg->lock_path, sizeof(cfg->lock_path), "LOCK_PATH", create, err)) !=
            OCTO_OK ||
        (rc = make_dir(cfg->log_path, sizeof(cfg->log_path), "LOG_PATH", create, err)) != OCTO_OK ||
        (rc = make_dir(cfg->flows_path, sizeof(cfg->flows_path), "FLOWS_PATH", create, err)) !=
            OCTO_OK ||
        (rc = make_dir(cfg->templates_path, sizeof(cfg->templates_path), "TEMPLATES_PATH", create,
                       err)) != OCTO_OK) {
        return rc;
    }
    absolutize(def, sizeof(def), cfg->secrets_path);
    snprintf(cfg->secrets_path, sizeof(cfg->secrets_path), "%s", def);
    absolutize(def, sizeof(def), cfg->config_file);
    snprintf(cfg->config_file, sizeof(cfg->config_file), "%s", def);
    absolutize(def, sizeof(def), cfg->jobs_db);
    snprintf(cfg->jobs_db, sizeof(cfg->jobs_db), "%s", def);
    snprintf(cfg->log_file_name, sizeof(cfg->log_file_name), "%s",
             env_or("LOG_FILE_NAME", "spooler_service.log"));
    if (strchr(cfg->log_file_name, '/') != NULL) {
        return octo_error_set(err, OCTO_EINVAL, "LOG_FILE_NAME",
                              "LOG_FILE_NAME must be a file name, not a path");
    }
    snprintf(cfg->plugins_path, sizeof(cfg->plugins_path), "%s", env_or("PLUGINS_PATH", ""));
    lvl = env_or("LOG_LEVEL", "INFO");
    cfg->log_level = octo_log_level_parse(lvl);
    if (cfg->log_level == 0) {
        return octo_error_set(err, OCTO_EINVAL, "LOG_LEVEL",
                              "LOG_LEVEL=\"%s\" is not one of DEBUG, INFO, WARNING, ERROR", lvl);
    }

    if ((rc = env_int("API_PORT", 5000, 0, 65535, &cfg->api_port, err)) != OCTO_OK ||
        (rc = env_int("API_HTTPS_PORT", cfg->api_port + 1, 0, 65535, &cfg->api_https_port, err)) !=
            OCTO_OK ||
        (rc = env_int("API_THREADS", 16, 1, 512, &cfg->api_threads, err)) != OCTO_OK ||
        (rc = env_int("API_CLIENT_CONNECTIONS", 8, 1, 1024, &cfg->api_client_connections, err)) !=
            OCTO_OK ||
        (rc = env_int("FLOW_TIMEOUT", 600, 0, 86400 * 7, &cfg->flow_timeout, err)) != OCTO_OK ||
        (rc = env_int("FLOW_MAX_WORKERS", 8, 1, 256, &cfg->flow_max_workers, err)) != OCTO_OK ||
        (rc = env_int("FLOW_MAX_DEPTH", 16, 1, 100, &cfg->max_depth, err)) != OCTO_OK ||
        (rc = env_int("SHUTDOWN_GRACE", 30, 0, 3600, &cfg->shutdown_grace, err)) != OCTO_OK ||
        (rc = env_int("HASHICORP_VAULT_CACHE_TTL", 60, 0, 86400 * 30, &cfg->vault_cache_ttl,
                      err)) != OCTO_OK) {
        return rc;
    }
    {
        int kb = 0;

        if ((rc = env_int("API_MAX_BODY", 1024 * 1024, 1024, 1024 * 1024 * 1024, &kb, err)) !=
            OCTO_OK) {
            return rc;
        }
        cfg->api_max_body = kb;
    }
    snprintf(cfg->api_protocol, sizeof(cfg->api_protocol), "%s", env_or("API_PROTOCOL", "http"));
    if (strlen(env_or("API_TOKEN", "")) > OCTO_API_TOKEN_MAX) {
        return octo_error_set(err, OCTO_EINVAL, "API_TOKEN",
                              "API_TOKEN is %zu bytes long: the limit is %d bytes",
                              strlen(env_or("API_TOKEN", "")), OCTO_API_TOKEN_MAX);
    }
    snprintf(cfg->api_token, sizeof(cfg->api_token), "%s", env_or("API_TOKEN", "default_token"));
    cfg->api_token_is_default = strcmp(cfg->api_token, "default_token") == 0;
    snprintf(cfg->api_host, sizeof(cfg->api_host), "%s", env_or("API_HOST", ""));
    snprintf(cfg->api_tls_cert, sizeof(cfg->api_tls_cert), "%s", env_or("API_TLS_CERT", ""));
    snprintf(cfg->api_tls_key, sizeof(cfg->api_tls_key), "%s", env_or("API_TLS_KEY", ""));
    snprintf(cfg->api_cors_origins, sizeof(cfg->api_cors_origins), "%s",
             env_or("API_CORS_ORIGINS", "*"));
    snprintf(cfg->timezone, sizeof(cfg->timezone), "%s", env_or("TIMEZONE", ""));
    snprintf(cfg->vault_token, sizeof(cfg->vault_token), "%s", env_or("HASHICORP_VAULT_TOKEN", ""));
    snprintf(cfg->connect_to, sizeof(cfg->connect_to), "%s", env_or("OCTO_CONNECT_TO", ""));
    snprintf(cfg->ca_file, sizeof(cfg->ca_file), "%s", env_or("OCTO_CA_FILE", ""));
    verify = env_or("OCTO_TLS_VERIFY", "true");
    cfg->tls_verify = !(strcasecmp(verify, "false") == 0 || strcmp(verify, "0") == 0 ||
                        strcasecmp(verify, "no") == 0 || strcasecmp(verify, "off") == 0);
    rc = octo_config_load_runs(cfg, err);
    if (rc != OCTO_OK) {
        return rc;
    }
    return load_file(cfg, err);
}

void octo_config_free(struct octo_config *cfg)
{
    json_decref(cfg->file);
    cfg->file = NULL;
}
